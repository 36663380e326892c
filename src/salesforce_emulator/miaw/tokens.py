"""Messaging access tokens: JWTs the emulator issues and checks on every call."""

from __future__ import annotations

import secrets
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import jwt

_ISSUER = "salesforce-scrt-emulator"


@dataclass(frozen=True)
class AccessToken:
    """What a valid bearer token says about its caller."""

    subject: str
    org_id: str
    es_developer_name: str
    client_id: str
    expires_at: int


class TokenError(Exception):
    """The bearer token is missing, malformed, expired or revoked (-> 401)."""


class AccessTokens:
    """Issues HS256 JWTs with ``exp`` and verifies them against an injectable clock."""

    def __init__(self, ttl_seconds: int, clock: Callable[[], float]) -> None:
        self._secret = secrets.token_bytes(32)
        self._ttl = ttl_seconds
        self._clock = clock
        self._next_seq = 1
        #: Tokens with a lower sequence number are rejected ("expire all now").
        self._min_valid_seq = 1

    def issue(
        self, subject: str, org_id: str, es_developer_name: str, *, expires_at: int | None = None
    ) -> str:
        """A new token; continuation tokens pass the original ``expires_at``."""
        now = int(self._clock())
        claims = {
            "iss": _ISSUER,
            "sub": subject,
            "orgId": org_id,
            "esDeveloperName": es_developer_name,
            "clientId": str(uuid.uuid4()),
            "seq": self._next_seq,
            "iat": now,
            "exp": expires_at if expires_at is not None else now + self._ttl,
        }
        self._next_seq += 1
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> AccessToken:
        """Decode a bearer token or raise TokenError."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                issuer=_ISSUER,
                options={"verify_exp": False, "verify_iat": False, "require": ["exp", "sub", "seq"]},
            )
        except jwt.PyJWTError as exc:
            raise TokenError("The access token is invalid.") from exc
        if int(claims["exp"]) <= self._clock() or int(claims["seq"]) < self._min_valid_seq:
            raise TokenError("The access token has expired.")
        return AccessToken(
            subject=str(claims["sub"]),
            org_id=str(claims["orgId"]),
            es_developer_name=str(claims["esDeveloperName"]),
            client_id=str(claims["clientId"]),
            expires_at=int(claims["exp"]),
        )

    def expire_all(self) -> None:
        """Make every token issued so far answer 401 (simulates expiry without waiting)."""
        self._min_valid_seq = self._next_seq


class RateLimiter:
    """A sliding one-minute window of token requests per org."""

    def __init__(self, per_minute: int, clock: Callable[[], float]) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._calls: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        """Record a call for ``key``; False when the window is already full."""
        now = self._clock()
        window = self._calls.setdefault(key, deque())
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= self.per_minute:
            return False
        window.append(now)
        return True
