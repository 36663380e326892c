"""One session: header, handoff card, conversation, debug timeline, and the manual handoff."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from baton.api.deps import DbSession
from baton.conversations.service import get_session_for_org
from baton.handoff.service import hand_off_manually
from baton.jobs.wakeup import wake_workers
from baton.ui.auth import CurrentUser, UiUser, end_read, require_csrf
from baton.ui.session_detail import ROLE_LABELS, SessionDetail, load_session_detail
from baton.ui.templating import templates

router = APIRouter()

# The same bound as the API's HandoffCreate.reason.
MAX_REASON_CHARS = 2000
NOTICES = {
    "handoff_requested": "Handed off. Baton is passing the conversation to Salesforce.",
    "already_handed_off": "This session was already handed off to a human.",
}


def not_found(request: Request, user: UiUser) -> Response:
    return templates.TemplateResponse(
        request,
        "not_found.html",
        {"title": "Session not found", "user": user, "nav": "inbox"},
        status_code=404,
    )


def _context(user: UiUser, detail: SessionDetail) -> dict[str, object]:
    return {"user": user, "nav": "inbox", "d": detail, "role_labels": ROLE_LABELS}


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
async def session_page(request: Request, session_id: str, user: CurrentUser, db: DbSession) -> Response:
    detail = await load_session_detail(db, user.org.org_id, session_id)
    await end_read(db)
    if detail is None:
        return not_found(request, user)
    notice = NOTICES.get(request.query_params.get("notice", ""))
    context = _context(user, detail) | {"title": f"Ticket #{detail.session.ticket_number}", "notice": notice}
    return templates.TemplateResponse(request, "session.html", context)


@router.get("/sessions/{session_id}/live", response_class=HTMLResponse)
async def session_live(request: Request, session_id: str, user: CurrentUser, db: DbSession) -> Response:
    """The parts of the page that change while an agent watches; polled by live.js."""
    detail = await load_session_detail(db, user.org.org_id, session_id)
    await end_read(db)
    if detail is None:
        return not_found(request, user)
    return templates.TemplateResponse(
        request,
        "_session_live.html",
        _context(user, detail),
        # Lets the script tell a fragment from a sign-in page reached through a redirect.
        headers={"X-Baton-Fragment": "session-live", "Cache-Control": "no-store"},
    )


@router.post("/sessions/{session_id}/handoff")
async def hand_off(request: Request, session_id: str, user: CurrentUser, db: DbSession) -> Response:
    """As ``POST /api/v1/sessions/{id}/handoff``: a summary of the stored messages, then the handoff."""
    await require_csrf(request, user)
    form = await request.form()
    reason = str(form.get("reason") or "").strip()[:MAX_REASON_CHARS] or None
    async with db.begin():
        session = await get_session_for_org(db, user.org.org_id, session_id)
        if session is None:
            return not_found(request, user)
        started = await hand_off_manually(db, session, reason)
    if started:
        wake_workers()
    notice = "handoff_requested" if started else "already_handed_off"
    return RedirectResponse(f"/ui/sessions/{session.id}?notice={notice}", status_code=303)
