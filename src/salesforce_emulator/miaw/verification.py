"""User Verification: checking a ``customerIdentityToken`` against a keyset.

Mirrors Salesforce's documented rules: RS256 or RS512 only, the header ``kid``
selects a key of the keyset (uploaded JWK with ``x5c``, or a JWKS endpoint),
``iss`` must equal the keyset issuer, ``exp`` is required and enforced.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx2
import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from salesforce_emulator.miaw.config import KeysetConfig

ALLOWED_ALGORITHMS = ("RS256", "RS512")
REQUIRED_JWK_MEMBERS = ("kty", "kid", "alg", "x5c")


class VerificationError(Exception):
    """The identity token did not verify; the message says why (for the emulator log)."""


def validate_uploaded_jwk(jwk: Any) -> dict[str, Any]:
    """Check an uploaded key the way Setup does: one JWK object, RSA, with ``x5c``.

    Raises ValueError with a reason on anything Salesforce would refuse.
    """
    if not isinstance(jwk, dict):
        raise ValueError("Upload one JWK object at a time, not an array.")
    missing = [name for name in REQUIRED_JWK_MEMBERS if not jwk.get(name)]
    if missing:
        raise ValueError(f"The JWK is missing {', '.join(missing)}.")
    if jwk["kty"] != "RSA" or jwk["alg"] not in ALLOWED_ALGORITHMS:
        raise ValueError("Only RSA keys for RS256 or RS512 are supported.")
    if not isinstance(jwk["x5c"], list) or not jwk["x5c"]:
        raise ValueError("x5c must be a non-empty array of base64 certificates.")
    cert_key = _certificate_key(jwk["x5c"][0])
    if "n" in jwk and "e" in jwk:
        numbers = cert_key.public_numbers()
        if (_b64url_int(jwk["n"]), _b64url_int(jwk["e"])) != (numbers.n, numbers.e):
            raise ValueError("n/e do not match the x5c certificate.")
    return dict(jwk)


async def verify_identity_token(token: str, keyset: KeysetConfig, *, now: float, audience: str | None) -> str:
    """Return the verified ``sub`` of ``token`` or raise VerificationError."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise VerificationError(f"malformed JWT: {exc}") from exc
    alg = header.get("alg")
    if alg not in ALLOWED_ALGORITHMS:
        raise VerificationError(f"algorithm {alg!r} is not RS256/RS512")
    kid = header.get("kid")
    if not kid:
        raise VerificationError("no kid in the JWT header")
    key = await _find_key(keyset, str(kid))
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[str(alg)],
            issuer=keyset.issuer,
            audience=audience,
            # exp is checked below against the emulator's (injectable) clock.
            options={
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "verify_aud": audience is not None,
                "require": ["exp", "iss", "sub"],
            },
        )
    except jwt.PyJWTError as exc:
        raise VerificationError(str(exc)) from exc
    if float(claims["exp"]) <= now:
        raise VerificationError("the identity token has expired")
    return str(claims["sub"])


async def _find_key(keyset: KeysetConfig, kid: str) -> RSAPublicKey:
    for jwk in keyset.jwks:
        if jwk.get("kid") == kid:
            return _jwk_public_key(jwk)
    if keyset.jwks_url:
        for jwk in await _fetch_jwks(keyset.jwks_url):
            if isinstance(jwk, dict) and jwk.get("kid") == kid:
                return _jwk_public_key(jwk)
    raise VerificationError(f"no key with kid {kid!r} in keyset {keyset.name!r}")


async def _fetch_jwks(url: str) -> list[Any]:
    # Salesforce fetches the endpoint anonymously; an unreachable endpoint is a
    # verification failure, not a server error.
    try:
        async with httpx2.AsyncClient(timeout=5.0) as client:
            response = await client.get(url)
        response.raise_for_status()
        keys = response.json().get("keys", [])
    except (httpx2.HTTPError, ValueError, AttributeError) as exc:
        raise VerificationError(f"JWKS endpoint unusable: {exc}") from exc
    return list(keys) if isinstance(keys, list) else []


def _jwk_public_key(jwk: dict[str, Any]) -> RSAPublicKey:
    try:
        if jwk.get("x5c"):
            return _certificate_key(jwk["x5c"][0])
        key = jwt.PyJWK(jwk).key
    except (jwt.PyJWTError, ValueError) as exc:
        raise VerificationError(f"unusable JWK: {exc}") from exc
    if not isinstance(key, RSAPublicKey):
        raise VerificationError("the JWK is not an RSA public key")
    return key


def _certificate_key(b64_der: Any) -> RSAPublicKey:
    try:
        cert = x509.load_der_x509_certificate(base64.b64decode(str(b64_der), validate=True))
    except ValueError as exc:
        raise ValueError(f"x5c[0] is not a base64 DER certificate: {exc}") from exc
    key = cert.public_key()
    if not isinstance(key, RSAPublicKey):
        raise ValueError("the x5c certificate does not hold an RSA key")
    return key


def _b64url_int(value: Any) -> int:
    text = str(value)
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return int.from_bytes(raw, "big")
