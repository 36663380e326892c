import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import baton.store.models.knowledge  # noqa: F401  (registers the knowledge tables)
from assistant_api_support import api_client, create_org_with_key
from baton.store.engine import session_factory

pytestmark = pytest.mark.anyio


async def test_add_list_replace_and_delete_knowledge(engine: AsyncEngine) -> None:
    factory = session_factory(engine)
    headers = await create_org_with_key(factory, "org-a")
    async with api_client(factory) as client:
        doc = {
            "source": "help/shipping.md",
            "content": "# Shipping\n\nThree days.\n\n# Returns\n\n30 days.",
            "format": "markdown",
        }
        created = await client.post("/api/v1/knowledge", json=doc, headers=headers)
        assert created.status_code == 201
        assert created.json() == {
            "source": "help/shipping.md",
            "format": "markdown",
            "chunks": 2,
            "changed": True,
        }
        replaced = await client.post(
            "/api/v1/knowledge",
            json={**doc, "content": "<h1>Shipping</h1><p>Two days.</p>", "format": "html"},
            headers=headers,
        )
        assert replaced.json()["chunks"] == 1
        for i in range(3):
            await client.post(
                "/api/v1/knowledge",
                json={"source": f"z{i}.txt", "content": "text", "format": "text"},
                headers=headers,
            )
        first = (await client.get("/api/v1/knowledge?limit=2", headers=headers)).json()
        assert [item["source"] for item in first["items"]] == ["help/shipping.md", "z0.txt"]
        assert first["items"][0]["format"] == "html" and first["next"]
        second = (
            await client.get(f"/api/v1/knowledge?limit=2&cursor={first['next']}", headers=headers)
        ).json()
        assert [item["source"] for item in second["items"]] == ["z1.txt", "z2.txt"] and second["next"] is None
        assert (await client.delete("/api/v1/knowledge/help/shipping.md", headers=headers)).status_code == 204
        assert (await client.delete("/api/v1/knowledge/help/shipping.md", headers=headers)).status_code == 404


async def test_another_orgs_knowledge_is_invisible(engine: AsyncEngine) -> None:
    factory = session_factory(engine)
    mine = await create_org_with_key(factory, "org-a")
    theirs = await create_org_with_key(factory, "org-b")
    async with api_client(factory) as client:
        await client.post("/api/v1/knowledge", json={"source": "a.md", "content": "x"}, headers=mine)
        assert (await client.get("/api/v1/knowledge", headers=theirs)).json() == {"items": [], "next": None}
        assert (await client.delete("/api/v1/knowledge/a.md", headers=theirs)).status_code == 404
        assert (await client.get("/api/v1/knowledge")).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"source": "a.md", "content": "x", "format": "pdf"}, "format"),
        ({"source": "  ", "content": "x"}, "source"),
        ({"source": "a.md", "content": "   "}, "content"),
        ({"content": "x"}, "source"),
        ({"source": "a.md", "content": "x", "colour": "red"}, "colour"),
    ],
)
async def test_bad_input_is_refused_naming_the_field(
    engine: AsyncEngine, body: dict[str, str], field: str
) -> None:
    factory = session_factory(engine)
    headers = await create_org_with_key(factory, "org-a")
    async with api_client(factory) as client:
        response = await client.post("/api/v1/knowledge", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field
