"""The widget's side of a conversation, built only from the conversation store's own functions.

A visitor's message takes the same path as ``POST /api/v1/sessions/{id}/messages``:
stored as a customer message, then answered by the AI, or — when a human owns the
session — left to the human (``after_customer_message_human_owned`` is where the
live relay picks it up).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException

from baton.conversations.service import add_message, create_session, is_human_owned
from baton.conversations.turns import after_customer_message_human_owned, run_ai_turn
from baton.jobs.wakeup import wake_workers
from baton.services import Services
from baton.store.models import Contact, Message, Session
from baton.widget.contacts import anonymous_contact, verified_contact
from baton.widget.files import WidgetFile, store_file
from baton.widget.tokens import VisitorIdentity
from baton.widget.wakeup import wake_streams

CHANNEL = "web"
SUBJECT_CHARS = 120


async def start_web_session(
    services: Services,
    org_id: str,
    identity: VisitorIdentity | None,
    channel_data: dict[str, Any],
    language: str | None,
) -> tuple[Session, Contact]:
    async with services.session_factory() as db, db.begin():
        contact = await verified_contact(db, identity) if identity else await anonymous_contact(db, org_id)
        session = await create_session(
            db, org_id, contact, channel=CHANNEL, language=language, channel_data=channel_data
        )
    return session, contact


@dataclass
class Accepted:
    messages: list[Message]
    session: Session


def _subject_from(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= SUBJECT_CHARS else line[: SUBJECT_CHARS - 1] + "…"


async def accept_customer_message(
    services: Services, session_id: str, text: str, file: WidgetFile | None = None, *, answer: bool = True
) -> Accepted:
    """Store the visitor's message (and file), then let the owner answer; returns what was created."""
    async with services.session_factory() as db, db.begin():
        session = await db.get(Session, session_id)
        assert session is not None
        if session.status != "open":
            raise HTTPException(status_code=409, detail=f"session is {session.status}; start a new session")
        contact = await db.get(Contact, session.contact_id)
        assert contact is not None
        if file is not None:
            store_file(db, session.org_id, session.id, file)
        message = await add_message(
            db,
            session,
            role="customer",
            text=text,
            author_name=contact.name,
            attachments=[file.reference()] if file else None,
        )
        assert message is not None
        if session.subject is None and text.strip():
            session.subject = _subject_from(text)
        await db.flush()
        message_id = message.id
        created = [message]
        if is_human_owned(session):
            await after_customer_message_human_owned(db, session)
    wake_streams(session_id)
    if answer and not is_human_owned(session):
        created.extend(await run_ai_turn(services, session_id, message_id))
        wake_streams(session_id)
    wake_workers()
    async with services.session_factory() as fresh:
        current = await fresh.get(Session, session_id)
        assert current is not None
    return Accepted(messages=created, session=current)
