"""Who is calling the browser API: the visitor token decides which one session a request may touch."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException, Request
from sqlalchemy.ext.asyncio import AsyncSession

from baton.services import Services
from baton.store.models import Organization, Session
from baton.widget.origins import origin_allowed
from baton.widget.tokens import InvalidToken, read_visitor_token


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def secret_key(request: Request) -> str:
    return services_of(request).settings.secret_key.get_secret_value()


def bearer_or_query_token(request: Request) -> str | None:
    """``Authorization: Bearer …``, or ``?token=`` where a browser cannot set headers (EventSource, links)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query_params.get("token") or None


def check_origin(request: Request, organization: Organization) -> None:
    if not origin_allowed(organization.settings, request.headers.get("origin")):
        raise HTTPException(status_code=403, detail="this web site may not use the organization's widget")


@dataclass(frozen=True)
class Visitor:
    session_id: str
    org_id: str


async def load_visitor(request: Request, db: AsyncSession, session_id: str) -> tuple[Visitor, Session]:
    """The session the visitor token opens; 404 for any other session (its existence is not revealed)."""
    token = bearer_or_query_token(request)
    if token is None:
        raise HTTPException(
            status_code=401,
            detail="missing visitor token: send Authorization: Bearer <visitor_token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        claims = read_visitor_token(secret_key(request), token)
    except InvalidToken:
        raise HTTPException(
            status_code=401, detail="invalid or expired visitor token", headers={"WWW-Authenticate": "Bearer"}
        ) from None
    if claims.session_id != session_id:
        raise HTTPException(status_code=404, detail="session not found")
    session = await db.get(Session, session_id)
    if session is None or session.org_id != claims.org_id:
        raise HTTPException(status_code=404, detail="session not found")
    organization = await db.get(Organization, session.org_id)
    assert organization is not None
    check_origin(request, organization)
    return Visitor(session_id=session.id, org_id=session.org_id), session
