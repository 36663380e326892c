"""Request dependencies: the database session and the calling organization.

Routers declare ``org: CurrentOrg`` to require ``Authorization: Bearer <org api key>``;
another org's objects must answer 404, so every query filters on ``org.org_id``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.ext.asyncio import AsyncSession

from baton.api.keys import authenticate_api_key


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    factory = request.app.state.services.session_factory
    async with factory() as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(get_db)]


@dataclass(frozen=True)
class OrgContext:
    org_id: str
    scopes: frozenset[str]

    def require_scope(self, scope: str) -> None:
        if "*" not in self.scopes and scope not in self.scopes:
            raise HTTPException(status_code=403, detail=f"this API key lacks the scope {scope!r}")


async def get_current_org(request: Request) -> OrgContext:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            status_code=401,
            detail="missing API key: send Authorization: Bearer <org api key>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    # Its own short session, so the handler's session starts with no transaction open.
    async with request.app.state.services.session_factory() as db:
        key = await authenticate_api_key(db, token.strip())
    if key is None:
        raise HTTPException(status_code=401, detail="invalid API key", headers={"WWW-Authenticate": "Bearer"})
    return OrgContext(org_id=key.org_id, scopes=frozenset(key.scopes))


CurrentOrg = Annotated[OrgContext, Depends(get_current_org)]
