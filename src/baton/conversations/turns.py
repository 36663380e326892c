"""A customer message arrives: store it, let the owner answer, hand off when the AI decides to.

Ownership is checked where messages come in and again when the AI's answer is
written, so an answer computed while a human took over is dropped, never sent.
"""

from __future__ import annotations

import time
from dataclasses import asdict, is_dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from baton.conversations.service import add_message, is_human_owned, record_event
from baton.handoff.service import (
    CASE_SYNC_JOB,
    MIAW_RELAY_JOB,
    HandoffRequest,
    enqueue_session_job,
    request_handoff,
)
from baton.jobs.queue import enqueue
from baton.services import Services
from baton.store.base import utcnow
from baton.store.models import Contact, Message, Session

EMAIL_AI_REPLY_JOB = "email.send_ai_reply"


async def after_customer_message_human_owned(db: AsyncSession, session: Session) -> None:
    """While a human owns the session, the customer's message goes to the rep.

    Email with a Case: onto the Case. A live session: into the MIAW conversation,
    behind the handoff job on the same ordering key, so the rep sees the transcript first.
    """
    if session.handoff_path == "messaging" and session.handoff_state in ("pending", "done"):
        await enqueue_session_job(db, MIAW_RELAY_JOB, session)
        return
    if (
        session.channel == "email"
        and session.handoff_path == "case"
        and session.handoff_state in ("pending", "done")
    ):
        await enqueue_session_job(db, CASE_SYNC_JOB, session)


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


async def run_ai_turn(services: Services, session_id: str, customer_message_id: int) -> list[Message]:
    """Let the AI answer one customer message; returns the messages it created (possibly none)."""
    assistant = services.assistant
    if assistant is None:
        return []
    from baton.assistant.turn import ContactInfo, HistoryMessage, TurnInput

    async with services.session_factory() as db:
        session = await db.get(Session, session_id)
        if session is None or is_human_owned(session):
            return []
        contact = await db.get(Contact, session.contact_id)
        assert contact is not None
        rows = await db.execute(
            select(Message)
            .where(Message.session_id == session_id, Message.internal.is_(False))
            .order_by(Message.id)
        )
        messages = list(rows.scalars())
    current = next((m for m in messages if m.id == customer_message_id), None)
    if current is None:
        return []
    turn = TurnInput(
        org_id=session.org_id,
        session_id=session.id,
        channel=session.channel,
        history=[
            HistoryMessage(role=m.role, text=m.text, created_at=m.created_at)
            for m in messages
            if m.id < current.id
        ],
        message=current.text,
        contact=ContactInfo(
            name=contact.name,
            email=contact.email,
            phone=contact.phone,
            verified=contact.verified,
            data=contact.data,
        ),
        language=session.language,
        now=utcnow(),
        collected=dict(session.channel_data.get("collected") or {}),
    )
    started = time.perf_counter()
    result = await assistant.respond(turn)
    summary = await assistant.summarize(turn, result) if result.decision == "handoff" else None
    elapsed_ms = round((time.perf_counter() - started) * 1000, 2)

    created: list[Message] = []
    async with services.session_factory() as db, db.begin():
        session = await db.get(Session, session_id, with_for_update=True)
        if session is None:
            return []
        await record_event(
            db,
            session,
            "ai.turn",
            {
                "message_id": customer_message_id,
                "decision": result.decision,
                "reasons": list(result.reasons),
                "confidence": result.confidence,
                "sentiment": result.sentiment,
                "language": result.language,
                "reasoning": result.reasoning,
                "citations": _jsonable(result.citations),
                "debug": _jsonable(result.debug),
                "latency_ms": elapsed_ms,
            },
        )
        if is_human_owned(session):
            await record_event(
                db, session, "ai.reply_dropped", {"why": "a human took over while the AI was answering"}
            )
            return []
        session.language = result.language or session.language
        session.sentiment = result.sentiment
        session.priority = result.priority or session.priority
        session.channel_data = {**session.channel_data, "collected": dict(result.collected)}
        if result.reply:
            reply = await add_message(db, session, role="ai", text=result.reply)
            if reply is not None:
                await db.flush()
                created.append(reply)
                if session.channel == "email":
                    await enqueue(
                        db,
                        EMAIL_AI_REPLY_JOB,
                        args={"message_id": reply.id},
                        org_id=session.org_id,
                        session_id=session.id,
                        ordering_key=f"email-out:{session.id}",
                        idempotency_key=f"email-reply:{reply.id}",
                    )
        if result.decision == "handoff":
            await request_handoff(
                db,
                session,
                HandoffRequest(
                    reasons=list(result.reasons),
                    summary=summary,
                    sentiment=result.sentiment,
                    reasoning=result.reasoning,
                    source="ai",
                ),
            )
    return created
