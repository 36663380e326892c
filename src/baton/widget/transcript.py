"""What a visitor may see of a session: public messages, live events, state, and the stream cursor.

Internal notes never leave this module; neither do the visitor's own typing events
(echoing them back would show "you are typing" to the visitor).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from baton.store.models import LiveEvent, Message, Session

VISITOR_ROLE = "customer"
# LiveEvent types the widget understands by name; others are passed on as "live".
KNOWN_LIVE_TYPES = frozenset({"typing", "participant", "wait", "ended", "handoff", "system"})


@dataclass(frozen=True)
class Cursor:
    """How far a stream got: the last message id, the last live event id, the handoff seen (epoch ms).

    Sent as the SSE ``id`` of every event (``"12.7.0"``), so ``Last-Event-ID`` resumes
    each of the three sequences where the browser stopped.
    """

    message_id: int = 0
    live_event_id: int = 0
    handoff_ms: int = 0

    def encode(self) -> str:
        return f"{self.message_id}.{self.live_event_id}.{self.handoff_ms}"

    @classmethod
    def decode(cls, value: str | None) -> Cursor:
        """A cursor from a ``Last-Event-ID``; anything unreadable starts from the beginning."""
        if not value:
            return cls()
        parts = value.strip().split(".")
        if len(parts) != 3 or not all(p.isdigit() and len(p) <= 19 for p in parts):
            return cls()
        return cls(int(parts[0]), int(parts[1]), int(parts[2]))


def epoch_ms(moment: datetime | None) -> int:
    return int(moment.timestamp() * 1000) if moment is not None else 0


def _attachment_out(session_id: str, attachment: Any) -> dict[str, Any] | None:
    """A stored attachment as the widget shows it; links only to http(s) or to our own file route."""
    if not isinstance(attachment, dict):
        return None
    name = attachment.get("name") or attachment.get("filename") or "file"
    content_type = attachment.get("content_type") or attachment.get("mime_type") or attachment.get("mimeType")
    url = None
    if attachment.get("source") == "widget" and attachment.get("id"):
        url = f"/widget/v1/sessions/{quote(session_id)}/files/{quote(str(attachment['id']))}"
    elif isinstance(attachment.get("url"), str) and attachment["url"].startswith(("https://", "http://")):
        url = attachment["url"]
    return {
        "name": str(name),
        "content_type": str(content_type) if content_type else None,
        "size": attachment.get("size") if isinstance(attachment.get("size"), int) else None,
        "url": url,
    }


def message_out(message: Message) -> dict[str, Any]:
    attachments = [_attachment_out(message.session_id, a) for a in message.attachments or []]
    return {
        "id": message.id,
        "role": message.role,
        "text": message.text,
        "author_name": message.author_name,
        "created_at": message.created_at.isoformat(),
        "attachments": [a for a in attachments if a is not None],
    }


def is_visitor_event(event: LiveEvent) -> bool:
    return (event.data or {}).get("role") == VISITOR_ROLE


def live_event_out(event: LiveEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "data": dict(event.data or {}),
        "created_at": event.created_at.isoformat(),
    }


def handoff_out(session: Session) -> dict[str, Any]:
    """The payload of the widget's ``onHandoff`` callback."""
    return {
        "summary": session.handoff_summary,
        "reasons": list(session.handoff_reasons or []),
        "sentiment": session.handoff_sentiment,
        "state": session.handoff_state,
    }


def state_out(session: Session, agent_name: str | None) -> dict[str, Any]:
    return {
        "session_id": session.id,
        "status": session.status,
        "assignee": session.assignee,
        "ended": session.status != "open",
        "handed_off": session.handoff_requested_at is not None,
        "handoff_state": session.handoff_state,
        "agent_name": agent_name,
    }


async def public_messages(db: AsyncSession, session_id: str, after: int = 0) -> list[Message]:
    rows = await db.execute(
        select(Message)
        .where(Message.session_id == session_id, Message.internal.is_(False), Message.id > after)
        .order_by(Message.id)
    )
    return list(rows.scalars())


async def visible_live_events(db: AsyncSession, session_id: str, after: int = 0) -> list[LiveEvent]:
    rows = await db.execute(
        select(LiveEvent)
        .where(LiveEvent.session_id == session_id, LiveEvent.id > after)
        .order_by(LiveEvent.id)
    )
    return list(rows.scalars())


async def last_live_event_id(db: AsyncSession, session_id: str) -> int:
    rows = await db.execute(
        select(LiveEvent.id).where(LiveEvent.session_id == session_id).order_by(LiveEvent.id.desc()).limit(1)
    )
    return int(rows.scalar() or 0)


async def current_agent_name(db: AsyncSession, session_id: str) -> str | None:
    """The rep the visitor talks to: the last one who joined (and has not left), else the last who wrote."""
    rows = await db.execute(
        select(LiveEvent)
        .where(LiveEvent.session_id == session_id, LiveEvent.type == "participant")
        .order_by(LiveEvent.id.desc())
        .limit(1)
    )
    latest = rows.scalar_one_or_none()
    if latest is not None:
        data = latest.data or {}
        if participant_left(data):
            return None
        if data.get("name"):
            return str(data["name"])
    author = await db.execute(
        select(Message.author_name)
        .where(Message.session_id == session_id, Message.role == "agent", Message.internal.is_(False))
        .order_by(Message.id.desc())
        .limit(1)
    )
    name = author.scalar()
    return str(name) if name else None


def participant_left(data: dict[str, Any]) -> bool:
    operation = str(data.get("operation") or data.get("action") or "").lower()
    return operation in ("left", "leave", "remove", "removed")
