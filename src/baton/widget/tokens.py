"""Signed tokens: the visitor token (one browser, one session) and the identity token (a verified visitor).

Both are HS256 JWTs under keys derived from Baton's secret key, one key per purpose,
so a token of one kind can never be replayed as the other (and rotating the secret
key invalidates both). The audience claim names the purpose as well.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from baton.store.base import utcnow

ISSUER = "baton"
VISITOR_AUDIENCE = "baton-widget-visitor"
IDENTITY_AUDIENCE = "baton-widget-identity"
_ALGORITHM = "HS256"


class InvalidToken(Exception):
    """The token is malformed, expired, signed with another key or meant for something else."""


def _key(secret_key: str, purpose: str) -> bytes:
    return hmac.new(secret_key.encode(), f"baton.widget.{purpose}".encode(), hashlib.sha256).digest()


def _decode(token: str, secret_key: str, purpose: str, audience: str) -> dict[str, object]:
    try:
        claims: dict[str, object] = jwt.decode(
            token,
            _key(secret_key, purpose),
            algorithms=[_ALGORITHM],
            audience=audience,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from error
    return claims


@dataclass(frozen=True)
class VisitorClaims:
    session_id: str
    org_id: str


def issue_visitor_token(secret_key: str, *, session_id: str, org_id: str, days: int) -> str:
    now = utcnow()
    claims = {
        "iss": ISSUER,
        "aud": VISITOR_AUDIENCE,
        "sub": session_id,
        "org": org_id,
        "iat": now,
        "exp": now + timedelta(days=days),
    }
    return jwt.encode(claims, _key(secret_key, "visitor"), algorithm=_ALGORITHM)


def read_visitor_token(secret_key: str, token: str) -> VisitorClaims:
    claims = _decode(token, secret_key, "visitor", VISITOR_AUDIENCE)
    session_id, org_id = claims.get("sub"), claims.get("org")
    if not isinstance(session_id, str) or not isinstance(org_id, str):
        raise InvalidToken("visitor token without session or organization")
    return VisitorClaims(session_id=session_id, org_id=org_id)


@dataclass(frozen=True)
class VisitorIdentity:
    """What the site's server vouches for: its own id of the visitor, and optionally email and name."""

    org_id: str
    visitor_id: str
    email: str | None
    name: str | None


def issue_identity_token(secret_key: str, identity: VisitorIdentity, *, seconds: int) -> tuple[str, datetime]:
    now = utcnow()
    expires_at = now + timedelta(seconds=seconds)
    claims: dict[str, object] = {
        "iss": ISSUER,
        "aud": IDENTITY_AUDIENCE,
        "sub": identity.visitor_id,
        "org": identity.org_id,
        "iat": now,
        "exp": expires_at,
    }
    if identity.email:
        claims["email"] = identity.email
    if identity.name:
        claims["name"] = identity.name
    token = jwt.encode(claims, _key(secret_key, "identity"), algorithm=_ALGORITHM)
    return token, expires_at.replace(microsecond=0)


def read_identity_token(secret_key: str, token: str) -> VisitorIdentity:
    claims = _decode(token, secret_key, "identity", IDENTITY_AUDIENCE)
    visitor_id, org_id = claims.get("sub"), claims.get("org")
    email, name = claims.get("email"), claims.get("name")
    if not isinstance(visitor_id, str) or not isinstance(org_id, str):
        raise InvalidToken("identity token without visitor or organization")
    return VisitorIdentity(
        org_id=org_id,
        visitor_id=visitor_id,
        email=email if isinstance(email, str) else None,
        name=name if isinstance(name, str) else None,
    )
