"""A small app with the AI agent's routers only, for API tests of those routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx2
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import baton.store.models.knowledge  # noqa: F401  (registers the knowledge tables)
from baton.api.analytics import router as analytics_router
from baton.api.handoff_settings import router as handoff_settings_router
from baton.api.keys import create_api_key
from baton.api.knowledge import router as knowledge_router
from baton.store.models import Organization


@dataclass
class _Services:
    session_factory: async_sessionmaker[AsyncSession]


def build_app(factory: async_sessionmaker[AsyncSession]) -> FastAPI:
    app = FastAPI()
    for router in (knowledge_router, handoff_settings_router, analytics_router):
        app.include_router(router, prefix="/api/v1")
    app.state.services = _Services(factory)
    return app


async def create_org_with_key(factory: async_sessionmaker[AsyncSession], org_id: str) -> dict[str, str]:
    async with factory() as db:
        db.add(Organization(id=org_id, name=org_id, webhook_token=f"token-{org_id}"))
        await db.flush()
        token = await create_api_key(db, org_id)
        await db.commit()
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def api_client(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=build_app(factory))
    async with httpx2.AsyncClient(transport=transport, base_url="http://baton.test") as client:
        yield client
