"""Files a visitor uploads: checked (size, type by content), stored in the database, read back.

The bytes are kept as an ``inbound_events`` row (provider ``widget``), like a raw
inbound email: the database is the only state every process shares, so the relay in
any worker can forward the file to Salesforce with ``load_widget_file``. The message
carries only a reference (``{"source": "widget", "id", "name", "content_type", "size"}``).
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from baton.store.models import InboundEvent

PROVIDER = "widget"
_EVENT_PREFIX = "file:"
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


class FileRejected(ValueError):
    """The upload breaks a limit; the message says which, in words a visitor understands."""


@dataclass(frozen=True)
class WidgetFile:
    id: str
    name: str
    content_type: str
    data: bytes

    def reference(self) -> dict[str, Any]:
        """What the message stores in ``attachments``."""
        return {
            "source": PROVIDER,
            "id": self.id,
            "name": self.name,
            "content_type": self.content_type,
            "size": len(self.data),
        }


def sniff_content_type(data: bytes, declared: str | None) -> str | None:
    """The type the bytes really are; text only if it decodes as UTF-8 without control bytes."""
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    base = (declared or "").split(";")[0].strip().lower()
    return "text/csv" if base == "text/csv" else "text/plain"


def clean_filename(name: str | None) -> str:
    cleaned = _UNSAFE_NAME.sub("_", (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(" .")
    return cleaned[:200] or "file"


def check_upload(
    name: str | None, declared_type: str | None, data: bytes, *, max_bytes: int, allowed: tuple[str, ...]
) -> WidgetFile:
    if not data:
        raise FileRejected("the file is empty")
    if len(data) > max_bytes:
        raise FileRejected(f"the file is larger than {max_bytes // (1024 * 1024) or 1} MB")
    content_type = sniff_content_type(data, declared_type)
    if content_type is None or content_type not in allowed:
        raise FileRejected("this type of file cannot be sent (images, PDF and text files can)")
    return WidgetFile(id=uuid.uuid4().hex, name=clean_filename(name), content_type=content_type, data=data)


def store_file(db: AsyncSession, org_id: str, session_id: str, file: WidgetFile) -> None:
    """Add the file to the caller's transaction (committed with the message that refers to it)."""
    payload = {
        "session_id": session_id,
        "name": file.name,
        "content_type": file.content_type,
        "data": base64.b64encode(file.data).decode("ascii"),
    }
    db.add(
        InboundEvent(
            org_id=org_id, provider=PROVIDER, event_id=_EVENT_PREFIX + file.id, payload=json.dumps(payload)
        )
    )


async def load_widget_file(
    db: AsyncSession, file_id: str, *, session_id: str | None = None
) -> WidgetFile | None:
    """The stored file (for the relay, or a download); None if unknown or of another session."""
    row = (
        await db.execute(
            select(InboundEvent).where(
                InboundEvent.provider == PROVIDER, InboundEvent.event_id == _EVENT_PREFIX + file_id
            )
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    payload = json.loads(row.payload)
    if session_id is not None and payload.get("session_id") != session_id:
        return None
    return WidgetFile(
        id=file_id,
        name=str(payload["name"]),
        content_type=str(payload["content_type"]),
        data=base64.b64decode(payload["data"]),
    )
