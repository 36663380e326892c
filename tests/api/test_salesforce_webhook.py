from __future__ import annotations

import json
import time

import httpx2
import pytest
from sqlalchemy import func, select

from baton.api.webhooks import expected_signature
from baton.salesforce.cases.replies import CASE_EVENT_JOB
from baton.services import Services
from baton.store.models import Job
from baton_support import OrgCredentials

pytestmark = pytest.mark.anyio

CREDENTIALS = {
    "client_id": "3MVG9abcdefghijklmnop",
    "client_secret": "S3CR3T-abcdef-123456",
    "login_url": "https://login.salesforce.com",
}
EVENT = {
    "type": "case_comment.created",
    "id": "00a000000000001AAA",
    "case_id": "500000000000001AAA",
    "session_id": "5d0a8a3e-6d9a-4c39-9d3a-111111111111",
    "body": "We have refunded you.",
    "is_published": True,
    "author_name": "Jane Rep",
    "created_at": "2026-11-23T10:04:00Z",
}


async def _configured(client: httpx2.AsyncClient, org: OrgCredentials) -> tuple[str, str]:
    body = (
        await client.put("/api/v1/integrations/salesforce/email", json=CREDENTIALS, headers=org.headers)
    ).json()
    return str(body["webhook_url"]).removeprefix("http://baton.test"), str(body["webhook_secret"])


def _signed(secret: str, payload: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    return {
        "X-Baton-Timestamp": ts,
        "X-Baton-Signature": expected_signature(secret, ts, payload),
        "Content-Type": "application/json",
    }


async def _jobs(services: Services) -> int:
    async with services.session_factory() as db:
        return int(
            (
                await db.execute(select(func.count()).select_from(Job).where(Job.kind == CASE_EVENT_JOB))
            ).scalar_one()
        )


async def test_signed_events_are_accepted_once(
    client: httpx2.AsyncClient, org: OrgCredentials, services: Services
) -> None:
    path, secret = await _configured(client, org)
    payload = json.dumps({"events": [EVENT]}).encode()
    first = await client.post(path, content=payload, headers=_signed(secret, payload))
    assert first.status_code == 200, first.text
    assert first.json() == {"received": 1, "accepted": 1, "duplicates": 0}
    second = await client.post(path, content=payload, headers=_signed(secret, payload))
    assert second.json() == {"received": 1, "accepted": 0, "duplicates": 1}
    assert await _jobs(services) == 1


@pytest.mark.parametrize(
    "problem", ["bad signature", "stale timestamp", "future timestamp", "missing headers"]
)
async def test_unsigned_or_stale_requests_are_refused(
    client: httpx2.AsyncClient, org: OrgCredentials, services: Services, problem: str
) -> None:
    path, secret = await _configured(client, org)
    payload = json.dumps({"events": [EVENT]}).encode()
    headers = _signed(secret, payload)
    if problem == "bad signature":
        headers = _signed("not-the-secret", payload)
    elif problem == "stale timestamp":
        headers = _signed(secret, payload, int(time.time()) - 360)
    elif problem == "future timestamp":
        headers = _signed(secret, payload, int(time.time()) + 360)
    else:
        headers = {"Content-Type": "application/json"}
    response = await client.post(path, content=payload, headers=headers)
    assert response.status_code == 401
    assert secret not in response.text
    assert await _jobs(services) == 0


async def test_body_signed_but_altered_in_transit_is_refused(
    client: httpx2.AsyncClient, org: OrgCredentials
) -> None:
    path, secret = await _configured(client, org)
    payload = json.dumps({"events": [EVENT]}).encode()
    headers = _signed(secret, payload)
    altered = payload.replace(b"refunded", b"charged!")
    assert (await client.post(path, content=altered, headers=headers)).status_code == 401


async def test_invalid_event_names_the_field(client: httpx2.AsyncClient, org: OrgCredentials) -> None:
    path, secret = await _configured(client, org)
    payload = json.dumps({"events": [{**EVENT, "type": "case.deleted"}]}).encode()
    response = await client.post(path, content=payload, headers=_signed(secret, payload))
    assert response.status_code == 422
    assert "events[0].type" in response.json()["detail"]


async def test_unknown_webhook_token_is_404(client: httpx2.AsyncClient) -> None:
    payload = b'{"events": []}'
    response = await client.post("/webhooks/salesforce/nope", content=payload, headers=_signed("x", payload))
    assert response.status_code == 404
