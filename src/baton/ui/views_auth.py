"""Sign-in with the organization's API key, and sign-out."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from baton.api.deps import DbSession
from baton.api.keys import authenticate_api_key
from baton.ui.auth import (
    CurrentUser,
    clear_session_cookie,
    end_read,
    now_seconds,
    require_csrf,
    safe_next,
    secret_key_of,
    set_session_cookie,
)
from baton.ui.cookies import LOGIN_COOKIE, LOGIN_FORM_MAX_AGE_SECONDS, csrf_token, csrf_valid, new_session
from baton.ui.templating import templates

router = APIRouter()

LOGIN_PATH = "/ui/login"


def _login_page(request: Request, *, next_path: str, error: str | None, status_code: int = 200) -> Response:
    # The sign-in form is bound to a cookie of its own, so another site cannot sign a
    # visitor into the attacker's organization (login CSRF).
    nonce = secrets.token_urlsafe(16)
    response = templates.TemplateResponse(
        request,
        "login.html",
        {
            "title": "Sign in",
            "user": None,
            "next_path": next_path,
            "error": error,
            "csrf": csrf_token(secret_key_of(request), "login:" + nonce),
        },
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=LOGIN_FORM_MAX_AGE_SECONDS,
        path=LOGIN_PATH,
        httponly=True,
        samesite="lax",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, next_path=safe_next(next), error=None)


@router.post("/login")
async def login(request: Request, db: DbSession) -> Response:
    form = await request.form()
    next_path = safe_next(str(form.get("next") or ""))
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    token = form.get("csrf_token")
    if not nonce or not csrf_valid(
        secret_key_of(request), "login:" + nonce, token if isinstance(token, str) else None
    ):
        return _login_page(
            request, next_path=next_path, error="The sign-in form expired. Please try again.", status_code=403
        )
    api_key = str(form.get("api_key") or "").strip()
    key = await authenticate_api_key(db, api_key) if api_key else None
    # Read what the cookie needs before the rollback expires the row.
    ids = (key.id, key.org_id) if key is not None else None
    await end_read(db)
    if ids is None:
        return _login_page(
            request,
            next_path=next_path,
            error="That API key is not valid. Paste the whole key, starting with bt_.",
            status_code=401,
        )
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(request, response, new_session(*ids, now_seconds()))
    response.delete_cookie(LOGIN_COOKIE, path=LOGIN_PATH)
    return response


@router.get("/logout", response_class=HTMLResponse)
async def logout_form(request: Request, user: CurrentUser) -> Response:
    return templates.TemplateResponse(request, "logout.html", {"title": "Sign out", "user": user})


@router.post("/logout")
async def logout(request: Request, user: CurrentUser) -> Response:
    await require_csrf(request, user)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    clear_session_cookie(response)
    return response
