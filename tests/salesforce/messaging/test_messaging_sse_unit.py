"""The stream consumer against scripted responses: headers, reconnects, 401 renewal, backoff."""

from __future__ import annotations

import json
from collections.abc import Callable

import anyio
import httpx2
import pytest

from baton.salesforce.errors import AuthExpired, Permanent, Transient
from baton.salesforce.messaging import MessageEvent, StreamConnected, StreamReconnected
from baton.salesforce.messaging.sse import Backoff, MessagingStream, StreamItem

pytestmark = pytest.mark.anyio

SCRT = "https://acme.my.salesforce-scrt.com"
CONVERSATION = "0b7c4a52-51a5-4f4a-9a8e-0f9e3c1d2b3a"


def frame(event_id: int, text: str) -> str:
    entry = {
        "identifier": f"e-{event_id}",
        "entryType": "Message",
        "entryPayload": json.dumps(
            {"abstractMessage": {"staticContent": {"formatType": "Text", "text": text}}}
        ),
        "sender": {"role": "Agent"},
    }
    data = json.dumps({"conversationId": CONVERSATION, "conversationEntry": entry})
    return f"event: CONVERSATION_MESSAGE\nid: {event_id}\ndata: {data}\n\n"


def sse_response(*frames: str) -> httpx2.Response:
    return httpx2.Response(
        200, headers={"content-type": "text/event-stream"}, content="".join(frames).encode()
    )


class Tokens:
    def __init__(self) -> None:
        self.renewals = 0

    async def access_token(self) -> str:
        return "token-0"

    async def renew_access_token(self) -> str:
        self.renewals += 1
        return f"token-{self.renewals}"


def stream_with(
    handler: Callable[[httpx2.Request], httpx2.Response],
    tokens: Tokens,
    sleeps: list[float],
    **kwargs: object,
) -> MessagingStream:
    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    http = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    return MessagingStream(
        http,
        SCRT,
        tokens,
        "00D5g000004ABCD",
        "100",
        sleep=fake_sleep,
        rng=lambda: 0.0,
        **kwargs,  # type: ignore[arg-type]
    )


async def take(stream: MessagingStream, count: int) -> list[StreamItem]:
    items: list[StreamItem] = []
    with anyio.fail_after(5):
        async for item in stream:
            items.append(item)
            if len(items) == count:
                break
    await stream.aclose()
    return items


async def test_headers_last_event_id_tracking_and_reconnect() -> None:
    requests: list[httpx2.Request] = []
    script = [
        sse_response(": hi\n\n", "event: ping\ndata: 0\n\n", frame(101, "one"), frame(102, "two")),
        sse_response("retry: 4000\n\n", frame(103, "three")),
    ]

    def handler(request: httpx2.Request) -> httpx2.Response:
        requests.append(request)
        return script.pop(0)

    sleeps: list[float] = []
    stream = stream_with(handler, Tokens(), sleeps)
    items = await take(stream, 5)
    assert [type(i).__name__ for i in items] == [
        "StreamConnected",
        "MessageEvent",
        "MessageEvent",
        "StreamReconnected",
        "MessageEvent",
    ]
    first = requests[0]
    assert first.url.path == "/eventrouter/v1/sse"
    assert first.headers["authorization"] == "Bearer token-0"
    assert first.headers["x-org-id"] == "00D5g000004ABCD"
    assert first.headers["last-event-id"] == "100"
    assert first.headers["accept"] == "text/event-stream"
    assert "_ts" in first.url.params
    assert requests[1].headers["last-event-id"] == "102"
    assert isinstance(items[0], StreamConnected) and items[0].last_event_id == "100"
    reconnected = items[3]
    assert isinstance(reconnected, StreamReconnected) and reconnected.last_event_id == "102"
    assert isinstance(items[4], MessageEvent) and items[4].text == "three"
    assert stream.last_event_id == "103"
    assert sleeps == [1.0]


async def test_server_retry_and_exponential_backoff() -> None:
    script: list[httpx2.Response | Exception] = [
        sse_response("retry: 200\n\n"),
        httpx2.ConnectError("refused"),
        httpx2.Response(503),
        httpx2.Response(429),
        sse_response(frame(101, "back")),
    ]

    def handler(request: httpx2.Request) -> httpx2.Response:
        item = script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    sleeps: list[float] = []
    items = await take(
        stream_with(handler, Tokens(), sleeps, backoff=Backoff(factor=2.0, max_seconds=0.5)), 3
    )
    assert isinstance(items[1], StreamReconnected) and items[1].attempts == 4
    assert sleeps == [0.2, 0.4, 0.5, 0.5]


def test_jitter_stays_within_bounds() -> None:
    backoff = Backoff(initial_seconds=2.0, factor=1.5, max_seconds=30.0, jitter=0.5)
    assert backoff.delay(1, None, lambda: 0.0) == 2.0
    assert backoff.delay(1, None, lambda: 1.0) == 1.0
    assert backoff.delay(20, None, lambda: 0.0) == 30.0


async def test_401_renews_the_token() -> None:
    tokens = Tokens()
    seen: list[str] = []
    script = [httpx2.Response(401, json={"message": "expired"}), sse_response(frame(101, "ok"))]

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers["authorization"])
        return script.pop(0)

    items = await take(stream_with(handler, tokens, []), 2)
    assert seen == ["Bearer token-0", "Bearer token-1"]
    assert isinstance(items[1], MessageEvent)


async def test_401_forever_raises_auth_expired() -> None:
    tokens = Tokens()
    stream = stream_with(lambda r: httpx2.Response(401, json={"message": "no"}), tokens, [])
    with pytest.raises(AuthExpired):
        await take(stream, 1)
    assert tokens.renewals == 3


async def test_bad_request_is_permanent() -> None:
    stream = stream_with(
        lambda r: httpx2.Response(400, json={"message": "X-Org-Id is required"}), Tokens(), []
    )
    with pytest.raises(Permanent, match="X-Org-Id"):
        await take(stream, 1)


async def test_gives_up_after_max_attempts() -> None:
    sleeps: list[float] = []
    stream = stream_with(lambda r: httpx2.Response(503), Tokens(), sleeps, max_attempts=2)
    with pytest.raises(Transient):
        await take(stream, 1)
    assert len(sleeps) == 2
