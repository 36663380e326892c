"""Contacts, sessions, messages and the debug timeline: the conversation store.

Every function here adds to the caller's transaction and never commits, so a state
change and the jobs it causes are written together (transactional outbox).
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from baton.store.base import utcnow
from baton.store.models import Contact, DebugEvent, Message, Organization, Session

CHANNELS = ("email", "web", "sms", "whatsapp", "phone", "api")
LIVE_CHANNELS = frozenset({"web", "sms", "whatsapp", "phone"})
ROLES = ("customer", "ai", "agent", "system")
MAX_MESSAGE_CHARS = 32_000


def normalize_email(address: str | None) -> str | None:
    if address is None:
        return None
    cleaned = address.strip().lower()
    return cleaned or None


async def create_organization(db: AsyncSession, name: str) -> Organization:
    org = Organization(name=name, webhook_token=secrets.token_urlsafe(24))
    db.add(org)
    await db.flush()
    return org


async def get_or_create_contact(
    db: AsyncSession,
    org_id: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    name: str | None = None,
) -> Contact:
    """Find the org's contact by email, else by phone, else create one (filling in a missing name)."""
    email = normalize_email(email)
    contact: Contact | None = None
    if email:
        contact = (
            await db.execute(select(Contact).where(Contact.org_id == org_id, Contact.email == email))
        ).scalar_one_or_none()
    if contact is None and phone:
        contact = (
            await db.execute(select(Contact).where(Contact.org_id == org_id, Contact.phone == phone))
        ).scalar_one_or_none()
    if contact is None:
        contact = Contact(org_id=org_id, email=email, phone=phone, name=name)
        try:
            async with db.begin_nested():
                db.add(contact)
        except IntegrityError:
            # Another transaction created the same contact a moment ago: use theirs.
            return await get_or_create_contact(db, org_id, email=email, phone=phone, name=name)
        return contact
    if name and not contact.name:
        contact.name = name
    if phone and not contact.phone:
        contact.phone = phone
    return contact


async def allocate_ticket_number(db: AsyncSession, org_id: str) -> int:
    """The org's next human-readable ticket number; the row update serialises concurrent callers."""
    result = await db.execute(
        update(Organization)
        .where(Organization.id == org_id)
        .values(next_ticket_number=Organization.next_ticket_number + 1)
        .returning(Organization.next_ticket_number)
    )
    return int(result.scalar_one()) - 1


async def create_session(
    db: AsyncSession,
    org_id: str,
    contact: Contact,
    *,
    channel: str,
    subject: str | None = None,
    language: str | None = None,
    channel_data: dict[str, Any] | None = None,
) -> Session:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    session = Session(
        org_id=org_id,
        contact_id=contact.id,
        channel=channel,
        subject=subject,
        language=language,
        ticket_number=await allocate_ticket_number(db, org_id),
        channel_data=channel_data or {},
    )
    db.add(session)
    await db.flush()
    await record_event(db, session, "session.created", {"channel": channel, "subject": subject})
    return session


async def add_message(
    db: AsyncSession,
    session: Session,
    *,
    role: str,
    text: str,
    author_name: str | None = None,
    provider: str | None = None,
    provider_message_id: str | None = None,
    internal: bool = False,
    attachments: list[Any] | None = None,
    salesforce_comment_id: str | None = None,
) -> Message | None:
    """Store a message; returns None when the provider's message id was already stored (a duplicate)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if provider and provider_message_id:
        existing = (
            await db.execute(
                select(Message.id).where(
                    Message.provider == provider, Message.provider_message_id == provider_message_id
                )
            )
        ).first()
        if existing is not None:
            return None
    message = Message(
        session_id=session.id,
        org_id=session.org_id,
        role=role,
        text=text,
        author_name=author_name,
        provider=provider,
        provider_message_id=provider_message_id,
        internal=internal,
        attachments=attachments or [],
        salesforce_comment_id=salesforce_comment_id,
    )
    try:
        async with db.begin_nested():
            db.add(message)
    except IntegrityError:
        if provider and provider_message_id:
            return None  # lost a race with a concurrent delivery of the same message
        raise
    session.updated_at = utcnow()
    return message


async def record_event(db: AsyncSession, session: Session, type_: str, data: dict[str, Any]) -> DebugEvent:
    event = DebugEvent(session_id=session.id, org_id=session.org_id, type=type_, data=data)
    db.add(event)
    return event


async def list_messages(db: AsyncSession, session_id: str) -> list[Message]:
    rows = await db.execute(select(Message).where(Message.session_id == session_id).order_by(Message.id))
    return list(rows.scalars())


async def get_session_for_org(db: AsyncSession, org_id: str, session_id: str) -> Session | None:
    return (
        await db.execute(select(Session).where(Session.id == session_id, Session.org_id == org_id))
    ).scalar_one_or_none()


def is_human_owned(session: Session) -> bool:
    """The single ownership check: while a human owns the session, the AI stays silent."""
    return session.assignee == "human"
