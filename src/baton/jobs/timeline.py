"""Job attempts on the session's debug timeline (the inbox shows every attempt)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from baton.store.base import utcnow
from baton.store.models import DebugEvent, Session

_events_t = cast(Table, DebugEvent.__table__)


async def add_job_event(
    db: AsyncSession, *, session_id: str | None, event_type: str, data: dict[str, Any]
) -> None:
    """Add a debug event for the job's session, inside the caller's transaction.

    The row is inserted with INSERT … SELECT from ``sessions`` so that a session
    deleted meanwhile yields no event instead of a foreign-key error that would
    abort the job's status update.
    """
    if session_id is None:
        return
    source = select(
        Session.id,
        Session.org_id,
        literal(event_type),
        literal(data, type_=_events_t.c.data.type),
        literal(utcnow(), type_=_events_t.c.created_at.type),
    ).where(Session.id == session_id)
    await db.execute(
        insert(_events_t).from_select(["session_id", "org_id", "type", "data", "created_at"], source)
    )
