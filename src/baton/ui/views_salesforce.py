"""Settings → Salesforce (Email Cases): credentials, the OAuth connect popup, webhook details.

Every action calls the JSON API's own handlers (``baton.api.salesforce_email``) with the
signed-in org, so the UI and the API cannot drift apart in validation or state changes.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from baton.api import salesforce_email as api
from baton.api.deps import DbSession
from baton.salesforce.connection import load_integration
from baton.ui.auth import CurrentUser, UiUser, end_read, require_csrf, services_of
from baton.ui.forms import field_errors
from baton.ui.templating import templates

router = APIRouter()

PAGE = "/ui/settings/salesforce"
PRODUCTION = "https://login.salesforce.com"
SANDBOX = "https://test.salesforce.com"
CUSTOM = "custom"
NOTICES = {
    "saved": "Credentials saved. Now connect to Salesforce.",
    "disconnected": "Disconnected. The refresh token was revoked and forgotten; credentials are kept.",
    "save_first": "Save the Client ID, Client Secret and Login URL first.",
}
MISSING_SECRET = "Required: paste the Consumer Secret from Salesforce."  # noqa: S105 (a message, not a secret)
STATUS_LABELS = {
    "not_configured": "Not configured",
    "credentials_saved": "Credentials saved",
    "connected": "Connected",
    "error": "Error",
}


def _login_choice(login_url: str | None) -> tuple[str, str]:
    """(select value, custom URL) for a saved login URL."""
    if not login_url or login_url in (PRODUCTION, SANDBOX):
        return login_url or PRODUCTION, ""
    return CUSTOM, login_url


async def _status(request: Request, user: UiUser, db: DbSession) -> dict[str, Any]:
    status = await api.get_status(user.org, db, request)
    await end_read(db)
    return status


def _render(
    request: Request,
    user: UiUser,
    status: dict[str, Any],
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    choice, custom = _login_choice(status.get("login_url"))
    values = form or {
        "client_id": status.get("client_id") or "",
        "login_choice": choice,
        "login_custom": custom,
    }
    return templates.TemplateResponse(
        request,
        "settings_salesforce.html",
        {
            "title": "Salesforce settings",
            "user": user,
            "nav": "salesforce",
            "s": status,
            "status_label": STATUS_LABELS.get(str(status["status"]), str(status["status"])),
            "values": values,
            "errors": errors or {},
            "notice": NOTICES.get(request.query_params.get("notice", "")),
            "production": PRODUCTION,
            "sandbox": SANDBOX,
            "custom": CUSTOM,
        },
        status_code=status_code,
    )


@router.get("/settings/salesforce", response_class=HTMLResponse)
async def salesforce_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    return _render(request, user, await _status(request, user, db))


@router.get("/settings/salesforce/status", response_class=HTMLResponse)
async def salesforce_status_fragment(request: Request, user: CurrentUser, db: DbSession) -> Response:
    """The status card alone: what the page swaps in when the OAuth popup reports back."""
    status = await _status(request, user, db)
    return templates.TemplateResponse(
        request,
        "_salesforce_status.html",
        {
            "user": user,
            "s": status,
            "status_label": STATUS_LABELS.get(str(status["status"]), str(status["status"])),
        },
        headers={"X-Baton-Fragment": "salesforce-status", "Cache-Control": "no-store"},
    )


async def _saved_client_secret(request: Request, user: UiUser, db: DbSession) -> str | None:
    integration = await load_integration(db, user.org.org_id)
    await end_read(db)
    if integration is None:
        return None
    secret = services_of(request).secret_box.decrypt(integration.secrets_encrypted).get("client_secret")
    return str(secret) if secret else None


@router.post("/settings/salesforce")
async def save_salesforce(request: Request, user: CurrentUser, db: DbSession) -> Response:
    await require_csrf(request, user)
    form = await request.form()
    entered = {
        "client_id": str(form.get("client_id") or "").strip(),
        "login_choice": str(form.get("login_choice") or PRODUCTION),
        "login_custom": str(form.get("login_custom") or "").strip(),
    }
    login_url = entered["login_custom"] if entered["login_choice"] == CUSTOM else entered["login_choice"]
    # The secret is never sent back to the browser, so an empty field means "keep the saved one".
    client_secret = str(form.get("client_secret") or "").strip() or await _saved_client_secret(
        request, user, db
    )
    try:
        body = api.EmailCasesCredentials(
            client_id=entered["client_id"], client_secret=client_secret or "", login_url=login_url
        )
    except ValidationError as exc:
        errors = field_errors(exc)
        if not client_secret:
            errors["client_secret"] = MISSING_SECRET
        status = await _status(request, user, db)
        return _render(request, user, status, form=entered, errors=errors, status_code=422)
    await api.save_credentials(body, user.org, db, request)
    return RedirectResponse(f"{PAGE}?notice=saved", status_code=303)


@router.post("/settings/salesforce/connect")
async def connect_salesforce(request: Request, user: CurrentUser, db: DbSession) -> Response:
    """Answers with a redirect to Salesforce's authorize page, so the popup goes straight there."""
    await require_csrf(request, user)
    try:
        answer = await api.authorize(user.org, db, request)
    except HTTPException as exc:
        if exc.status_code == 409:
            return RedirectResponse(f"{PAGE}?notice=save_first", status_code=303)
        raise
    return RedirectResponse(answer["authorize_url"], status_code=303)


@router.post("/settings/salesforce/disconnect")
async def disconnect_salesforce(request: Request, user: CurrentUser, db: DbSession) -> Response:
    await require_csrf(request, user)
    try:
        await api.disconnect(user.org, db, request)
    except HTTPException as exc:
        if exc.status_code != 404:
            raise
    return RedirectResponse(f"{PAGE}?notice=disconnected", status_code=303)
