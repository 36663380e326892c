"""The email channel wired to sessions: inbound mail becomes messages, replies go out threaded.

Inbound: the SMTP receiver and ``POST /webhooks/email/inbound`` only store the raw
mail keyed by its Message-ID and enqueue ``email.inbound``; the job threads it into
a session (In-Reply-To/References, then the ``[#ticket]`` token from the same
sender, else a new session) and lets the session's owner answer.

Outbound: a rep's reply (or the AI's) is a job that sends one mail with a
Message-ID derived from the message id, so a retried send carries the same id
and mail clients show it once.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from baton.channels.email.compose import compose_reply
from baton.channels.email.parse import InboundEmail, parse_inbound
from baton.channels.email.smtp_send import EmailPermanentError, EmailTransientError, send_message
from baton.channels.email.tickets import remove_ticket_tokens
from baton.conversations.service import (
    add_message,
    create_session,
    get_or_create_contact,
    is_human_owned,
    record_event,
)
from baton.conversations.turns import after_customer_message_human_owned, run_ai_turn
from baton.jobs.errors import PermanentFailure, RetryLater
from baton.jobs.queue import enqueue
from baton.jobs.registry import JobContext
from baton.services import Services
from baton.store.models import Contact, EmailAddress, EmailMessageId, InboundEvent, Message, Session

INBOUND_JOB = "email.inbound"
REFERENCES_KEPT = 20


class UnknownRecipient(LookupError):
    """No recipient of the mail is a support address registered with Baton."""


async def org_for_recipients(db: AsyncSession, recipients: list[str]) -> tuple[str, str] | None:
    """(org id, support address) of the first recipient that is a registered support address."""
    for address in recipients:
        row = await db.get(EmailAddress, address.strip().lower())
        if row is not None:
            return row.org_id, row.address
    return None


async def accept_inbound_email(
    db: AsyncSession, raw: bytes, envelope_recipients: list[str], *, org_id: str | None = None
) -> int | None:
    """Store a raw mail once (by Message-ID) and enqueue its processing; None for a duplicate.

    Raises UnknownRecipient when no recipient belongs to an org (or to ``org_id``).
    """
    parsed = parse_inbound(raw, envelope_recipients=envelope_recipients)
    recipients = parsed.envelope_recipients or parsed.to + parsed.cc
    found = await org_for_recipients(db, recipients)
    if found is None or (org_id is not None and found[0] != org_id):
        raise UnknownRecipient("no recipient is a support address registered with Baton")
    row = InboundEvent(
        org_id=found[0],
        provider="email",
        event_id=f"{found[0]}:{parsed.message_id}"[:255],
        payload=json.dumps({"raw_b64": base64.b64encode(raw).decode(), "rcpt": recipients}),
    )
    try:
        async with db.begin_nested():
            db.add(row)
    except IntegrityError:
        return None
    await enqueue(db, INBOUND_JOB, args={"inbound_event_id": row.id}, org_id=found[0])
    return row.id


async def _thread(db: AsyncSession, org_id: str, mail: InboundEmail, contact: Contact) -> Session | None:
    ids = [i for i in [mail.in_reply_to, *reversed(mail.references)] if i]
    if ids:
        known = (
            await db.execute(
                select(EmailMessageId.session_id)
                .where(EmailMessageId.org_id == org_id, EmailMessageId.message_id.in_(ids))
                .order_by(EmailMessageId.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        if known:
            return await db.get(Session, known)
    if mail.ticket_number is not None:
        # A ticket token alone is guessable: it only threads mail from the session's own contact.
        return (
            await db.execute(
                select(Session).where(
                    Session.org_id == org_id,
                    Session.ticket_number == mail.ticket_number,
                    Session.contact_id == contact.id,
                )
            )
        ).scalar_one_or_none()
    return None


async def process_inbound_email(ctx: JobContext) -> None:
    services: Services = ctx.services
    run_ai_for: tuple[str, int] | None = None
    async with services.session_factory() as db, db.begin():
        row = await db.get(InboundEvent, int(ctx.args["inbound_event_id"]))
        if row is None or row.org_id is None:
            raise PermanentFailure("inbound mail not found")
        payload = json.loads(row.payload)
        mail = parse_inbound(base64.b64decode(payload["raw_b64"]), envelope_recipients=payload["rcpt"])
        found = await org_for_recipients(db, list(payload["rcpt"]))
        support_address = found[1] if found else None
        contact = await get_or_create_contact(db, row.org_id, email=mail.from_address, name=mail.from_name)
        session = await _thread(db, row.org_id, mail, contact)
        if session is not None and session.status != "open":
            session = None  # the conversation was closed: the customer starts a new one
        if session is None:
            if mail.automated:
                return  # auto-replies, bounces and bulk mail never start a conversation
            subject = mail.subject
            if mail.ticket_number is not None:
                subject = remove_ticket_tokens(subject, mail.ticket_number)
            session = await create_session(
                db,
                row.org_id,
                contact,
                channel="email",
                subject=subject.strip() or None,
                channel_data={"support_address": support_address},
            )
        message = await add_message(
            db,
            session,
            role="customer",
            text=mail.reply_text or mail.text or "(no text)",
            author_name=mail.from_name or contact.name,
            provider="email",
            provider_message_id=mail.message_id,
            attachments=[
                {"filename": a.filename, "content_type": a.content_type, "size": a.size}
                for a in mail.attachments
            ],
        )
        if message is None:
            return  # the same mail again
        await db.flush()
        db.add(
            EmailMessageId(
                org_id=row.org_id, message_id=mail.message_id, session_id=session.id, direction="in"
            )
        )
        references = [*mail.references, mail.message_id][-REFERENCES_KEPT:]
        session.channel_data = {
            **session.channel_data,
            "support_address": session.channel_data.get("support_address") or support_address,
            "last_inbound_message_id": mail.message_id,
            "references": references,
        }
        await record_event(
            db,
            session,
            "email.received",
            {
                "message_id": mail.message_id,
                "from": mail.from_address,
                "subject": mail.subject,
                "automated": mail.automated,
            },
        )
        if mail.automated:
            await record_event(db, session, "email.not_answered", {"why": mail.automated})
        elif is_human_owned(session):
            await after_customer_message_human_owned(db, session)
        else:
            run_ai_for = (session.id, message.id)
    if run_ai_for is not None:
        await run_ai_turn(services, *run_ai_for)


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "baton.invalid"


async def send_reply_email(ctx: JobContext) -> None:
    """Mail one agent or AI message to the customer, threaded under their last mail."""
    services: Services = ctx.services
    smtp_url = services.settings.smtp_url
    async with services.session_factory() as db, db.begin():
        message = await db.get(Message, int(ctx.args["message_id"]))
        if message is None:
            raise PermanentFailure("message not found")
        session = await db.get(Session, message.session_id)
        assert session is not None
        contact = await db.get(Contact, session.contact_id)
        assert contact is not None
        if not contact.email:
            raise PermanentFailure("the contact has no email address")
        support = session.channel_data.get("support_address")
        if not support:
            support = (
                await db.execute(
                    select(EmailAddress.address).where(EmailAddress.org_id == session.org_id).limit(1)
                )
            ).scalar_one_or_none()
        if not support:
            await record_event(db, session, "email.failed", {"error": "no support address registered"})
            raise PermanentFailure("no support address registered for the organization")
        if not smtp_url:
            await record_event(db, session, "email.failed", {"error": "BATON_SMTP_URL is not set"})
            raise PermanentFailure("BATON_SMTP_URL is not set")
        message_id = f"baton.{message.id}.{session.id.split('-')[0]}@{_domain(str(support))}"
        references: list[str] = list(session.channel_data.get("references") or [])
        email = compose_reply(
            support_address=str(support),
            support_name=None,
            to_address=contact.email,
            to_name=contact.name,
            subject=session.subject or "Your request",
            ticket_number=session.ticket_number,
            text=message.text,
            in_reply_to=session.channel_data.get("last_inbound_message_id"),
            references=references,
            message_id=message_id,
            automated=message.role == "ai",
        )
        exists = (
            await db.execute(
                select(EmailMessageId.id).where(
                    EmailMessageId.org_id == session.org_id, EmailMessageId.message_id == message_id
                )
            )
        ).first()
        if exists is None:
            db.add(
                EmailMessageId(
                    org_id=session.org_id, message_id=message_id, session_id=session.id, direction="out"
                )
            )
    try:
        await send_message(smtp_url, email)
    except EmailTransientError as exc:
        raise RetryLater(reason=f"SMTP: {exc}") from exc
    except EmailPermanentError as exc:
        async with services.session_factory() as db, db.begin():
            failed = await db.get(Session, session.id)
            assert failed is not None
            await record_event(db, failed, "email.failed", {"error": str(exc), "message_id": message_id})
        raise PermanentFailure(f"SMTP refused the mail: {exc}") from exc
    async with services.session_factory() as db, db.begin():
        sent = await db.get(Session, session.id)
        assert sent is not None
        details: dict[str, Any] = {
            "message_id": message_id,
            "to": contact.email,
            "from": str(support),
            "subject": str(email["Subject"]),
            "in_reply_to": session.channel_data.get("last_inbound_message_id"),
            "role": message.role,
        }
        await record_event(db, sent, "email.sent", details)
