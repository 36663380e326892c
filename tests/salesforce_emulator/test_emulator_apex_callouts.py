"""Baton's Apex triggers: one signed Queueable callout per transaction, integration user skipped."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest
from sfemu_support import API, Tokens, connect, create
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from salesforce_emulator.testing import serve_app

pytestmark = pytest.mark.anyio
SECRET = "webhook-secret"


@dataclass
class Receiver:
    url: str
    calls: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    status: int = 200

    def events(self) -> list[dict[str, Any]]:
        return [event for _, body in self.calls for event in json.loads(body)["events"]]


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    async def record(request: Request) -> Response:
        holder[0].calls.append((dict(request.headers), await request.body()))
        return Response(status_code=holder[0].status)

    with serve_app(Starlette(routes=[Route("/webhooks/salesforce", record, methods=["POST"])])) as base_url:
        holder.append(Receiver(f"{base_url}/webhooks/salesforce"))
        yield holder[0]


@pytest.fixture
async def wired(client: httpx2.AsyncClient, receiver: Receiver) -> Receiver:
    receiver.calls.clear()
    receiver.status = 200
    body = {"name": "OpenCX_Integration", "url": receiver.url, "secret": SECRET}
    (await client.post("/_emulator/named-credentials", json=body)).raise_for_status()
    return receiver


async def settle(client: httpx2.AsyncClient) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = (await client.post("/_emulator/webhook-log/wait")).json()
    return log


async def session_case(client: httpx2.AsyncClient, tokens: Tokens, session: str = "sess-1") -> str:
    return await create(client, tokens, "Case", {"Subject": "Help", "OpenCX_Session_Id__c": session})


async def test_a_rep_comment_is_called_out_signed(client: httpx2.AsyncClient, wired: Receiver) -> None:
    tokens = await connect(client)
    case_id = await session_case(client, tokens)
    comment = await client.post(
        f"/_emulator/cases/{case_id}/comments", json={"body": "On it", "is_published": True}
    )
    log = await settle(client)

    [(headers, raw)] = wired.calls
    timestamp = headers["x-baton-timestamp"]
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    assert headers["x-baton-signature"] == f"sha256={expected}"
    assert headers["content-type"] == "application/json"
    [event] = json.loads(raw)["events"]
    assert event == {
        "type": "case_comment.created",
        "id": comment.json()["id"],
        "case_id": case_id,
        "session_id": "sess-1",
        "body": "On it",
        "is_published": True,
        "author_name": "Jane Rep",
        "created_at": event["created_at"],
    }
    assert event["created_at"].endswith("Z")
    assert [entry["status_code"] for entry in log] == [200]


async def test_the_integration_users_own_writes_are_not_echoed(
    client: httpx2.AsyncClient, wired: Receiver
) -> None:
    tokens = await connect(client)  # Ada authorises, so she is the integration user
    case_id = await session_case(client, tokens)
    await create(client, tokens, "CaseComment", {"ParentId": case_id, "CommentBody": "transcript"})
    await client.patch(f"{API}/sobjects/Case/{case_id}", json={"Status": "Closed"}, headers=tokens.headers)
    assert await settle(client) == [] and wired.calls == []


async def test_one_transaction_is_one_callout_and_filters_apply(
    client: httpx2.AsyncClient, wired: Receiver
) -> None:
    await client.post("/_emulator/integration-user", json={"username": "admin@emulator.test"})
    tokens = await connect(client, username="jane.rep@emulator.test")
    case_id = await session_case(client, tokens)
    plain_case = await create(client, tokens, "Case", {"Subject": "no session"})

    def post(ref: str, sobject: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"method": "POST", "url": f"{API}/sobjects/{sobject}", "referenceId": ref, "body": body}

    composite = {
        "allOrNone": True,
        "compositeRequest": [
            post(
                "internal", "CaseComment", {"ParentId": case_id, "CommentBody": "note", "IsPublished": False}
            ),
            post(
                "mail", "EmailMessage", {"ParentId": case_id, "TextBody": "Dear customer", "Incoming": False}
            ),
            post(
                "inbound",
                "EmailMessage",
                {"ParentId": case_id, "TextBody": "from customer", "Incoming": True},
            ),
            post("elsewhere", "CaseComment", {"ParentId": plain_case, "CommentBody": "unrelated"}),
        ],
    }
    response = await client.post(f"{API}/composite", json=composite, headers=tokens.headers)
    assert all(r["httpStatusCode"] == 201 for r in response.json()["compositeResponse"])
    await settle(client)

    assert len(wired.calls) == 1
    events = wired.events()
    assert [(e["type"], e["body"], e["is_published"]) for e in events] == [
        ("case_comment.created", "note", False),
        ("email_message.created", "Dear customer", True),
    ]


async def test_closing_a_case_sends_case_closed(client: httpx2.AsyncClient, wired: Receiver) -> None:
    tokens = await connect(client)
    case_id = await session_case(client, tokens)
    await client.post(f"/_emulator/cases/{case_id}/close")
    await settle(client)
    [event] = wired.events()
    closed = (await client.get(f"{API}/sobjects/Case/{case_id}", headers=tokens.headers)).json()
    assert event["type"] == "case.closed" and event["body"] is None
    assert event["id"] == f"{case_id}:closed:{event['created_at']}"
    assert event["created_at"][:19] == closed["ClosedDate"][:19]


async def test_a_failed_callout_is_logged_once_and_not_retried(
    client: httpx2.AsyncClient, wired: Receiver
) -> None:
    wired.status = 500
    tokens = await connect(client)
    case_id = await session_case(client, tokens)
    await client.post(f"/_emulator/cases/{case_id}/emails", json={"body": "Hello"})
    log = await settle(client)
    assert len(wired.calls) == 1
    assert [(e["status_code"], e["error"]) for e in log] == [(500, "HTTP 500")]


async def test_dropped_callouts_and_a_missing_named_credential_are_logged(
    client: httpx2.AsyncClient, wired: Receiver
) -> None:
    await client.post("/_emulator/faults", json={"drop_webhook_rate": 1})
    tokens = await connect(client)
    case_id = await session_case(client, tokens)
    await client.post(f"/_emulator/cases/{case_id}/comments", json={"body": "lost"})
    [dropped] = await settle(client)
    assert dropped["error"] == "dropped by fault injection" and wired.calls == []

    await client.post("/_emulator/reset")
    tokens = await connect(client)
    case_id = await session_case(client, tokens)
    await client.post(f"/_emulator/cases/{case_id}/comments", json={"body": "nowhere"})
    [unconfigured] = await settle(client)
    assert (
        "named credential" in unconfigured["error"]
        and unconfigured["payload"]["events"][0]["body"] == "nowhere"
    )
