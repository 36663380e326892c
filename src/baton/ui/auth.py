"""Who is signed in to the UI, and the CSRF check on every form that changes state.

Each request re-reads the API key row behind the cookie, so revoking the key (or
deleting it) signs the UI out at once instead of when the cookie expires.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from baton.api.deps import DbSession, OrgContext
from baton.services import Services
from baton.store.models import ApiKey, Organization
from baton.ui.cookies import (
    SESSION_COOKIE,
    SESSION_MAX_AGE_SECONDS,
    UiSession,
    csrf_token,
    csrf_valid,
    decode_session,
    encode_session,
)

COOKIE_PATH = "/ui"


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def secret_key_of(request: Request) -> str:
    return services_of(request).settings.secret_key.get_secret_value()


def now_seconds() -> int:
    return int(time.time())


async def end_read(db: AsyncSession) -> None:
    """End a read-only transaction before rendering or writing.

    Handlers begin their own transactions, and on SQLite every transaction holds the
    write lock (BEGIN IMMEDIATE) until it ends. Commit rather than roll back: the
    factory does not expire rows on commit, so templates can still read them.
    """
    if db.in_transaction():
        await db.commit()


@dataclass(frozen=True)
class UiUser:
    """The signed-in caller: an org, reached through one of its API keys."""

    org: OrgContext
    org_name: str
    key_name: str
    csrf: str
    nonce: str


class LoginRequired(HTTPException):
    """Answered as a redirect to the sign-in page, remembering where the user was going."""

    def __init__(self, next_path: str) -> None:
        super().__init__(
            status_code=303, headers={"Location": f"/ui/login?next={quote(next_path, safe='/')}"}
        )


def safe_next(path: str | None) -> str:
    """Only same-site UI paths: an attacker's link must not bounce a fresh sign-in elsewhere."""
    if path and path.startswith("/ui/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/ui/sessions"


def _return_path(request: Request) -> str:
    """Where to go after signing in again: a form's action can't be revisited with GET, its page can."""
    if request.method == "GET":
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc:
        return safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))
    return safe_next(None)


async def current_user(request: Request, db: DbSession) -> UiUser:
    secret = secret_key_of(request)
    session = decode_session(secret, request.cookies.get(SESSION_COOKIE), now_seconds())
    target = _return_path(request)
    if session is None:
        raise LoginRequired(target)
    key = await db.get(ApiKey, session.key_id)
    if key is None or key.revoked_at is not None or key.org_id != session.org_id:
        raise LoginRequired(target)
    org = await db.get(Organization, key.org_id)
    if org is None:
        raise LoginRequired(target)
    user = UiUser(
        org=OrgContext(org_id=org.id, scopes=frozenset(key.scopes)),
        org_name=org.name,
        key_name=key.name or key.prefix,
        csrf=csrf_token(secret, session.nonce),
        nonce=session.nonce,
    )
    await end_read(db)
    return user


CurrentUser = Annotated[UiUser, Depends(current_user)]


async def require_csrf(request: Request, user: UiUser) -> None:
    """Reject a state-changing form whose token does not belong to this cookie."""
    form = await request.form()
    token = form.get("csrf_token")
    if not csrf_valid(secret_key_of(request), user.nonce, token if isinstance(token, str) else None):
        raise HTTPException(status_code=403, detail="The form expired. Reload the page and try again.")


def set_session_cookie(request: Request, response: RedirectResponse, session: UiSession) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        encode_session(secret_key_of(request), session),
        max_age=SESSION_MAX_AGE_SECONDS,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=services_of(request).settings.public_url.startswith("https://"),
    )


def clear_session_cookie(response: RedirectResponse) -> None:
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax")
