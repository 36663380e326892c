from __future__ import annotations

import httpx2
import pytest
from sqlalchemy import func, select

from baton.handoff.service import CASE_SYNC_JOB
from baton.services import Services
from baton.store.models import Job
from baton_support import OrgCredentials, create_org

pytestmark = pytest.mark.anyio


async def new_session(client: httpx2.AsyncClient, org: OrgCredentials, **body: object) -> dict[str, object]:
    payload = {"channel": "email", "contact": {"email": "Jane@Example.com", "name": "Jane Doe"}, **body}
    response = await client.post("/api/v1/sessions", json=payload, headers=org.headers)
    assert response.status_code == 201, response.text
    data: dict[str, object] = response.json()
    return data


async def test_requests_without_a_valid_key_are_refused(client: httpx2.AsyncClient) -> None:
    assert (await client.get("/api/v1/sessions")).status_code == 401
    response = await client.get(
        "/api/v1/sessions", headers={"Authorization": "Bearer bt_not-a-real-key-123456"}
    )
    assert response.status_code == 401


async def test_create_and_read_a_session(client: httpx2.AsyncClient, org: OrgCredentials) -> None:
    created = await new_session(client, org, subject="Refund")
    assert created["status"] == "open"
    assert created["assignee"] == "ai"
    assert created["handoff"] is None
    assert created["contact"]["email"] == "jane@example.com"  # type: ignore[index]
    assert created["ticket_number"] == 10001
    fetched = (await client.get(f"/api/v1/sessions/{created['id']}", headers=org.headers)).json()
    assert fetched["id"] == created["id"]
    second = await new_session(client, org)
    assert second["ticket_number"] == 10002


async def test_another_orgs_session_answers_404(
    client: httpx2.AsyncClient, org: OrgCredentials, services: Services
) -> None:
    created = await new_session(client, org)
    other = await create_org(services, "Other")
    for path in ("", "/messages", "/events"):
        response = await client.get(f"/api/v1/sessions/{created['id']}{path}", headers=other.headers)
        assert response.status_code == 404, path
    response = await client.post(f"/api/v1/sessions/{created['id']}/handoff", headers=other.headers)
    assert response.status_code == 404


async def test_bad_input_names_the_field(client: httpx2.AsyncClient, org: OrgCredentials) -> None:
    response = await client.post("/api/v1/sessions", json={"channel": "fax"}, headers=org.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "channel"
    created = await new_session(client, org)
    too_long = "x" * 32_001
    response = await client.post(
        f"/api/v1/sessions/{created['id']}/messages", json={"text": too_long}, headers=org.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "text"
    messages = (await client.get(f"/api/v1/sessions/{created['id']}/messages", headers=org.headers)).json()
    assert messages == []


async def test_customer_message_is_stored_in_order(client: httpx2.AsyncClient, org: OrgCredentials) -> None:
    created = await new_session(client, org, channel="api")
    for text in ("first", "second"):
        response = await client.post(
            f"/api/v1/sessions/{created['id']}/messages", json={"text": text}, headers=org.headers
        )
        assert response.status_code == 201
        assert response.json()["messages"][0]["text"] == text
    messages = (await client.get(f"/api/v1/sessions/{created['id']}/messages", headers=org.headers)).json()
    customer = [m["text"] for m in messages if m["role"] == "customer"]
    assert customer == ["first", "second"]


async def test_manual_handoff_is_recorded_once_and_enqueues_one_case_job(
    client: httpx2.AsyncClient, org: OrgCredentials, services: Services
) -> None:
    created = await new_session(client, org, subject="Broken blender")
    first = await client.post(
        f"/api/v1/sessions/{created['id']}/handoff", json={"reason": "VIP"}, headers=org.headers
    )
    assert first.status_code == 202
    body = first.json()
    assert body["assignee"] == "human"
    assert body["handoff"]["state"] == "pending"
    assert body["handoff"]["path"] == "case"
    assert body["handoff"]["reasons"] == ["manual_handoff"]
    assert "Broken blender" in body["handoff"]["summary"]
    assert "VIP" in body["handoff"]["summary"]
    again = await client.post(f"/api/v1/sessions/{created['id']}/handoff", headers=org.headers)
    assert again.status_code == 202
    async with services.session_factory() as db:
        count = (
            await db.execute(select(func.count()).select_from(Job).where(Job.kind == CASE_SYNC_JOB))
        ).scalar_one()
    assert count == 1
    events = (await client.get(f"/api/v1/sessions/{created['id']}/events", headers=org.headers)).json()
    assert [e["type"] for e in events].count("handoff.requested") == 1


async def test_list_filters_and_pages_newest_first(client: httpx2.AsyncClient, org: OrgCredentials) -> None:
    ids = [str((await new_session(client, org))["id"]) for _ in range(5)]
    await new_session(client, org, contact={"email": "other@example.com"})
    page = (
        await client.get(
            "/api/v1/sessions", params={"contact_email": "jane@example.com", "limit": 2}, headers=org.headers
        )
    ).json()
    seen = [item["id"] for item in page["items"]]
    while page["next"]:
        page = (
            await client.get(
                "/api/v1/sessions",
                params={"contact_email": "jane@example.com", "limit": 2, "cursor": page["next"]},
                headers=org.headers,
            )
        ).json()
        seen += [item["id"] for item in page["items"]]
    assert seen == list(reversed(ids))
    bad = await client.get("/api/v1/sessions", params={"cursor": "garbage!"}, headers=org.headers)
    assert bad.status_code == 422
