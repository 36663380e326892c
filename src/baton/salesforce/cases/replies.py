"""What happens on a Baton Case in Salesforce comes back to the session.

Events arrive two ways — pushed by the shipped Apex to the signed webhook, and
pulled by the reconciliation poll — and take the same road: each is stored once
in ``inbound_events`` keyed by its id (the dedupe key), then applied by a job.
So a comment delivered by both the webhook and the poll is applied exactly once.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from baton.conversations.service import add_message, record_event
from baton.jobs.errors import PermanentFailure
from baton.jobs.queue import enqueue
from baton.jobs.registry import JobContext
from baton.store.base import utcnow
from baton.store.models import InboundEvent, SalesforceCase, Session

CASE_EVENT_JOB = "salesforce.case.event"
EMAIL_AGENT_REPLY_JOB = "email.send_agent_reply"
EVENT_TYPES = ("case_comment.created", "email_message.created", "case.closed")


class InvalidCaseEvent(ValueError):
    pass


@dataclass(frozen=True)
class CaseEvent:
    type: str
    id: str
    case_id: str
    session_id: str | None
    body: str | None
    is_published: bool
    author_name: str | None
    created_at: str | None


def _optional_str(item: dict[str, Any], key: str, index: int) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidCaseEvent(f"events[{index}].{key} must be a string or null")
    return value


def parse_case_events(payload: Any) -> list[CaseEvent]:
    """Validate the webhook body ``{"events": [...]}``; the error names the field and why."""
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise InvalidCaseEvent('body must be a JSON object with an "events" list')
    events: list[CaseEvent] = []
    for index, item in enumerate(payload["events"]):
        if not isinstance(item, dict):
            raise InvalidCaseEvent(f"events[{index}] must be an object")
        kind = item.get("type")
        if kind not in EVENT_TYPES:
            raise InvalidCaseEvent(f"events[{index}].type must be one of {', '.join(EVENT_TYPES)}")
        for key in ("id", "case_id"):
            if not isinstance(item.get(key), str) or not item[key]:
                raise InvalidCaseEvent(f"events[{index}].{key} is required")
        body = _optional_str(item, "body", index)
        if kind != "case.closed" and body is None:
            raise InvalidCaseEvent(f"events[{index}].body is required for {kind}")
        published = item.get("is_published", kind == "email_message.created")
        if not isinstance(published, bool):
            raise InvalidCaseEvent(f"events[{index}].is_published must be true or false")
        events.append(
            CaseEvent(
                type=kind,
                id=item["id"],
                case_id=item["case_id"],
                session_id=_optional_str(item, "session_id", index),
                body=body,
                is_published=published,
                author_name=_optional_str(item, "author_name", index),
                created_at=_optional_str(item, "created_at", index),
            )
        )
    return events


async def accept_case_events(db: AsyncSession, org_id: str, events: list[CaseEvent], *, source: str) -> int:
    """Store each unseen event and enqueue its application; returns how many were new."""
    accepted = 0
    for event in events:
        row = InboundEvent(
            org_id=org_id,
            provider="salesforce",
            event_id=event.id,
            payload=json.dumps({**asdict(event), "source": source}),
        )
        try:
            async with db.begin_nested():
                db.add(row)
        except IntegrityError:
            continue  # seen before (or one of Baton's own comments): nothing to do twice
        await enqueue(
            db,
            CASE_EVENT_JOB,
            args={"inbound_event_id": row.id},
            org_id=org_id,
            ordering_key=f"case:{event.case_id}",
        )
        accepted += 1
    return accepted


async def _session_for(db: AsyncSession, org_id: str, event: CaseEvent) -> Session | None:
    """The newest session on the Case (a returning contact's Case carries several), else by session id."""
    session = (
        await db.execute(
            select(Session)
            .where(Session.org_id == org_id, Session.salesforce_case_id == event.case_id)
            .order_by(Session.created_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if session is None and event.session_id:
        session = (
            await db.execute(select(Session).where(Session.org_id == org_id, Session.id == event.session_id))
        ).scalar_one_or_none()
    return session


async def apply_case_event(ctx: JobContext) -> None:
    async with ctx.services.session_factory() as db, db.begin():
        row = await db.get(InboundEvent, int(ctx.args["inbound_event_id"]))
        if row is None or row.org_id is None:
            raise PermanentFailure("inbound event not found")
        data = json.loads(row.payload)
        source = data.pop("source", "webhook")
        event = CaseEvent(**data)
        session = await _session_for(db, row.org_id, event)
        if session is None:
            raise PermanentFailure(f"no session for Case {event.case_id}")
        if event.type == "case.closed":
            await _close(db, row.org_id, event, source)
            return
        message = await add_message(
            db,
            session,
            role="agent",
            text=event.body or "",
            author_name=event.author_name,
            provider="salesforce",
            provider_message_id=event.id,
            internal=not event.is_published,
            salesforce_comment_id=event.id,
        )
        if message is None:
            return
        await db.flush()
        emailed = event.type == "case_comment.created" and event.is_published and session.channel == "email"
        await record_event(
            db,
            session,
            "salesforce.reply.received",
            {
                "type": event.type,
                "record_id": event.id,
                "case_id": event.case_id,
                "author_name": event.author_name,
                "published": event.is_published,
                "source": source,
                "will_email_customer": emailed,
            },
        )
        if emailed:
            await enqueue(
                db,
                EMAIL_AGENT_REPLY_JOB,
                args={"message_id": message.id},
                org_id=session.org_id,
                session_id=session.id,
                ordering_key=f"email-out:{session.id}",
                idempotency_key=f"email-reply:{message.id}",
            )


async def _close(db: AsyncSession, org_id: str, event: CaseEvent, source: str) -> None:
    case = await db.get(SalesforceCase, event.case_id)
    if case is not None and not case.is_closed:
        case.is_closed, case.closed_at = True, utcnow()
    sessions = await db.execute(
        select(Session).where(
            Session.org_id == org_id, Session.salesforce_case_id == event.case_id, Session.status == "open"
        )
    )
    for session in sessions.scalars():
        session.status = "closed_resolved"
        session.closed_at = utcnow()
        await record_event(
            db, session, "salesforce.case.closed", {"case_id": event.case_id, "source": source}
        )
