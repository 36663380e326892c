"""Encryption of secrets at rest (client secrets, refresh tokens, private keys).

``BATON_SECRET_KEY`` may hold several comma-separated keys: the first encrypts,
all of them decrypt, so a key can be rotated without re-entering every secret.
Any passphrase works; it is stretched to a Fernet key with SHA-256 because the
input is a high-entropy operator secret, not a user password.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretBoxError(Exception):
    """The stored secrets cannot be decrypted with the configured key(s)."""


def _fernet_for(passphrase: str) -> Fernet:
    digest = hashlib.sha256(passphrase.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        keys = [part.strip() for part in secret_key.split(",") if part.strip()]
        if not keys:
            raise ValueError("BATON_SECRET_KEY is empty")
        self._fernet = MultiFernet([_fernet_for(key) for key in keys])

    def encrypt(self, data: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(data, sort_keys=True).encode()).decode()

    def decrypt(self, token: str | None) -> dict[str, Any]:
        if not token:
            return {}
        try:
            plain = self._fernet.decrypt(token.encode())
        except InvalidToken as exc:
            raise SecretBoxError("stored secrets cannot be decrypted: was BATON_SECRET_KEY changed?") from exc
        value = json.loads(plain)
        if not isinstance(value, dict):
            raise SecretBoxError("stored secrets are not an object")
        return value
