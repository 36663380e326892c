"""Baton's MIAW client against the emulated SCRT host over real loopback sockets."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from functools import cache

import anyio
import httpx2
import pytest

from baton.salesforce.messaging import (
    AccessTokenGrant,
    IdentityNotVerified,
    MessageEvent,
    MessagingStream,
    MiawClient,
    NoActiveSession,
    ParticipantChangedEvent,
    RoutingResultEvent,
    SessionStatusChangedEvent,
    StreamConnected,
    StreamReconnected,
    consume_stream,
)
from baton.salesforce.messaging.identity import customer_identity_token
from baton.salesforce.messaging.keys import SigningKeyPair, generate_key_pair
from baton.salesforce.messaging.sse import Backoff, StreamItem
from salesforce_emulator.miaw import MiawConfig, create_miaw_app, serve_in_thread

pytestmark = pytest.mark.anyio

ORG_ID = "00D5g000004ABCDEAA"
DEPLOYMENT = "Baton_Web"
ISSUER = "https://baton.example"
ROUTING = {
    "OpencxSessionId": "sess-123",
    "Chat_Consumer_Type": "Authenticated",
    "Origin": "Web",
    "Priority": "High",
}
FAST = Backoff(initial_seconds=0.05, factor=1.5, max_seconds=0.2)


@cache
def keys() -> SigningKeyPair:
    return generate_key_pair(kid="baton-key-1")


@pytest.fixture(scope="module")
def scrt_url() -> Iterator[str]:
    with serve_in_thread(create_miaw_app(MiawConfig(ping_interval_seconds=0.2))) as url:
        yield url


@pytest.fixture
async def http(scrt_url: str) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(timeout=10.0) as client:
        # One server per module; each test starts from a fresh org.
        assert (await client.post(f"{scrt_url}/_emulator/miaw/reset")).status_code == 204
        deployment = {
            "orgId": ORG_ID,
            "esDeveloperName": DEPLOYMENT,
            "hiddenPrechatFields": list(ROUTING),
            "keyset": {"name": "BatonKeys", "issuer": ISSUER, "keys": []},
        }
        assert (
            await client.post(f"{scrt_url}/_emulator/miaw/deployments", json=deployment)
        ).status_code == 201
        # Keys are uploaded one JWK at a time, as in Setup.
        response = await client.post(
            f"{scrt_url}/_emulator/miaw/deployments/{DEPLOYMENT}/keys", json=keys().jwk
        )
        assert response.status_code == 201
        yield client


@pytest.fixture
def client(http: httpx2.AsyncClient, scrt_url: str) -> MiawClient:
    # The 15-character org id: the emulator, like Salesforce, accepts both forms.
    return MiawClient(http, scrt_url, ORG_ID[:15], DEPLOYMENT)


def identity(subject: str = "contact-1", signer: SigningKeyPair | None = None) -> str:
    pair = signer or keys()
    return customer_identity_token(pair.private_key_pem, kid=pair.kid, issuer=ISSUER, subject=subject)


class VerifiedTokens:
    """Mints verified-user tokens; counts renewals after 401s."""

    def __init__(self, client: MiawClient, grant: AccessTokenGrant) -> None:
        self.client = client
        self.grant = grant
        self.renewals = 0

    async def access_token(self) -> str:
        return self.grant.access_token

    async def renew_access_token(self) -> str:
        self.renewals += 1
        self.grant = await self.client.authenticated_token(identity(), require_verified=True)
        return self.grant.access_token


class Rep:
    def __init__(self, http: httpx2.AsyncClient, scrt_url: str) -> None:
        self.http = http
        self.base = f"{scrt_url}/_emulator/miaw"

    async def post(self, path: str, body: object = None) -> httpx2.Response:
        response = await self.http.post(self.base + path, json=body)
        assert response.is_success, response.text
        return response

    async def queue(self) -> list[dict[str, object]]:
        conversations: list[dict[str, object]] = (await self.http.get(f"{self.base}/queue")).json()[
            "conversations"
        ]
        return conversations


@pytest.fixture
def rep(http: httpx2.AsyncClient, scrt_url: str) -> Rep:
    return Rep(http, scrt_url)


async def next_of(stream: MessagingStream, kind: type[StreamItem]) -> StreamItem:
    with anyio.fail_after(5):
        async for item in stream:
            if isinstance(item, kind):
                return item
    raise AssertionError("stream ended")


async def test_verified_token_is_accepted(client: MiawClient) -> None:
    grant = await client.authenticated_token(identity("contact-42"), require_verified=True)
    assert grant.is_authenticated
    assert grant.subject == "v2/iamessage/AUTH/BatonKeys/uid:contact-42"
    assert grant.expires_at is not None
    assert grant.hidden_prechat_fields == list(ROUTING)


async def test_wrong_key_falls_back_to_guest_and_is_detected(client: MiawClient) -> None:
    impostor = generate_key_pair(kid=keys().kid)
    grant = await client.authenticated_token(identity(signer=impostor))
    assert not grant.is_authenticated
    assert "/ANON/" in grant.subject
    with pytest.raises(IdentityNotVerified):
        await client.authenticated_token(identity(signer=impostor), require_verified=True)


async def test_conversation_with_routing_attributes_and_ordered_transcript(
    client: MiawClient, rep: Rep
) -> None:
    grant = await client.unauthenticated_token()
    conversation_id = str(uuid.uuid4())
    await client.create_conversation(grant.access_token, conversation_id, ROUTING)
    transcript = [f"[AI 10:0{n}] line {n}" for n in range(5)]
    for line in transcript:
        await client.send_text(grant.access_token, conversation_id, str(uuid.uuid4()), line)
    [queued] = await rep.queue()
    assert queued["conversationId"] == conversation_id
    assert queued["routingAttributes"] == ROUTING
    texts = [e["text"] for e in queued["transcript"] if e["entryType"] == "Message"]  # type: ignore[attr-defined, index]
    assert texts == transcript
    entries = await client.list_entries(grant.access_token, conversation_id, limit=2)
    assert [e.text for e in entries if isinstance(e, MessageEvent)] == transcript
    assert isinstance(entries[0], RoutingResultEvent) and entries[0].estimated_wait_seconds == 60


async def test_rep_accepts_and_replies_over_sse(
    client: MiawClient, rep: Rep, http: httpx2.AsyncClient, scrt_url: str
) -> None:
    grant = await client.authenticated_token(identity(), require_verified=True)
    stream = consume_stream(
        http, scrt_url, VerifiedTokens(client, grant), ORG_ID[:15], grant.last_event_id, backoff=FAST
    )
    try:
        conversation_id = str(uuid.uuid4())
        await client.create_conversation(grant.access_token, conversation_id, ROUTING)
        routing = await next_of(stream, RoutingResultEvent)
        assert routing.conversation_id == conversation_id
        message_id = str(uuid.uuid4())
        await client.send_text(grant.access_token, conversation_id, message_id, "I need a human")
        echo = await next_of(stream, MessageEvent)
        assert isinstance(echo, MessageEvent)
        assert (echo.sender_role, echo.identifier) == ("EndUser", message_id)

        await rep.post(f"/conversations/{conversation_id}/accept", {"displayName": "Jane (Support)"})
        joined = await next_of(stream, ParticipantChangedEvent)
        assert isinstance(joined, ParticipantChangedEvent)
        assert joined.agent_joined is not None and joined.agent_joined.display_name == "Jane (Support)"
        active = await next_of(stream, SessionStatusChangedEvent)
        assert isinstance(active, SessionStatusChangedEvent) and active.status == "Active"

        await rep.post(f"/conversations/{conversation_id}/messages", {"text": "Hi, Jane here."})
        reply = await next_of(stream, MessageEvent)
        assert isinstance(reply, MessageEvent)
        assert (reply.sender_role, reply.sender_display_name, reply.text) == (
            "Agent",
            "Jane (Support)",
            "Hi, Jane here.",
        )
        assert reply.event_id is not None and stream.last_event_id == reply.event_id
    finally:
        await stream.aclose()


async def test_drop_reconnect_and_reconcile_exactly_once(
    client: MiawClient, rep: Rep, http: httpx2.AsyncClient, scrt_url: str
) -> None:
    # The real server is reported not to replay; the client must reconcile via /entries.
    await rep.post("/faults", {"replayOnReconnect": False})
    grant = await client.authenticated_token(identity(), require_verified=True)
    conversation_id = str(uuid.uuid4())
    stream = consume_stream(
        http, scrt_url, VerifiedTokens(client, grant), ORG_ID[:15], grant.last_event_id, backoff=FAST
    )
    delivered: dict[str, str] = {}
    newest_ms = 0

    def deliver(event: MessageEvent) -> bool:
        nonlocal newest_ms
        if event.sender_role != "Agent" or event.identifier is None or event.identifier in delivered:
            return False
        delivered[event.identifier] = event.text
        newest_ms = max(newest_ms, event.transcripted_timestamp or 0)
        return True

    try:
        # Without replay, anything before the stream opens is lost: open it first.
        await next_of(stream, StreamConnected)
        await client.create_conversation(grant.access_token, conversation_id, ROUTING)
        await next_of(stream, RoutingResultEvent)
        await rep.post(f"/conversations/{conversation_id}/accept", {"displayName": "Jane"})
        await rep.post(f"/conversations/{conversation_id}/messages", {"text": "one"})
        first = await next_of(stream, MessageEvent)
        assert isinstance(first, MessageEvent) and deliver(first)

        # The stream drops; while we are away the rep writes twice.
        await rep.post("/faults/drop-streams")
        await rep.post(f"/conversations/{conversation_id}/messages", {"text": "two"})
        await rep.post(f"/conversations/{conversation_id}/messages", {"text": "three"})

        reconnected = await next_of(stream, StreamReconnected)
        assert isinstance(reconnected, StreamReconnected)
        assert reconnected.last_event_id == first.event_id
        missed = await client.list_entries(grant.access_token, conversation_id, since_ms=newest_ms)
        recovered = [e.text for e in missed if isinstance(e, MessageEvent) and deliver(e)]
        assert recovered == ["two", "three"]

        await rep.post(f"/conversations/{conversation_id}/messages", {"text": "four"})
        live = await next_of(stream, MessageEvent)
        assert isinstance(live, MessageEvent) and deliver(live)
        assert list(delivered.values()) == ["one", "two", "three", "four"]
    finally:
        await stream.aclose()


async def test_expired_token_on_the_stream_is_renewed(
    client: MiawClient, rep: Rep, http: httpx2.AsyncClient, scrt_url: str
) -> None:
    grant = await client.authenticated_token(identity(), require_verified=True)
    tokens = VerifiedTokens(client, grant)
    conversation_id = str(uuid.uuid4())
    await client.create_conversation(grant.access_token, conversation_id, ROUTING)
    await rep.post(f"/conversations/{conversation_id}/accept", {"displayName": "Jane"})
    stream = consume_stream(http, scrt_url, tokens, ORG_ID[:15], grant.last_event_id, backoff=FAST)
    try:
        await next_of(stream, SessionStatusChangedEvent)
        await rep.post("/faults/expire-tokens")
        await rep.post("/faults/drop-streams")
        await next_of(stream, StreamReconnected)
        assert tokens.renewals == 1
        await rep.post(f"/conversations/{conversation_id}/messages", {"text": "after renewal"})
        message = await next_of(stream, MessageEvent)
        assert isinstance(message, MessageEvent) and message.text == "after renewal"
    finally:
        await stream.aclose()


async def test_ended_session_then_417_then_new_session(
    client: MiawClient, rep: Rep, http: httpx2.AsyncClient, scrt_url: str
) -> None:
    grant = await client.unauthenticated_token()
    token = grant.access_token
    conversation_id = str(uuid.uuid4())
    await client.create_conversation(token, conversation_id, ROUTING)
    await rep.post(f"/conversations/{conversation_id}/accept", {"displayName": "Jane"})
    stream = consume_stream(
        http, scrt_url, VerifiedTokens(client, grant), ORG_ID, grant.last_event_id, backoff=FAST
    )
    try:
        await rep.post(f"/conversations/{conversation_id}/end")
        ended = None
        while ended is None:
            item = await next_of(stream, SessionStatusChangedEvent)
            if isinstance(item, SessionStatusChangedEvent) and item.status == "Ended":
                ended = item
        assert ended.ended_by_role == "Agent"
        left = await next_of(stream, ParticipantChangedEvent)
        assert isinstance(left, ParticipantChangedEvent) and left.agent_left is not None
    finally:
        await stream.aclose()

    message_id = str(uuid.uuid4())
    with pytest.raises(NoActiveSession):
        await client.send_text(token, conversation_id, message_id, "Are you still there?")
    await client.send_text(
        token,
        conversation_id,
        message_id,
        "Are you still there?",
        new_session=True,
        routing_attributes=ROUTING,
    )
    [queued] = await rep.queue()
    assert queued["status"] == "Waiting" and queued["routingAttributes"] == ROUTING


async def test_file_upload_end_session_and_close(client: MiawClient, rep: Rep) -> None:
    grant = await client.unauthenticated_token()
    conversation_id = str(uuid.uuid4())
    await client.create_conversation(grant.access_token, conversation_id, None)
    sent = await client.upload_file(
        grant.access_token,
        conversation_id,
        str(uuid.uuid4()),
        "notes.txt",
        b"hello",
        content_type="text/plain",
    )
    entries = await client.list_entries(grant.access_token, conversation_id)
    [upload] = [e for e in entries if isinstance(e, MessageEvent)]
    assert upload.identifier == sent.id and upload.attachments[0].name == "notes.txt"
    await client.end_session(grant.access_token, conversation_id)
    await client.close_conversation(grant.access_token, conversation_id)
    [queued] = await rep.queue()
    assert queued["closed"] is True
