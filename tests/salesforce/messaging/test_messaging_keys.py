"""Keys, JWKs with x5c, JWKS documents and customer identity tokens."""

from __future__ import annotations

import base64
from functools import cache

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from baton.salesforce.messaging.identity import customer_identity_token
from baton.salesforce.messaging.keys import (
    SigningKeyPair,
    generate_key_pair,
    jwks_document,
    load_private_key,
    public_jwk,
)


@cache
def pair() -> SigningKeyPair:
    return generate_key_pair(kid="key-1")


def _b64url_int(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def test_jwk_has_every_member_salesforce_requires() -> None:
    jwk = pair().jwk
    assert set(jwk) == {"kid", "alg", "use", "kty", "n", "e", "x5c"}
    assert (jwk["kid"], jwk["alg"], jwk["use"], jwk["kty"]) == ("key-1", "RS256", "sig", "RSA")


def test_x5c_certificate_holds_the_same_public_key() -> None:
    jwk = pair().jwk
    cert = x509.load_der_x509_certificate(base64.b64decode(jwk["x5c"][0]))
    public_key = cert.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    numbers = public_key.public_numbers()
    assert (numbers.n, numbers.e) == (_b64url_int(jwk["n"]), _b64url_int(jwk["e"]))
    pem_key = serialization.load_pem_public_key(pair().public_key_pem.encode())
    assert isinstance(pem_key, rsa.RSAPublicKey)
    assert pem_key.public_numbers() == numbers


def test_private_key_round_trip() -> None:
    key = load_private_key(pair().private_key_pem)
    assert key.key_size == 2048
    again = public_jwk(key, kid="key-1")
    assert (again["n"], again["e"]) == (pair().jwk["n"], pair().jwk["e"])


@pytest.mark.parametrize(
    "pem",
    [
        "",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
    ],
)
def test_incomplete_pem_is_refused(pem: str) -> None:
    with pytest.raises(ValueError, match="incomplete"):
        load_private_key(pem)


def test_truncated_body_is_refused() -> None:
    lines = pair().private_key_pem.strip().splitlines()
    truncated = "\n".join([lines[0], *lines[1:5], lines[-1]])
    with pytest.raises(ValueError, match="incomplete"):
        load_private_key(truncated)


def test_small_and_non_rsa_keys_are_refused() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    for key, message in [(small, "at least 2048"), (ec_key, "RSA")]:
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        with pytest.raises(ValueError, match=message):
            load_private_key(pem)
    with pytest.raises(ValueError):
        generate_key_pair(bits=1024)


def test_jwks_document() -> None:
    assert jwks_document([pair().jwk]) == {"keys": [pair().jwk]}


def test_identity_token_claims_and_header() -> None:
    token = customer_identity_token(
        pair().private_key_pem,
        kid="key-1",
        issuer="https://baton.example",
        subject="contact-7",
        now=1_700_000_000,
    )
    header = jwt.get_unverified_header(token)
    assert (header["alg"], header["kid"]) == ("RS256", "key-1")
    public = jwt.PyJWK(pair().jwk).key
    claims = jwt.decode(token, public, algorithms=["RS256"], options={"verify_exp": False})
    assert claims == {
        "iss": "https://baton.example",
        "sub": "contact-7",
        "iat": 1_700_000_000,
        "exp": 1_700_000_300,
    }


def test_identity_token_audience_is_opt_in() -> None:
    key = load_private_key(pair().private_key_pem)
    token = customer_identity_token(
        key, kid="k", issuer="i", subject="s", audience="https://org.my.salesforce.com"
    )
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["aud"] == "https://org.my.salesforce.com"


def test_identity_token_rejects_other_algorithms() -> None:
    with pytest.raises(ValueError):
        customer_identity_token(pair().private_key_pem, kid="k", issuer="i", subject="s", algorithm="HS256")
