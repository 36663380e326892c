"""MiawClient against scripted responses: request shapes, token parsing, error mapping."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx2
import jwt
import pytest

from baton.salesforce.errors import AuthExpired, Permanent, RateLimited, Transient
from baton.salesforce.messaging import (
    AlreadyExists,
    CallRecord,
    IdentityNotVerified,
    MessageEvent,
    MiawClient,
    NoActiveSession,
    RoutingResultEvent,
)

pytestmark = pytest.mark.anyio

SCRT = "https://acme.my.salesforce-scrt.com"
ORG = "00D5g000004ABCD"
DEPLOYMENT = "Acme_Web"
CONVERSATION = "0b7c4a52-51a5-4f4a-9a8e-0f9e3c1d2b3a"


def access_token(exp: int) -> str:
    return jwt.encode({"sub": "x", "exp": exp}, "k" * 32, algorithm="HS256")


def token_response(subject: str, exp: int = 1_900_000_000) -> dict[str, Any]:
    return {
        "accessToken": access_token(exp),
        "lastEventId": "2147867834",
        "context": {
            "endUser": {"subject": subject},
            "configuration": {
                "embeddedServiceConfig": {
                    "forms": [
                        {
                            "displayContext": "Conversation",
                            "formFields": [
                                {"name": "OpencxSessionId", "isHidden": True},
                                {"name": "_firstName", "isHidden": False},
                            ],
                        }
                    ]
                }
            },
        },
    }


Handler = Callable[[httpx2.Request], httpx2.Response]


def make_client(handler: Handler, records: list[CallRecord] | None = None) -> MiawClient:
    http = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    on_call = records.append if records is not None else None
    return MiawClient(http, SCRT + "/", ORG, DEPLOYMENT, on_call=on_call)


async def test_guest_token_request_and_grant() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=token_response("v2/iamessage/ANON/abc", exp=1_900_000_000))

    grant = await make_client(handler).unauthenticated_token()
    body = json.loads(seen[0].content)
    assert str(seen[0].url) == f"{SCRT}/iamessage/api/v2/authorization/unauthenticated/access-token"
    assert body["capabilitiesVersion"] == "1" and body["platform"] == "Web"
    assert (body["orgId"], body["esDeveloperName"]) == (ORG, DEPLOYMENT)
    assert "authorization" not in seen[0].headers
    assert grant.last_event_id == "2147867834"
    assert grant.is_authenticated is False
    assert grant.expires_at is not None and grant.expires_at.timestamp() == 1_900_000_000
    assert grant.hidden_prechat_fields == ["OpencxSessionId"]
    assert "accessToken" not in repr(grant) and grant.access_token not in repr(grant)


async def test_verified_token_detects_auth_and_anon_fallback() -> None:
    subjects = iter(
        ["v2/iamessage/AUTH/BatonKeys/uid:contact-1", "v2/iamessage/ANON/xyz", "v2/iamessage/ANON/xyz"]
    )
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        bodies.append(json.loads(request.content))
        return httpx2.Response(200, json=token_response(next(subjects)))

    client = make_client(handler)
    verified = await client.authenticated_token("identity.jwt")
    assert verified.is_authenticated and verified.subject.endswith("uid:contact-1")
    assert bodies[0]["authorizationType"] == "JWT" and bodies[0]["customerIdentityToken"] == "identity.jwt"
    fallback = await client.authenticated_token("identity.jwt")
    assert not fallback.is_authenticated
    with pytest.raises(IdentityNotVerified):
        await client.authenticated_token("identity.jwt", require_verified=True)


async def test_expires_within() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json=token_response("v2/iamessage/ANON/a", exp=int(time.time()) + 30))

    grant = await make_client(handler).unauthenticated_token()
    assert grant.expires_within(60) and not grant.expires_within(1)


async def test_create_conversation_and_send_text_shapes() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        if request.url.path.endswith("/message"):
            return httpx2.Response(202, json={"conversationEntries": [{"id": "m-1", "clientTimestamp": 17}]})
        return httpx2.Response(201, json={"conversationId": CONVERSATION})

    client = make_client(handler)
    await client.create_conversation("tok", CONVERSATION, {"OpencxSessionId": "s-1"})
    sent = await client.send_text("tok", CONVERSATION, "m-1", "hello")
    again = await client.send_text(
        "tok",
        CONVERSATION,
        "m-2",
        "hi again",
        new_session=True,
        routing_attributes={"A": "b"},
        language="en_US",
    )
    create, message, new_session = (json.loads(r.content) for r in seen)
    assert seen[0].headers["authorization"] == "Bearer tok"
    assert create == {
        "conversationId": CONVERSATION,
        "esDeveloperName": DEPLOYMENT,
        "routingAttributes": {"OpencxSessionId": "s-1"},
    }
    assert message == {
        "message": {
            "id": "m-1",
            "messageType": "StaticContentMessage",
            "staticContent": {"formatType": "Text", "text": "hello"},
        },
        "esDeveloperName": DEPLOYMENT,
    }
    assert new_session["isNewMessagingSession"] is True
    assert (new_session["routingAttributes"], new_session["language"]) == ({"A": "b"}, "en_US")
    assert (sent.id, sent.client_timestamp) == ("m-1", 17)
    assert again.id == "m-1"  # whatever the server answered


async def test_send_text_tolerates_an_empty_body() -> None:
    client = make_client(lambda request: httpx2.Response(202))
    sent = await client.send_text("tok", CONVERSATION, "m-9", "x")
    assert (sent.id, sent.client_timestamp) == ("m-9", None)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (417, {"message": "no session"}, NoActiveSession),
        (401, {"message": "expired"}, AuthExpired),
        (429, {"message": "slow down"}, RateLimited),
        (409, {"message": "duplicate"}, AlreadyExists),
        (400, {"message": "Specify the conversationId in UUID format."}, Permanent),
        (404, "<html>not found</html>", Permanent),
        (503, None, Transient),
    ],
)
async def test_error_mapping(status: int, body: Any, error: type[Exception]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        if isinstance(body, dict):
            return httpx2.Response(status, json=body)
        return httpx2.Response(status, text=body or "")

    with pytest.raises(error) as caught:
        await make_client(handler).send_text("tok", CONVERSATION, "m-1", "hello")
    if isinstance(body, dict):
        assert body["message"] in str(caught.value)
    if isinstance(caught.value, Transient):
        assert caught.value.ambiguous


async def test_no_active_session_is_distinct_from_other_permanent_errors() -> None:
    client = make_client(lambda request: httpx2.Response(417, json={"message": "x"}))
    with pytest.raises(NoActiveSession):
        await client.send_text("tok", CONVERSATION, "m-1", "hello")
    client = make_client(lambda request: httpx2.Response(400, json={"message": "x"}))
    with pytest.raises(Permanent) as caught:
        await client.send_text("tok", CONVERSATION, "m-1", "hello")
    assert not isinstance(caught.value, NoActiveSession)


async def test_transport_errors_become_transient() -> None:
    def refused(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("refused", request=request)

    def timed_out(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("slow", request=request)

    with pytest.raises(Transient) as never_sent:
        await make_client(refused).send_text("tok", CONVERSATION, "m-1", "x")
    assert not never_sent.value.ambiguous
    with pytest.raises(Transient) as maybe_sent:
        await make_client(timed_out).send_text("tok", CONVERSATION, "m-1", "x")
    assert maybe_sent.value.ambiguous


def rest_entry(identifier: str, ts: int, text: str, *, as_string: bool = False) -> dict[str, Any]:
    payload: Any = {
        "entryType": "Message",
        "id": identifier,
        "abstractMessage": {"id": identifier, "staticContent": {"formatType": "Text", "text": text}},
    }
    return {
        "identifier": identifier,
        "entryType": "Message",
        "entryPayload": json.dumps(payload) if as_string else payload,
        "sender": {"role": "Agent"},
        "senderDisplayName": "Jane",
        "transcriptedTimestamp": ts,
    }


async def test_list_entries_pages_dedupes_and_normalises() -> None:
    # Pages of 2; the second page repeats the boundary entry (inclusive startTimestamp).
    pages = {
        None: [rest_entry("a", 10, "one"), rest_entry("b", 20, "two", as_string=True)],
        "20": [rest_entry("b", 20, "two"), rest_entry("c", 30, "three")],
        "30": [rest_entry("c", 30, "three")],
    }
    params_seen: list[dict[str, str]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        params = dict(request.url.params)
        params_seen.append(params)
        return httpx2.Response(200, json={"conversationEntries": pages[params.get("startTimestamp")]})

    events = await make_client(handler).list_entries("tok", CONVERSATION, limit=2)
    assert [e.identifier for e in events] == ["a", "b", "c"]
    assert all(isinstance(e, MessageEvent) for e in events)
    assert [e.text for e in events if isinstance(e, MessageEvent)] == ["one", "two", "three"]
    assert params_seen[0] == {"limit": "2", "direction": "FromStart"}
    assert [p.get("startTimestamp") for p in params_seen] == [None, "20", "30"]


async def test_list_entries_since_and_limit_cap() -> None:
    seen: list[dict[str, str]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(dict(request.url.params))
        entry = {
            "identifier": "r",
            "entryType": "RoutingResult",
            "entryPayload": {"estimatedWaitTime": {"estimatedWaitTimeInSeconds": 30}},
            "transcriptedTimestamp": 5,
        }
        return httpx2.Response(200, json={"conversationEntries": [entry]})

    [event] = await make_client(handler).list_entries("tok", CONVERSATION, since_ms=5, limit=500)
    assert seen == [{"limit": "50", "direction": "FromStart", "startTimestamp": "5"}]
    assert isinstance(event, RoutingResultEvent) and event.estimated_wait_seconds == 30


async def test_end_session_close_and_typing_requests() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(204 if request.method == "DELETE" else 202)

    client = make_client(handler)
    await client.send_typing("tok", CONVERSATION, True)
    await client.send_typing("tok", CONVERSATION, False)
    await client.end_session("tok", CONVERSATION)
    await client.close_conversation("tok", CONVERSATION)
    started, stopped, end, close = seen
    assert json.loads(started.content)["entryType"] == "TypingStartedIndicator"
    assert json.loads(stopped.content)["entryType"] == "TypingStoppedIndicator"
    assert (end.method, end.url.path) == ("DELETE", f"/iamessage/api/v2/conversation/{CONVERSATION}/session")
    assert (close.method, close.url.path) == ("DELETE", f"/iamessage/api/v2/conversation/{CONVERSATION}")
    assert end.url.params["esDeveloperName"] == close.url.params["esDeveloperName"] == DEPLOYMENT


async def test_upload_file_is_multipart() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(202, json={"conversationEntries": [{"id": "f-1", "clientTimestamp": 1}]})

    sent = await make_client(handler).upload_file(
        "tok", CONVERSATION, "f-1", "a.txt", b"hello", content_type="text/plain", caption="file"
    )
    request = seen[0]
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert b'name="messageEntry"' in request.content and b'filename="a.txt"' in request.content
    assert sent.id == "f-1"


async def test_on_call_records_have_no_secrets_or_query() -> None:
    records: list[CallRecord] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.method == "DELETE":
            return httpx2.Response(417, json={"message": "x"})
        return httpx2.Response(200, json=token_response("v2/iamessage/ANON/a"))

    client = make_client(handler, records)
    await client.unauthenticated_token()
    with pytest.raises(NoActiveSession):
        await client.end_session("secret-token", CONVERSATION)
    assert [(r.operation, r.method, r.status) for r in records] == [
        ("access_token_guest", "POST", 200),
        ("end_session", "DELETE", 417),
    ]
    assert records[1].path == f"/iamessage/api/v2/conversation/{CONVERSATION}/session"
    assert records[1].error_code == "NoActiveSession"
    assert "secret-token" not in repr(records)


async def test_a_failing_hook_does_not_fail_the_call() -> None:
    def hook(record: CallRecord) -> None:
        raise RuntimeError("broken hook")

    http = httpx2.AsyncClient(
        transport=httpx2.MockTransport(
            lambda r: httpx2.Response(200, json=token_response("v2/iamessage/ANON/a"))
        )
    )
    client = MiawClient(http, SCRT, ORG, DEPLOYMENT, on_call=hook)
    assert (await client.unauthenticated_token()).subject == "v2/iamessage/ANON/a"
