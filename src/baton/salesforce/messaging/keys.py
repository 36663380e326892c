"""RSA keys for User Verification: generate, load, and publish as PEM, JWK and JWKS.

Salesforce accepts RS256/RS512 keys uploaded one JWK at a time with ``kty``,
``kid``, ``alg`` and an ``x5c`` certificate chain, or a public JWKS endpoint.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

MIN_KEY_BITS = 2048
ALGORITHMS = ("RS256", "RS512")


@dataclass(frozen=True)
class SigningKeyPair:
    """A private key (keep secret) and everything to register its public half."""

    kid: str
    algorithm: str
    private_key_pem: str
    public_key_pem: str
    certificate_pem: str
    jwk: dict[str, Any]


def generate_key_pair(
    *, kid: str | None = None, bits: int = MIN_KEY_BITS, algorithm: str = "RS256", common_name: str = "baton"
) -> SigningKeyPair:
    """A new RSA key pair with a self-signed certificate for ``x5c``."""
    if bits < MIN_KEY_BITS:
        raise ValueError(f"RSA keys must be at least {MIN_KEY_BITS} bits.")
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    kid = kid or str(uuid.uuid4())
    certificate = self_signed_certificate(private_key, common_name=common_name)
    return SigningKeyPair(
        kid=kid,
        algorithm=algorithm,
        private_key_pem=private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
        public_key_pem=public_key_pem(private_key),
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
        jwk=public_jwk(private_key, kid=kid, algorithm=algorithm, certificate=certificate),
    )


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """Parse a private key PEM; ValueError with an admin-readable reason otherwise."""
    text = pem.strip()
    if "-----BEGIN" not in text or "PRIVATE KEY-----" not in text or "-----END" not in text:
        raise ValueError("The private key PEM is incomplete: it needs its BEGIN and END lines.")
    try:
        key = serialization.load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError) as exc:
        # Truncated base64 bodies and encrypted keys both land here.
        raise ValueError(
            "The private key PEM is incomplete or encrypted; paste the whole unencrypted key."
        ) from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("The private key must be an RSA key.")
    if key.key_size < MIN_KEY_BITS:
        raise ValueError(f"The RSA key has {key.key_size} bits; at least {MIN_KEY_BITS} are required.")
    return key


def public_key_pem(private_key: rsa.RSAPrivateKey) -> str:
    """The public key as a ``BEGIN PUBLIC KEY`` PEM (what Setup's Auth Key field takes)."""
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def self_signed_certificate(
    private_key: rsa.RSAPrivateKey, *, common_name: str = "baton", valid_days: int = 3650
) -> x509.Certificate:
    """A self-signed certificate: Salesforce only reads the key out of ``x5c``."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=valid_days))
        .sign(private_key, hashes.SHA256())
    )


def public_jwk(
    private_key: rsa.RSAPrivateKey,
    *,
    kid: str,
    algorithm: str = "RS256",
    certificate: x509.Certificate | None = None,
) -> dict[str, Any]:
    """The public JWK with ``kid, alg, use, kty, n, e, x5c`` (one key, not an array)."""
    if algorithm not in ALGORITHMS:
        raise ValueError("Salesforce User Verification supports RS256 and RS512 only.")
    certificate = certificate or self_signed_certificate(private_key)
    numbers = private_key.public_key().public_numbers()
    return {
        "kid": kid,
        "alg": algorithm,
        "use": "sig",
        "kty": "RSA",
        "n": _b64url_uint(numbers.n),
        "e": _b64url_uint(numbers.e),
        "x5c": [base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()],
    }


def jwks_document(jwks: list[dict[str, Any]]) -> dict[str, Any]:
    """A JWKS document (``{"keys": [...]}``) for a public JWKS endpoint."""
    return {"keys": [dict(jwk) for jwk in jwks]}


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
