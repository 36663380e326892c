"""Settings → Email channel: the support address customers write to."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from baton.api import channels as api
from baton.api.deps import DbSession
from baton.api.schemas import EmailChannelSettings
from baton.ui.auth import CurrentUser, UiUser, end_read, require_csrf
from baton.ui.forms import field_errors
from baton.ui.templating import templates

router = APIRouter()

PAGE = "/ui/settings/email"


def _render(
    request: Request,
    user: UiUser,
    *,
    saved: str | None,
    entered: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return templates.TemplateResponse(
        request,
        "settings_email.html",
        {
            "title": "Email channel",
            "user": user,
            "nav": "email",
            "saved_address": saved,
            "value": entered if entered is not None else (saved or ""),
            "error": error,
            "notice": "Support address saved." if request.query_params.get("notice") == "saved" else None,
        },
        status_code=status_code,
    )


async def _saved_address(user: UiUser, db: DbSession) -> str | None:
    answer = await api.get_email_channel(user.org, db)
    await end_read(db)
    address = answer.get("support_address")
    return str(address) if address else None


@router.get("/settings/email", response_class=HTMLResponse)
async def email_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    return _render(request, user, saved=await _saved_address(user, db))


@router.post("/settings/email")
async def save_email(request: Request, user: CurrentUser, db: DbSession) -> Response:
    """PUT semantics of ``/api/v1/channels/email``: the address given replaces the org's address."""
    await require_csrf(request, user)
    form = await request.form()
    entered = str(form.get("support_address") or "").strip()
    try:
        body = EmailChannelSettings(support_address=entered)
    except ValidationError as exc:
        error = field_errors(exc).get("support_address", "Not a valid email address.")
        saved = await _saved_address(user, db)
        return _render(request, user, saved=saved, entered=entered, error=error, status_code=422)
    try:
        await api.set_email_channel(body, user.org, db)
    except HTTPException as exc:
        if exc.status_code != 409:
            raise
        saved = await _saved_address(user, db)
        error = "Another organization already uses this address; each address belongs to one organization."
        return _render(request, user, saved=saved, entered=entered, error=error, status_code=409)
    return RedirectResponse(f"{PAGE}?notice=saved", status_code=303)
