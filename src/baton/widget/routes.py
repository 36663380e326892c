"""The browser API under ``/widget/v1``: what ``widget.js`` calls, with a visitor token, never an org key."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Request, Response, UploadFile
from fastapi.params import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from baton.api.deps import get_db
from baton.store.models import LiveEvent, Organization, Session
from baton.widget.conversation import accept_customer_message, start_web_session
from baton.widget.files import FileRejected, check_upload, load_widget_file
from baton.widget.ratelimit import WindowLimiter
from baton.widget.schemas import (
    WidgetMessageCreate,
    WidgetMessagesCreated,
    WidgetSessionCreate,
    WidgetSessionCreated,
    WidgetSessionState,
    WidgetTyping,
)
from baton.widget.settings import widget_settings
from baton.widget.stream import SlotStreamingResponse, StreamSlots, session_events
from baton.widget.tokens import InvalidToken, issue_visitor_token, read_identity_token
from baton.widget.transcript import (
    VISITOR_ROLE,
    Cursor,
    current_agent_name,
    epoch_ms,
    handoff_out,
    last_live_event_id,
    message_out,
    public_messages,
    state_out,
)
from baton.widget.visitor import check_origin, load_visitor, secret_key, services_of
from baton.widget.wakeup import wake_streams

router = APIRouter(prefix="/widget/v1", tags=["widget"])

DbSession = Annotated[AsyncSession, Depends(get_db)]
MAX_CAPTION_CHARS = 2000
# Multipart framing around the file; a body larger than the file limit plus this is refused unread.
MULTIPART_OVERHEAD = 64 * 1024


def _slots(request: Request) -> StreamSlots:
    slots = getattr(request.app.state, "widget_stream_slots", None)
    if not isinstance(slots, StreamSlots):
        slots = request.app.state.widget_stream_slots = StreamSlots(widget_settings(request).max_streams)
    return slots


def _session_limiter(request: Request) -> WindowLimiter:
    limiter = getattr(request.app.state, "widget_session_limiter", None)
    if not isinstance(limiter, WindowLimiter):
        limiter = WindowLimiter(widget_settings(request).sessions_per_minute)
        request.app.state.widget_session_limiter = limiter
    return limiter


async def _state(db: AsyncSession, session: Session) -> dict[str, object]:
    return state_out(session, await current_agent_name(db, session.id))


@router.post("/{org_id}/sessions", status_code=201, response_model=WidgetSessionCreated)
async def create_widget_session(
    org_id: str, body: WidgetSessionCreate, request: Request, db: DbSession
) -> WidgetSessionCreated:
    """Start a web session for an anonymous visitor, or a verified one (with an identity token)."""
    organization = await db.get(Organization, org_id)
    if organization is None:
        raise HTTPException(status_code=404, detail="organization not found")
    check_origin(request, organization)
    client = request.client.host if request.client else "unknown"
    if not _session_limiter(request).allow(f"{org_id}:{client}"):
        raise HTTPException(
            status_code=429,
            detail="too many new conversations; try again in a minute",
            headers={"Retry-After": "60"},
        )
    identity = None
    if body.identity_token:
        try:
            identity = read_identity_token(secret_key(request), body.identity_token)
        except InvalidToken:
            raise HTTPException(status_code=401, detail="identity_token: invalid or expired") from None
        if identity.org_id != org_id:
            raise HTTPException(status_code=401, detail="identity_token: issued for another organization")
    await db.close()  # the session starts in its own transaction below
    channel_data = {"page_url": body.page_url} if body.page_url else {}
    services = services_of(request)
    session, contact = await start_web_session(services, org_id, identity, channel_data, body.language)
    token = issue_visitor_token(
        secret_key(request),
        session_id=session.id,
        org_id=org_id,
        days=widget_settings(request).visitor_token_days,
    )
    return WidgetSessionCreated(
        session_id=session.id, visitor_token=token, verified=contact.verified, state=state_out(session, None)
    )


@router.get("/sessions/{session_id}", response_model=WidgetSessionState)
async def get_widget_session(session_id: str, request: Request, db: DbSession) -> WidgetSessionState:
    """Everything a reloaded page needs: state, the visible transcript, and where to resume the stream."""
    _, session = await load_visitor(request, db, session_id)
    messages = await public_messages(db, session_id)
    cursor = Cursor(
        messages[-1].id if messages else 0,
        await last_live_event_id(db, session_id),
        epoch_ms(session.handoff_requested_at),
    )
    return WidgetSessionState(
        state=await _state(db, session),
        messages=[message_out(m) for m in messages],
        handoff=handoff_out(session) if session.handoff_requested_at else None,
        cursor=cursor.encode(),
    )


@router.post("/sessions/{session_id}/messages", status_code=201, response_model=WidgetMessagesCreated)
async def post_widget_message(
    session_id: str, body: WidgetMessageCreate, request: Request, db: DbSession
) -> WidgetMessagesCreated:
    await load_visitor(request, db, session_id)
    await db.close()
    accepted = await accept_customer_message(services_of(request), session_id, body.text)
    async with services_of(request).session_factory() as fresh:
        state = await _state(fresh, accepted.session)
    return WidgetMessagesCreated(messages=[message_out(m) for m in accepted.messages], state=state)


@router.get("/sessions/{session_id}/events", response_class=SlotStreamingResponse)
async def stream_widget_events(
    session_id: str, request: Request, db: DbSession, after: str | None = None
) -> SlotStreamingResponse:
    """Server-Sent Events; resumes after ``Last-Event-ID`` (or ``?after=``, for a fresh page)."""
    await load_visitor(request, db, session_id)
    await db.close()
    settings = widget_settings(request)
    slots = _slots(request)
    if not slots.try_acquire():
        raise HTTPException(
            status_code=503,
            detail="too many open conversations on this server; reconnect shortly",
            headers={"Retry-After": str(settings.retry_after_seconds)},
        )
    start = Cursor.decode(request.headers.get("last-event-id") or after)
    return SlotStreamingResponse(
        session_events(services_of(request), settings, session_id, start),
        slots.release,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post("/sessions/{session_id}/typing", status_code=204)
async def post_widget_typing(
    session_id: str, body: WidgetTyping, request: Request, db: DbSession
) -> Response:
    """The visitor is typing (or stopped): a live event the relay may forward to the rep."""
    _, session = await load_visitor(request, db, session_id)
    db.add(
        LiveEvent(
            session_id=session.id,
            org_id=session.org_id,
            type="typing",
            data={"role": VISITOR_ROLE, "active": body.active},
        )
    )
    await db.commit()
    wake_streams(session_id)
    return Response(status_code=204)


@router.post("/sessions/{session_id}/files", status_code=201, response_model=WidgetMessagesCreated)
async def post_widget_file(
    session_id: str,
    request: Request,
    db: DbSession,
    file: Annotated[UploadFile, File(description="The file; images, PDF or text")],
    text: Annotated[str, Form(max_length=MAX_CAPTION_CHARS)] = "",
) -> WidgetMessagesCreated:
    """A file from the visitor: a customer message with the file attached (the relay forwards it)."""
    await load_visitor(request, db, session_id)
    await db.close()
    settings = widget_settings(request)
    data = await file.read(settings.max_file_bytes + 1)
    try:
        checked = check_upload(
            file.filename,
            file.content_type,
            data,
            max_bytes=settings.max_file_bytes,
            allowed=settings.file_types,
        )
    except FileRejected as rejected:
        status = 413 if len(data) > settings.max_file_bytes else 415
        raise HTTPException(status_code=status, detail=f"file: {rejected}") from None
    caption = text.strip()
    accepted = await accept_customer_message(
        services_of(request), session_id, caption or checked.name, checked, answer=bool(caption)
    )
    async with services_of(request).session_factory() as fresh:
        state = await _state(fresh, accepted.session)
    return WidgetMessagesCreated(messages=[message_out(m) for m in accepted.messages], state=state)


@router.get("/sessions/{session_id}/files/{file_id}")
async def get_widget_file(session_id: str, file_id: str, request: Request, db: DbSession) -> Response:
    await load_visitor(request, db, session_id)
    stored = await load_widget_file(db, file_id, session_id=session_id)
    if stored is None:
        raise HTTPException(status_code=404, detail="file not found")
    inline = stored.content_type.startswith("image/")
    disposition = "inline" if inline else "attachment"
    return Response(
        stored.data,
        media_type=stored.content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{_quote_filename(stored.name)}",
            "X-Content-Type-Options": "nosniff",
            # Shown on Baton's origin: never let a file run script there.
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
            "Cache-Control": "private, max-age=3600",
        },
    )


def _quote_filename(name: str) -> str:
    return quote(name, safe="")
