"""Orchestration of one handoff: ownership, the handoff record, the path by channel.

A handoff flips ownership to a human at once (so the AI is silent from the next
message on) and enqueues the Salesforce work in the same transaction; the job
does the calls, so a crash between the two cannot lose the handoff.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from baton.conversations.service import LIVE_CHANNELS, record_event
from baton.jobs.queue import enqueue
from baton.store.base import utcnow
from baton.store.models import Session

CASE_SYNC_JOB = "salesforce.case.sync"
# Live Messaging: create the conversation (handoff), post new customer messages (relay),
# read the conversation back after a webhook nudge (reconcile).
MIAW_HANDOFF_JOB = "salesforce.messaging.handoff"
MIAW_RELAY_JOB = "salesforce.messaging.relay"
MIAW_RECONCILE_JOB = "salesforce.messaging.reconcile"
MANUAL_REASON = "manual_handoff"


@dataclass(frozen=True)
class HandoffRequest:
    reasons: list[str]
    summary: str | None = None
    sentiment: str | None = None
    reasoning: str | None = None
    source: str = "manual"  # manual (from the inbox or the API) | ai
    extra: dict[str, object] = field(default_factory=dict)


def path_for_channel(channel: str) -> str:
    """Email becomes a Case; real-time channels a live Messaging conversation."""
    if channel == "email":
        return "case"
    if channel in LIVE_CHANNELS:
        return "messaging"
    return "case"


def session_ordering_key(session_id: str) -> str:
    return f"session:{session_id}"


# A handoff must outlast a Salesforce outage: with the backoff capped at five minutes,
# thirty attempts keep trying for about two hours before a job is dead-lettered.
SESSION_JOB_MAX_ATTEMPTS = 30


async def enqueue_session_job(db: AsyncSession, kind: str, session: Session) -> None:
    """Queue Salesforce work for a session behind every earlier job of the same session."""
    await enqueue(
        db,
        kind,
        args={"session_id": session.id},
        org_id=session.org_id,
        session_id=session.id,
        ordering_key=session_ordering_key(session.id),
        max_attempts=SESSION_JOB_MAX_ATTEMPTS,
    )


async def request_handoff(db: AsyncSession, session: Session, request: HandoffRequest) -> bool:
    """Hand the session to a human. Returns False (and changes nothing) if it already is handed off."""
    if session.assignee == "human" and session.handoff_state in ("pending", "done"):
        return False
    path = path_for_channel(session.channel)
    if session.channel == "api" and await _api_sessions_use_messaging(db, session.org_id):
        path = "messaging"
    now = utcnow()
    session.assignee = "human"
    session.handoff_state = "pending"
    session.handoff_path = path
    session.handoff_reasons = list(request.reasons)
    session.handoff_summary = request.summary
    session.handoff_sentiment = request.sentiment
    session.handoff_reasoning = request.reasoning
    session.handoff_requested_at = now
    session.handoff_error = None
    if request.sentiment:
        session.sentiment = request.sentiment
    await record_event(
        db,
        session,
        "handoff.requested",
        {
            "source": request.source,
            "reasons": list(request.reasons),
            "summary": request.summary,
            "sentiment": request.sentiment,
            "reasoning": request.reasoning,
            "path": path,
            **request.extra,
        },
    )
    if path == "case":
        await enqueue_session_job(db, CASE_SYNC_JOB, session)
    elif path == "messaging":
        # Same ordering key as the relay of later customer messages: the rep sees the transcript first.
        await enqueue_session_job(db, MIAW_HANDOFF_JOB, session)
    return True


async def _api_sessions_use_messaging(db: AsyncSession, org_id: str) -> bool:
    from baton.salesforce.messaging.settings import api_sessions_use_messaging

    return await api_sessions_use_messaging(db, org_id)


async def hand_off_manually(db: AsyncSession, session: Session, reason: str | None) -> bool:
    """An agent hands the session off from the inbox or the API: summarise what is stored, then hand off."""
    from baton.conversations.service import list_messages
    from baton.handoff.summary import manual_handoff_summary
    from baton.store.models import Contact

    contact = await db.get(Contact, session.contact_id)
    assert contact is not None
    summary = manual_handoff_summary(session, contact, await list_messages(db, session.id), reason)
    return await request_handoff(
        db,
        session,
        HandoffRequest(
            reasons=[MANUAL_REASON],
            summary=summary,
            reasoning=reason or "Handed off manually from the inbox.",
            source="manual",
        ),
    )


async def mark_handoff_failed(db: AsyncSession, session: Session, message: str) -> None:
    """A handoff that no retry can complete: say why on the session and in its timeline."""
    session.handoff_state = "failed"
    session.handoff_error = message
    await record_event(db, session, "handoff.failed", {"error": message})
