"""Finding a session's MIAW conversation and stream, and waiting for the stream to be connected."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from baton.services import Services
from baton.store.models import MessagingConversation, MessagingStream, Session

# Statuses of a conversation Baton still talks to.
LIVE_STATUSES = ("creating", "open", "ended")


async def current_conversation(db: AsyncSession, session: Session) -> MessagingConversation | None:
    """The conversation the session points at, unless it was abandoned."""
    if not session.salesforce_miaw_session_id:
        return None
    conversation = await db.get(MessagingConversation, session.salesforce_miaw_session_id)
    if conversation is None or conversation.status not in LIVE_STATUSES:
        return None
    return conversation


async def conversation_for_reference(
    db: AsyncSession, org_id: str, reference: str
) -> MessagingConversation | None:
    """A conversation by Baton session id or by MIAW conversation id, within one org."""
    conversation = await db.get(MessagingConversation, reference.strip().lower())
    if conversation is not None and conversation.org_id == org_id:
        return conversation
    session = await db.get(Session, reference.strip())
    if session is None or session.org_id != org_id:
        return None
    return await current_conversation(db, session)


async def stream_conversations(db: AsyncSession, stream_id: str) -> list[MessagingConversation]:
    """The conversations a stream carries that can still receive entries."""
    rows = await db.execute(
        select(MessagingConversation)
        .where(
            MessagingConversation.stream_id == stream_id, MessagingConversation.status.in_(("open", "ended"))
        )
        .order_by(MessagingConversation.created_at)
    )
    return list(rows.scalars())


async def wait_until_connected(services: Services, stream_id: str, timeout: float) -> bool:  # noqa: ASYNC109
    """Poll the stream row until its holder reports the SSE connection open (or ``timeout``).

    Salesforce sends nothing for what happened before a stream opened; reconciling
    through ``/entries`` covers that anyway, so a timeout is not fatal.
    """
    deadline = time.monotonic() + timeout
    while True:
        async with services.session_factory() as db:
            stream = await db.get(MessagingStream, stream_id)
            if stream is not None and (stream.data or {}).get("connected_at"):
                return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.1)
