"""Conversation entries from Salesforce applied to Baton: agent messages, live events, the end.

Entries arrive twice over (SSE, then again when reconciling through ``/entries``
after a reconnect, or on a webhook nudge), so each is applied at most once: its
identifier is stored in ``inbound_events`` in the same transaction as its effect,
and an agent message also carries it as ``provider_message_id``. Echoes of our
own messages (role ``EndUser``) are dropped; unknown entry types are ignored.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from baton.conversations.service import add_message, record_event
from baton.jobs.queue import enqueue
from baton.salesforce.messaging.events import (
    CloseConversationEvent,
    ConversationEvent,
    MessageEvent,
    ParticipantChangedEvent,
    RoutingResultEvent,
    SessionStatusChangedEvent,
    TypingIndicatorEvent,
)
from baton.salesforce.messaging.settings import load_messaging_integration
from baton.store.base import utcnow
from baton.store.models import InboundEvent, LiveEvent, Message, MessagingConversation, Session

MIAW_PROVIDER = "salesforce_miaw"
# Notices Baton writes for the customer about the conversation (wait, end), keyed by entry id.
EVENT_PROVIDER = "salesforce_miaw_event"
REP_ROLES = frozenset({"Agent", "Chatbot", "Supervisor"})
# Channels whose customer-facing surface reads the messages table directly.
SELF_SERVED_CHANNELS = frozenset({"web", "api"})
ENDED_TEXT = (
    "The agent has ended the chat. You can keep writing here and our assistant will answer; "
    "ask for a person again at any time."
)


def wait_text(seconds: int) -> str:
    """``a rep will be with you in about 2 minutes``, rounded up to whole minutes."""
    minutes = max(1, -(-seconds // 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Thanks for waiting: a rep will be with you in about {minutes} {unit}."


@lru_cache(maxsize=1)
def _registered_kinds() -> frozenset[str]:
    from baton.worker import build_registry  # the registry imports this module

    return build_registry().kinds()


def outbound_job_for(channel: str) -> str | None:
    """The channel's job that sends an agent's message to the customer, when the channel has one."""
    kind = f"{channel}.send_agent_reply"
    return kind if kind in _registered_kinds() else None


async def deliver_to_customer(db: AsyncSession, session: Session, message: Message) -> None:
    """Hand a message for the customer to the session's channel."""
    if session.channel in SELF_SERVED_CHANNELS:
        return  # the widget (web) and API clients read the session's messages
    kind = outbound_job_for(session.channel)
    if kind is None:
        await record_event(
            db,
            session,
            "live.delivery_unavailable",
            {
                "channel": session.channel,
                "message_id": message.id,
                "why": "the channel has no outbound sender",
            },
        )
        return
    await enqueue(
        db,
        kind,
        args={"message_id": message.id},
        org_id=session.org_id,
        session_id=session.id,
        ordering_key=f"{session.channel}-out:{session.id}",
        idempotency_key=f"live-out:{message.id}",
    )


async def apply_event(db: AsyncSession, event: ConversationEvent) -> str:
    """Apply one event inside the caller's transaction; returns what happened (for counters)."""
    entry = event.entry
    if entry is None or not event.conversation_id:
        return "ignored"
    conversation = await db.get(MessagingConversation, event.conversation_id.lower())
    if conversation is None:
        return "unknown_conversation"
    session = await db.get(Session, conversation.session_id)
    if session is None:
        return "unknown_conversation"
    stamp = entry.transcripted_timestamp
    if stamp is not None and stamp > (conversation.entries_since_ms or 0):
        # Entries arrive in order, so the next reconciliation can start here.
        conversation.entries_since_ms = stamp
    if isinstance(event, MessageEvent) and event.sender_role == "EndUser":
        return "echo"  # only Baton posts as the end user
    if isinstance(event, TypingIndicatorEvent):
        # Transient and frequent: not worth a dedupe row; a repeated indicator is harmless.
        if event.sender_role in REP_ROLES:
            db.add(
                LiveEvent(
                    session_id=session.id,
                    org_id=session.org_id,
                    type="typing",
                    data={"started": event.started, "name": event.sender_display_name},
                )
            )
            return "applied"
        return "ignored"
    if not await _first_time(db, session.org_id, entry.identifier, entry.raw):
        return "duplicate"
    if isinstance(event, MessageEvent):
        return await _agent_message(db, session, event)
    if isinstance(event, ParticipantChangedEvent):
        return await _participants(db, session, event)
    if isinstance(event, RoutingResultEvent):
        return await _routing_result(db, session, event)
    if isinstance(event, SessionStatusChangedEvent):
        if event.status == "Ended":
            return await _ended(db, session, conversation, entry.identifier, ended_by=event.ended_by_role)
        await record_event(db, session, "salesforce.miaw.session_status", {"status": event.status})
        return "applied"
    if isinstance(event, CloseConversationEvent):
        return await _ended(db, session, conversation, entry.identifier, ended_by="EndUser")
    return "ignored"  # a type this version does not know: Salesforce adds new ones at any time


async def _first_time(db: AsyncSession, org_id: str, identifier: str, raw: dict[str, Any]) -> bool:
    if not identifier:
        return True
    try:
        async with db.begin_nested():
            db.add(
                InboundEvent(
                    org_id=org_id,
                    provider=MIAW_PROVIDER,
                    event_id=identifier[:255],
                    payload=json.dumps(raw, default=str)[:20_000],
                )
            )
    except IntegrityError:
        return False
    return True


async def _agent_message(db: AsyncSession, session: Session, event: MessageEvent) -> str:
    assert event.entry is not None
    text = event.text
    for attachment in event.attachments:
        text = f"{text}\n[attachment: {attachment.name or 'file'}]".strip()
    message = await add_message(
        db,
        session,
        role="agent",
        text=text or "(empty message)",
        author_name=event.sender_display_name,
        provider=MIAW_PROVIDER,
        provider_message_id=event.entry.identifier,
        attachments=[
            {"name": a.name, "mime_type": a.mime_type, "url": a.url, "id": a.id} for a in event.attachments
        ],
    )
    if message is None:
        return "duplicate"
    await db.flush()
    await deliver_to_customer(db, session, message)
    return "applied"


async def _participants(db: AsyncSession, session: Session, event: ParticipantChangedEvent) -> str:
    for change in event.changes:
        if change.role not in REP_ROLES:
            continue
        joined = change.operation == "add"
        name = change.display_name or "A rep"
        db.add(
            LiveEvent(
                session_id=session.id,
                org_id=session.org_id,
                type="participant",
                data={
                    "operation": "joined" if joined else "left",
                    "name": name,
                    "role": change.role,
                    "text": f"{name} {'joined' if joined else 'left'}",
                },
            )
        )
        await record_event(
            db, session, "salesforce.miaw.participant", {"operation": change.operation, "name": name}
        )
    return "applied"


async def _routing_result(db: AsyncSession, session: Session, event: RoutingResultEvent) -> str:
    assert event.entry is not None
    await record_event(
        db,
        session,
        "salesforce.miaw.routing_result",
        {
            "routing_type": event.routing_type,
            "failure_type": event.failure_type,
            "failure_reason": event.failure_reason,
            "estimated_wait_seconds": event.estimated_wait_seconds,
        },
    )
    seconds = event.estimated_wait_seconds
    if event.failed or seconds is None:
        return "applied"
    text = wait_text(seconds)
    db.add(
        LiveEvent(
            session_id=session.id, org_id=session.org_id, type="wait", data={"seconds": seconds, "text": text}
        )
    )
    notice = await add_message(
        db,
        session,
        role="system",
        text=text,
        provider=EVENT_PROVIDER,
        provider_message_id=event.entry.identifier,
    )
    if notice is not None:
        await db.flush()
        await deliver_to_customer(db, session, notice)
    return "applied"


async def _ended(
    db: AsyncSession,
    session: Session,
    conversation: MessagingConversation,
    identifier: str,
    *,
    ended_by: str | None,
) -> str:
    if conversation.status == "ended":
        return "duplicate"  # SessionStatusChanged and CloseConversation both end it
    conversation.status = "ended"
    db.add(
        LiveEvent(
            session_id=session.id,
            org_id=session.org_id,
            type="ended",
            data={"by": ended_by, "text": ENDED_TEXT},
        )
    )
    notice = await add_message(
        db,
        session,
        role="system",
        text=ENDED_TEXT,
        provider=EVENT_PROVIDER,
        provider_message_id=identifier or None,
    )
    if notice is not None:
        await db.flush()
        await deliver_to_customer(db, session, notice)
    action = "none"
    if session.salesforce_miaw_session_id == conversation.conversation_id and session.assignee == "human":
        integration = await load_messaging_integration(db, session.org_id)
        close = bool(integration and integration.settings.get("on_rep_end") == "close")
        if close:
            session.status = "closed_resolved"
            session.closed_at = utcnow()
            action = "closed"
        else:
            session.status = "open"
            action = "returned_to_ai"
        # The handoff is over: a new request for a person starts a new messaging session.
        session.assignee = "ai"
        session.handoff_state = None
    await record_event(db, session, "salesforce.miaw.session_ended", {"ended_by": ended_by, "action": action})
    return "applied"
