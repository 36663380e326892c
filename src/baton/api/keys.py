"""Organization API keys: shown once at creation, stored as a SHA-256 hash.

Keys are long random tokens, so a fast hash is enough (no password stretching needed);
the clear prefix finds the row without scanning.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from baton.store.models import ApiKey

KEY_PREFIX = "bt_"
PREFIX_LENGTH = 12


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_api_key(
    db: AsyncSession, org_id: str, *, scopes: list[str] | None = None, name: str = ""
) -> str:
    """Add a key to the session (caller commits) and return the clear token, shown only now."""
    token = KEY_PREFIX + secrets.token_urlsafe(32)
    db.add(
        ApiKey(
            org_id=org_id,
            prefix=token[:PREFIX_LENGTH],
            key_hash=_hash(token),
            scopes=scopes if scopes is not None else ["*"],
            name=name,
        )
    )
    return token


async def authenticate_api_key(db: AsyncSession, token: str) -> ApiKey | None:
    if not token.startswith(KEY_PREFIX) or len(token) < PREFIX_LENGTH + 8:
        return None
    key = (
        await db.execute(select(ApiKey).where(ApiKey.prefix == token[:PREFIX_LENGTH]))
    ).scalar_one_or_none()
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.key_hash, _hash(token)):
        return None
    return key
