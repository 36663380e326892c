from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import baton.store.models.knowledge  # noqa: F401  (registers the knowledge tables)
from baton.api.analytics import router as analytics_router
from baton.api.handoff_settings import router as handoff_settings_router
from baton.api.keys import create_api_key
from baton.api.knowledge import router as knowledge_router
from baton.store.engine import session_factory
from baton.store.models import Organization

pytestmark = pytest.mark.anyio


# A tiny app with the assistant's routers (kept in this file so the module runs on its own).


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


async def test_defaults_then_replace_the_whole_document(engine: AsyncEngine) -> None:
    factory = session_factory(engine)
    headers = await create_org_with_key(factory, "org-a")
    async with api_client(factory) as client:
        defaults = (await client.get("/api/v1/settings/handoff", headers=headers)).json()
        assert defaults["mode"] == "preset" and defaults["preset"] == 1
        assert defaults["advanced"] == {
            "enabled": True,
            "on_frustration": True,
            "on_unproductive": True,
            "on_human_request": True,
            "on_low_confidence": True,
        }
        assert defaults["office_hours"] is None and defaults["prohibited_topics"] == []
        document = {
            "preset": 2,
            "prohibited_topics": ["Legal action", "  "],
            "office_hours": {
                "timezone": "Europe/Lisbon",
                "weekly": {"mon": [["09:00", "17:00"]]},
                "holidays_country": "pt",
                "extra_closed_dates": ["2025-12-24"],
            },
            "data_collection": [{"field": "order_number", "required": True}],
        }
        saved = await client.put("/api/v1/settings/handoff", json=document, headers=headers)
        assert saved.status_code == 200
        body = saved.json()
        assert body["preset"] == 2 and body["mode"] == "preset"
        assert body["prohibited_topics"] == ["Legal action"]
        assert body["office_hours"]["holidays_country"] == "PT"
        assert body["advanced"]["enabled"] is True  # missing keys take their defaults
        assert (await client.get("/api/v1/settings/handoff", headers=headers)).json() == body
        cleared = await client.put("/api/v1/settings/handoff", json={"office_hours": None}, headers=headers)
        assert cleared.json()["office_hours"] is None and cleared.json()["preset"] == 1
    async with factory() as db:
        settings = await db.scalar(select(Organization.settings).where(Organization.id == "org-a"))
    assert settings is not None and settings["handoff"]["office_hours"] is None


@pytest.mark.parametrize(
    ("document", "location"),
    [
        ({"preset": 7}, ["preset"]),
        ({"mode": "turbo"}, ["mode"]),
        ({"office_hours": {"timezone": "Europe/Atlantis"}}, ["office_hours", "timezone"]),
        (
            {"office_hours": {"timezone": "UTC", "weekly": {"mon": [["17:00", "09:00"]]}}},
            ["office_hours", "weekly"],
        ),
        (
            {"office_hours": {"timezone": "UTC", "holidays_country": "ZZ"}},
            ["office_hours", "holidays_country"],
        ),
        ({"data_collection": [{"field": "Order Number"}]}, ["data_collection", 0, "field"]),
        ({"advanced": {"on_weather": True}}, ["advanced", "on_weather"]),
        ({"priority_rules": [{"priority": "High"}]}, ["priority_rules", 0]),
    ],
)
async def test_invalid_documents_are_refused_naming_the_field(
    engine: AsyncEngine, document: dict[str, Any], location: list[Any]
) -> None:
    factory = session_factory(engine)
    headers = await create_org_with_key(factory, "org-a")
    async with api_client(factory) as client:
        response = await client.put("/api/v1/settings/handoff", json=document, headers=headers)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][1 : 1 + len(location)] == location
        assert (await client.get("/api/v1/settings/handoff", headers=headers)).json()["preset"] == 1
