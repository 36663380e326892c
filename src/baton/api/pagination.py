"""Keyset pagination shared by every list endpoint: ``{"items": [...], "next": <cursor or null>}``.

The cursor is opaque to clients: the (created_at, id) of the last item, base64-encoded.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from fastapi import HTTPException


def encode_cursor(created_at: datetime, item_id: str | int) -> str:
    raw = json.dumps([created_at.isoformat(), item_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, item_id = json.loads(base64.urlsafe_b64decode(padded))
        return datetime.fromisoformat(stamp), item_id
    except (ValueError, TypeError) as exc:
        raise HTTPException(status_code=422, detail="cursor: not a cursor returned by this API") from exc
