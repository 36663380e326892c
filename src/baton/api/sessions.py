"""Sessions, their messages and their debug timeline: ``/api/v1/sessions``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from sqlalchemy import and_, or_, select

from baton.api.deps import CurrentOrg, DbSession
from baton.api.pagination import decode_cursor, encode_cursor
from baton.api.schemas import (
    EventOut,
    HandoffCreate,
    MessageCreate,
    MessageOut,
    MessagesCreated,
    SessionCreate,
    SessionOut,
    SessionPage,
    event_out,
    message_out,
    session_out,
)
from baton.conversations.service import (
    add_message,
    create_session,
    get_or_create_contact,
    get_session_for_org,
    is_human_owned,
    list_messages,
)
from baton.conversations.turns import after_customer_message_human_owned, run_ai_turn
from baton.handoff.service import hand_off_manually
from baton.jobs.wakeup import wake_workers
from baton.services import Services
from baton.store.models import Contact, DebugEvent, Session

router = APIRouter(prefix="/sessions", tags=["sessions"])

PAGE_DEFAULT = 50
PAGE_MAX = 200


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def _load(db: DbSession, org: CurrentOrg, session_id: str) -> tuple[Session, Contact]:
    session = await get_session_for_org(db, org.org_id, session_id)
    if session is None:
        raise HTTPException(status_code=404, detail="session not found")
    contact = await db.get(Contact, session.contact_id)
    assert contact is not None
    return session, contact


@router.post("", status_code=201, response_model=SessionOut)
async def create(body: SessionCreate, org: CurrentOrg, db: DbSession) -> SessionOut:
    async with db.begin():
        contact = await get_or_create_contact(
            db, org.org_id, email=body.contact.email, phone=body.contact.phone, name=body.contact.name
        )
        session = await create_session(
            db, org.org_id, contact, channel=body.channel, subject=body.subject, language=body.language
        )
    return session_out(session, contact)


@router.get("", response_model=SessionPage)
async def list_sessions(
    org: CurrentOrg,
    db: DbSession,
    salesforce_case_id: str | None = None,
    salesforce_miaw_session_id: str | None = None,
    contact_email: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = PAGE_DEFAULT,
) -> SessionPage:
    query = (
        select(Session, Contact)
        .join(Contact, Contact.id == Session.contact_id)
        .where(Session.org_id == org.org_id)
    )
    if salesforce_case_id:
        query = query.where(Session.salesforce_case_id == salesforce_case_id)
    if salesforce_miaw_session_id:
        query = query.where(Session.salesforce_miaw_session_id == salesforce_miaw_session_id.lower())
    if contact_email:
        query = query.where(Contact.email == contact_email.strip().lower())
    if cursor:
        created_at, last_id = decode_cursor(cursor)
        query = query.where(
            or_(
                Session.created_at < created_at,
                and_(Session.created_at == created_at, Session.id < str(last_id)),
            )
        )
    rows = (
        await db.execute(query.order_by(Session.created_at.desc(), Session.id.desc()).limit(limit + 1))
    ).all()
    items = [session_out(s, c) for s, c in rows[:limit]]
    next_cursor = (
        encode_cursor(rows[limit - 1][0].created_at, rows[limit - 1][0].id) if len(rows) > limit else None
    )
    return SessionPage(items=items, next=next_cursor)


@router.get("/{session_id}", response_model=SessionOut)
async def get_one(session_id: str, org: CurrentOrg, db: DbSession) -> SessionOut:
    session, contact = await _load(db, org, session_id)
    return session_out(session, contact)


@router.get("/{session_id}/messages", response_model=list[MessageOut])
async def get_messages(session_id: str, org: CurrentOrg, db: DbSession) -> list[MessageOut]:
    await _load(db, org, session_id)
    return [message_out(m) for m in await list_messages(db, session_id)]


@router.get("/{session_id}/events", response_model=list[EventOut])
async def get_events(session_id: str, org: CurrentOrg, db: DbSession) -> list[EventOut]:
    await _load(db, org, session_id)
    rows = await db.execute(
        select(DebugEvent).where(DebugEvent.session_id == session_id).order_by(DebugEvent.id)
    )
    return [event_out(e) for e in rows.scalars()]


@router.post("/{session_id}/messages", status_code=201, response_model=MessagesCreated)
async def post_customer_message(
    session_id: str, body: MessageCreate, org: CurrentOrg, db: DbSession, request: Request
) -> MessagesCreated:
    services = _services(request)
    async with db.begin():
        session, contact = await _load(db, org, session_id)
        if session.status != "open":
            raise HTTPException(status_code=409, detail=f"session is {session.status}; start a new session")
        message = await add_message(db, session, role="customer", text=body.text, author_name=contact.name)
        assert message is not None
        await db.flush()
        message_id = message.id
        created = [message_out(message)]
        if is_human_owned(session):
            await after_customer_message_human_owned(db, session)
    if not is_human_owned(session):
        created.extend(message_out(m) for m in await run_ai_turn(services, session_id, message_id))
    wake_workers()
    async with services.session_factory() as fresh:
        session, contact = await _load(fresh, org, session_id)
        return MessagesCreated(messages=created, session=session_out(session, contact))


@router.post("/{session_id}/handoff", status_code=202, response_model=SessionOut)
async def handoff(
    session_id: str, org: CurrentOrg, db: DbSession, response: Response, body: HandoffCreate | None = None
) -> SessionOut:
    async with db.begin():
        session, contact = await _load(db, org, session_id)
        await hand_off_manually(db, session, body.reason if body else None)
    wake_workers()
    return session_out(session, contact)
