"""The isp-hub envelope in Python, with Debian's python3-jwcrypto.

A message is a compact JWS (signed with the agency's key) inside a compact
JWE (encrypted to one of the hub's encryption keys); a delivery is the same
the other way round, signed by the hub. See docs/envelope.md.

Algorithms are pinned on both layers (RFC 8725 s.3.1): jwcrypto is told
which algorithms it may use, and the headers are checked before any key is.
"""

import base64
import hashlib
import json
import time

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from jwcrypto import jwe, jwk, jws
from jwcrypto.common import json_encode

MEDIA_TYPE = "isp-message+jws"
JWS_ALGS = ["ES256", "EdDSA", "PS256"]
JWE_KEY_ALGS = ["ECDH-ES+A256KW", "RSA-OAEP-256"]
JWE_ENC = "A256GCM"


class EnvelopeError(Exception):
    """Something in an envelope is not as the protocol says."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def thumbprint(certificate: x509.Certificate) -> str:
    """x5t#S256: base64url SHA-256 of the DER certificate (RFC 7515 s.4.1.8)."""
    return b64url(hashlib.sha256(certificate.public_bytes(Encoding.DER)).digest())


def read_certificate(path: str) -> x509.Certificate:
    with open(path, "rb") as handle:
        return x509.load_pem_x509_certificate(handle.read())


def read_key(path: str) -> jwk.JWK:
    with open(path, "rb") as handle:
        return jwk.JWK.from_pem(handle.read())


def signing_alg_for(key: jwk.JWK) -> str:
    """The one JWS algorithm each key type is used with."""
    if key["kty"] == "EC" and key.get("crv") == "P-256":
        return "ES256"
    if key["kty"] == "OKP" and key.get("crv") == "Ed25519":
        return "EdDSA"
    if key["kty"] == "RSA":
        return "PS256"
    raise EnvelopeError("no JWS algorithm for this key type")


def encryption_alg_for(key: jwk.JWK) -> str:
    """The one JWE key-management algorithm each key type is used with."""
    if key["kty"] == "EC" and key.get("crv") == "P-256":
        return "ECDH-ES+A256KW"
    if key["kty"] == "RSA":
        return "RSA-OAEP-256"
    raise EnvelopeError("no JWE algorithm this agency can use for this key type")


def verify_chain(leaf: x509.Certificate, ca: x509.Certificate, at: float) -> None:
    """The leaf is issued by the scheme CA (its signature verifies with the CA key) and is in date."""
    if leaf.issuer != ca.subject:
        raise EnvelopeError("certificate not issued by the scheme CA")
    public_key = ca.public_key()
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(leaf.signature, leaf.tbs_certificate_bytes, ec.ECDSA(leaf.signature_hash_algorithm))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(leaf.signature, leaf.tbs_certificate_bytes, padding.PKCS1v15(), leaf.signature_hash_algorithm)
        else:
            public_key.verify(leaf.signature, leaf.tbs_certificate_bytes)
    except Exception as error:  # cryptography raises InvalidSignature
        raise EnvelopeError("certificate signature does not verify with the scheme CA key") from error
    if not (leaf.not_valid_before.timestamp() <= at <= leaf.not_valid_after.timestamp()):
        raise EnvelopeError("certificate out of date")


def certificate_from_x5c(entry: dict, ca: x509.Certificate, at: float) -> x509.Certificate:
    """The leaf of a JWK's x5c (standard base64 DER, RFC 7517 s.4.7), chained to the CA and matching its x5t#S256."""
    chain = entry.get("x5c") or []
    if not chain:
        raise EnvelopeError("JWK without x5c")
    leaf = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
    if thumbprint(leaf) != entry.get("x5t#S256"):
        raise EnvelopeError("x5c does not match x5t#S256")
    verify_chain(leaf, ca, at)
    return leaf


def seal(claims: dict, signing_key: jwk.JWK, signing_certificate: x509.Certificate, recipient_key: jwk.JWK, recipient_kid: str) -> str:
    """Signs `claims` (JWS) and encrypts the compact JWS to the recipient (JWE); returns the compact JWE."""
    alg = signing_alg_for(signing_key)
    header = {"alg": alg, "typ": MEDIA_TYPE, "x5t#S256": thumbprint(signing_certificate)}
    signed = jws.JWS(json.dumps(claims, separators=(",", ":")).encode("utf-8"))
    signed.allowed_algs = [alg]
    signed.add_signature(signing_key, alg=alg, protected=json_encode(header))
    inner = signed.serialize(compact=True)
    key_alg = encryption_alg_for(recipient_key)
    protected = {"alg": key_alg, "enc": JWE_ENC, "cty": MEDIA_TYPE, "kid": recipient_kid}
    sealed = jwe.JWE(inner.encode("ascii"), protected=json_encode(protected))
    sealed.allowed_algs = [key_alg, JWE_ENC]
    sealed.add_recipient(recipient_key)
    return sealed.serialize(compact=True)


def protected_header(compact: str) -> dict:
    first = compact.split(".", 1)[0]
    try:
        return json.loads(base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)))
    except ValueError as error:
        raise EnvelopeError("malformed protected header") from error


def open_from_hub(compact: str, decryption_keys: dict, hub_signing: dict, audience: str, hub_id: str, now: float = None) -> dict:
    """Opens a delivery (or a query answer) from the hub and returns its claims.

    `decryption_keys` maps kid (the thumbprint of the agency's certificate
    the JWE names) to a private JWK; `hub_signing` maps the x5t#S256 of each
    hub signing certificate the JWKS publishes (already chained to the scheme
    CA) to its public JWK.
    """
    now = time.time() if now is None else now
    _, claims = open_envelope(compact, decryption_keys, hub_signing)
    if claims.get("iss") != hub_id:
        raise EnvelopeError("iss is not the hub")
    audiences = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
    if audience not in audiences:
        raise EnvelopeError("not addressed to this agency")
    if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= now:
        raise EnvelopeError("expired")
    return claims


def open_envelope(compact: str, decryption_keys: dict, signers: dict):
    """Decrypts and verifies any envelope: returns the inner compact JWS and its claims, unchecked.

    `signers` maps x5t#S256 to the public JWK of a certificate the caller
    has already checked; the JWS must name one of them.
    """
    header = protected_header(compact)
    if header.get("alg") not in JWE_KEY_ALGS or header.get("enc") != JWE_ENC or header.get("cty") != MEDIA_TYPE or "zip" in header:
        raise EnvelopeError("JWE header not allowed")
    key = decryption_keys.get(header.get("kid"))
    if key is None:
        raise EnvelopeError("JWE not encrypted to a key held here")
    if encryption_alg_for(key) != header["alg"]:
        raise EnvelopeError("JWE algorithm does not fit the key")
    sealed = jwe.JWE()
    sealed.allowed_algs = [header["alg"], JWE_ENC]
    sealed.deserialize(compact, key=key)
    inner = sealed.payload.decode("ascii")

    signed_header = protected_header(inner)
    alg = signed_header.get("alg")
    if alg not in JWS_ALGS or signed_header.get("typ") != MEDIA_TYPE:
        raise EnvelopeError("JWS header not allowed")
    if any(member in signed_header for member in ("jku", "jwk", "x5u", "x5c", "crit")):
        raise EnvelopeError("JWS header names its own key")
    signer = signers.get(signed_header.get("x5t#S256"))
    if signer is None or signing_alg_for(signer) != alg:
        raise EnvelopeError("JWS not signed by a key known here")
    signed = jws.JWS()
    signed.allowed_algs = [alg]
    signed.deserialize(inner)
    signed.verify(signer, alg=alg)
    return inner, json.loads(signed.payload)
