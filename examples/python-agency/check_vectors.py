#!/usr/bin/python3
"""Opens docs/test-vectors/ with this agency's envelope code (jwcrypto), at the
instant the vectors' README names: each JWE must decrypt to its JWS byte for
byte, each JWS verify with the certificate it names (chained to the vectors'
CA) and parse to its JSON file. The hub's own test does the same in
TypeScript, so the two implementations are checked against one set of files.

  /usr/bin/python3 check_vectors.py ../../docs/test-vectors
"""

import datetime
import json
import os
import sys

from cryptography.hazmat.primitives.serialization import Encoding
from jwcrypto import jwk

import envelope

# The instant the README names (scripts/test-vectors-contract.ts).
VALID_AT = datetime.datetime(2026, 11, 22, 12, 0, 0, tzinfo=datetime.timezone.utc).timestamp()


def public(certificate) -> jwk.JWK:
    return jwk.JWK.from_pem(certificate.public_bytes(Encoding.PEM))


def main(directory: str) -> int:
    def path(name):
        return os.path.join(directory, name)

    def text(name):
        with open(path(name), "r", encoding="utf-8") as handle:
            return handle.read()

    ca = envelope.read_certificate(path("keys/ca-cert.pem"))
    agency_cert = envelope.read_certificate(path("keys/agency-cert.pem"))
    hub_signing_cert = envelope.read_certificate(path("keys/hub-signing-cert.pem"))
    hub_encryption_cert = envelope.read_certificate(path("keys/hub-encryption-cert.pem"))
    for certificate in (agency_cert, hub_signing_cert, hub_encryption_cert):
        envelope.verify_chain(certificate, ca, VALID_AT)
    failures = 0
    checks = [
        ("to-hub", {envelope.thumbprint(hub_encryption_cert): envelope.read_key(path("keys/hub-encryption-key.pem"))}, {envelope.thumbprint(agency_cert): public(agency_cert)}, "claims.json"),
        ("delivery", {envelope.thumbprint(agency_cert): envelope.read_key(path("keys/agency-key.pem"))}, {envelope.thumbprint(hub_signing_cert): public(hub_signing_cert)}, "delivery.json"),
    ]
    for name, keys, signers, expected in checks:
        inner, claims = envelope.open_envelope(text(f"{name}.jwe").strip(), keys, signers)
        ok = inner == text(f"{name}.jws").strip() and claims == json.loads(text(expected)) and claims["iat"] <= VALID_AT < claims["exp"]
        print(f"{name}.jwe: {'opens to ' + name + '.jws and ' + expected if ok else 'DOES NOT MATCH'}")
        failures += 0 if ok else 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "docs", "test-vectors")))
