"""Signed UI session cookies and the CSRF tokens bound to them.

The cookie never carries the API key: only the key's id, its org, a random nonce
and the time it was issued, signed with HMAC-SHA256. The signing keys are derived
from ``settings.secret_key`` with a purpose label each, so a value signed for one
purpose (session, CSRF, login form) can never be replayed as another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

SESSION_COOKIE = "baton_ui"
LOGIN_COOKIE = "baton_ui_login"
SESSION_MAX_AGE_SECONDS = 12 * 3600
LOGIN_FORM_MAX_AGE_SECONDS = 3600


def derive_key(secret_key: str, purpose: str) -> bytes:
    """A key of its own per purpose, so no two features share signing material."""
    return hashlib.sha256(f"baton-ui:{purpose}:".encode() + secret_key.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, message: str) -> str:
    return _b64(hmac.new(key, message.encode(), hashlib.sha256).digest())


@dataclass(frozen=True)
class UiSession:
    """What the session cookie proves: who signed in, with which key, and when."""

    key_id: str
    org_id: str
    nonce: str
    issued_at: int


def encode_session(secret_key: str, session: UiSession) -> str:
    payload = _b64(
        json.dumps(
            {"k": session.key_id, "o": session.org_id, "n": session.nonce, "t": session.issued_at},
            separators=(",", ":"),
        ).encode()
    )
    return f"{payload}.{_mac(derive_key(secret_key, 'session'), payload)}"


def new_session(key_id: str, org_id: str, now: int) -> UiSession:
    return UiSession(key_id=key_id, org_id=org_id, nonce=secrets.token_urlsafe(16), issued_at=now)


def decode_session(secret_key: str, value: str | None, now: int) -> UiSession | None:
    """The session the cookie carries, or None when it is absent, forged, malformed or expired."""
    if not value or value.count(".") != 1:
        return None
    payload, signature = value.split(".")
    if not hmac.compare_digest(signature, _mac(derive_key(secret_key, "session"), payload)):
        return None
    try:
        data = json.loads(_unb64(payload))
        session = UiSession(
            key_id=str(data["k"]), org_id=str(data["o"]), nonce=str(data["n"]), issued_at=int(data["t"])
        )
    except (ValueError, KeyError, TypeError):
        return None
    if not 0 <= now - session.issued_at <= SESSION_MAX_AGE_SECONDS:
        return None
    return session


def csrf_token(secret_key: str, nonce: str) -> str:
    """The token forms carry: bound to one cookie's nonce, so it is useless with any other cookie."""
    return _mac(derive_key(secret_key, "csrf"), nonce)


def csrf_valid(secret_key: str, nonce: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(str(token), csrf_token(secret_key, nonce))
