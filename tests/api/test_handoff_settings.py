from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

import baton.store.models.knowledge  # noqa: F401  (registers the knowledge tables)
from assistant_api_support import api_client, create_org_with_key
from baton.store.engine import session_factory
from baton.store.models import Organization

pytestmark = pytest.mark.anyio


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
