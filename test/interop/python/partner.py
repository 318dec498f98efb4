"""A partner agency's own tooling, written the way an integrator who does not
use the isp-hub SDK would write it: Debian 12's python3-cryptography (38) and
python3-jwcrypto (1.1), the Python standard library for HTTPS with mutual TLS.
The isp-hub tests drive it through child_process (test/support/python.ts);
each command prints one JSON document on stdout.

  parse-certificates FILE...        every certificate in each PEM file, all extensions read
  make-csr --id ID --out DIR        an EC P-256 key and a PKCS#10 request, made by cryptography
  send --hub URL ...                fetch the JWKS, seal a message with jwcrypto, POST it
  inbox --hub URL ...               GET /v1/inbox
  open --jwe FILE --key KEY ...     open a delivery with jwcrypto and check the hub's signature
"""
import argparse
import base64
import hashlib
import http.client
import json
import os
import re
import ssl
import sys
import time
import urllib.parse
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from jwcrypto import jwe, jwk, jws
from jwcrypto.common import json_encode

ENVELOPE_TYPE = "isp-message+jws"
PEM_CERTIFICATE = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\s*", re.S)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def thumbprint_s256(certificate):
    """x5t#S256 (RFC 7515 s.4.1.8): base64url of the SHA-256 of the DER certificate."""
    return b64url(hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).digest())


def load_certificates(path):
    with open(path, "rb") as handle:
        data = handle.read()
    # cryptography 38 has no load_pem_x509_certificates (plural); one block at a time.
    return [x509.load_pem_x509_certificate(block) for block in PEM_CERTIFICATE.findall(data)]


def parse_certificates(args):
    out = []
    for path in args.files:
        for certificate in load_certificates(path):
            # Reading .extensions parses every extension; a policy OID the parser
            # cannot hold (the old 2.25 arc) raises ValueError here.
            extensions = [{"oid": e.oid.dotted_string, "critical": e.critical, "value": repr(e.value)} for e in certificate.extensions]
            out.append({
                "file": path,
                "subject": certificate.subject.rfc4514_string(),
                "issuer": certificate.issuer.rfc4514_string(),
                "serial": format(certificate.serial_number, "X"),
                "publicKey": type(certificate.public_key()).__name__,
                "extensions": extensions,
                "thumbprint": thumbprint_s256(certificate),
            })
    print(json.dumps(out))


def make_csr(args):
    key = ec.generate_private_key(ec.SECP256R1())
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, args.id)]))
        .sign(key, hashes.SHA256())
    )
    os.makedirs(args.out, exist_ok=True)
    key_file = os.path.join(args.out, "key.pem")
    with open(os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    csr_file = os.path.join(args.out, "csr.pem")
    with open(csr_file, "wb") as handle:
        handle.write(request.public_bytes(serialization.Encoding.PEM))
    print(json.dumps({"key": key_file, "csr": csr_file}))


def connection(args):
    context = ssl.create_default_context(cafile=args.ca)
    context.load_cert_chain(args.cert, args.key)
    url = urllib.parse.urlsplit(args.hub)
    return http.client.HTTPSConnection(url.hostname, url.port, context=context, timeout=30)


def request(args, method, path, body=None, content_type=None):
    conn = connection(args)
    try:
        headers = {"accept": "application/json"}
        if content_type:
            headers["content-type"] = content_type
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        conn.close()


def supported(entry, args):
    """The JWE key types this library is allowed to use here."""
    if entry.get("kty") == "RSA" and entry.get("alg") == "RSA-OAEP-256":
        return True
    if entry.get("kty") == "EC" and entry.get("crv") == "P-256" and entry.get("alg") == "ECDH-ES+A256KW":
        return not args.rsa_only
    if entry.get("kty") == "OKP" and entry.get("crv") == "X25519" and entry.get("alg") == "ECDH-ES+A256KW":
        return not (args.no_x25519 or args.rsa_only)
    return False


def verify_chain(entry, ca_file):
    """The key is trusted through its certificate chain to the scheme CA, never because the JWKS said so."""
    leaf = x509.load_der_x509_certificate(base64.b64decode(entry["x5c"][0]))
    ca = load_certificates(ca_file)[0]
    ca.public_key().verify(leaf.signature, leaf.tbs_certificate_bytes, ec.ECDSA(leaf.signature_hash_algorithm))
    units = [attribute.value for attribute in leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)]
    expected = "hub-encryption" if entry["use"] == "enc" else "hub-signing"
    if units != [expected]:
        raise SystemExit(f"JWKS key {entry['kid']} is not a {expected} certificate")
    if thumbprint_s256(leaf) != entry["x5t#S256"]:
        raise SystemExit("x5t#S256 does not match x5c")
    return leaf


def send(args):
    status, text = request(args, "GET", "/.well-known/jwks.json")
    if status != 200:
        raise SystemExit(f"JWKS: HTTP {status}")
    keys = json.loads(text)["keys"]
    # docs/envelope.md: take the first encryption key this library supports, in the order listed.
    chosen = next((entry for entry in keys if entry.get("use") == "enc" and supported(entry, args)), None)
    if chosen is None:
        raise SystemExit("the hub publishes no encryption key this library supports")
    verify_chain(chosen, args.ca)
    hub_key = jwk.JWK(**{name: chosen[name] for name in ("kty", "crv", "x", "y", "n", "e") if name in chosen})

    with open(args.message, "rb") as handle:
        message = json.load(handle)
    now = int(time.time())
    claims = dict(message, iss=args.agency, aud=args.hub_id, iat=now, exp=now + 300, jti=str(uuid.uuid4()))
    with open(args.key, "rb") as handle:
        signing_key = jwk.JWK.from_pem(handle.read())
    certificate = load_certificates(args.cert)[0]
    signed = jws.JWS(json.dumps(claims).encode("utf-8"))
    signed.add_signature(signing_key, alg=None, protected=json_encode({"alg": "ES256", "typ": ENVELOPE_TYPE, "x5t#S256": thumbprint_s256(certificate)}))
    inner = signed.serialize(compact=True)
    protected = {"alg": chosen["alg"], "enc": "A256GCM", "cty": ENVELOPE_TYPE, "kid": chosen["kid"]}
    sealed = jwe.JWE(inner.encode("ascii"), protected=json_encode(protected))
    sealed.add_recipient(hub_key)
    compact = sealed.serialize(compact=True)
    status, text = request(args, "POST", "/v1/messages", body=compact, content_type="application/jose")
    print(json.dumps({"status": status, "body": json.loads(text), "jweHeader": protected, "jti": claims["jti"]}))


def inbox(args):
    status, text = request(args, "GET", "/v1/inbox?limit=100")
    print(json.dumps({"status": status, "body": json.loads(text)}))


def open_delivery(args):
    with open(args.jwe, "r", encoding="ascii") as handle:
        compact = handle.read().strip()
    with open(args.key, "rb") as handle:
        key = jwk.JWK.from_pem(handle.read())
    with open(args.jwks, "r", encoding="utf-8") as handle:
        keys = json.load(handle)["keys"]
    sealed = jwe.JWE()
    # Pin what the scheme allows (RFC 8725 s.3.1), whatever the header says.
    sealed.allowed_algs = ["RSA-OAEP-256", "ECDH-ES+A256KW", "A256GCM"]
    sealed.deserialize(compact, key=key)
    header = json.loads(sealed.objects["protected"])
    if header.get("cty") != ENVELOPE_TYPE:
        raise SystemExit("not an isp-message envelope")
    inner = jws.JWS()
    inner.allowed_algs = ["ES256"]
    inner.deserialize(sealed.payload.decode("ascii"))
    signer = json.loads(inner.objects["protected"])
    entry = next((candidate for candidate in keys if candidate.get("use") == "sig" and candidate.get("x5t#S256") == signer["x5t#S256"]), None)
    if entry is None:
        raise SystemExit("the delivery is signed by a key the hub does not publish")
    verify_chain(entry, args.ca)
    inner.verify(jwk.JWK(**{name: entry[name] for name in ("kty", "crv", "x", "y")}))
    print(json.dumps({"jweHeader": header, "jwsHeader": signer, "claims": json.loads(inner.payload)}))


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("parse-certificates")
    p.add_argument("files", nargs="+")
    p.set_defaults(run=parse_certificates)
    p = commands.add_parser("make-csr")
    p.add_argument("--id", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(run=make_csr)
    for name, run in (("send", send), ("inbox", inbox)):
        p = commands.add_parser(name)
        p.add_argument("--hub", required=True)
        p.add_argument("--ca", required=True)
        p.add_argument("--cert", required=True)
        p.add_argument("--key", required=True)
        if name == "send":
            p.add_argument("--agency", required=True)
            p.add_argument("--hub-id", default="isp-hub")
            p.add_argument("--message", required=True)
            p.add_argument("--no-x25519", action="store_true", help="act as a JOSE library without X25519 (.NET, go-jose, the C jose tool)")
            p.add_argument("--rsa-only", action="store_true", help="act as a JOSE library that wraps keys with RSA only (no ECDH-ES)")
        p.set_defaults(run=run)
    p = commands.add_parser("open")
    p.add_argument("--jwe", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--jwks", required=True)
    p.add_argument("--ca", required=True)
    p.set_defaults(run=open_delivery)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    sys.exit(main())
