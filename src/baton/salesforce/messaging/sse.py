"""The MIAW event stream: connect, read, and reconnect on any drop.

Salesforce leaves reconnection to the client and does not promise replay after
``Last-Event-Id``, so every reconnect is surfaced as ``StreamReconnected`` and
the caller reconciles through ``/entries`` (de-duplicating by identifier).
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import anyio
import httpx2

from baton.salesforce.errors import AuthExpired, RateLimited, Transient
from baton.salesforce.messaging.calls import CallRecord, OnCall, report
from baton.salesforce.messaging.errors import error_for_response
from baton.salesforce.messaging.events import ConversationEvent, parse_sse_event

SSE_PATH = "/eventrouter/v1/sse"


class TokenProvider(Protocol):
    """Where the stream gets its bearer token."""

    async def access_token(self) -> str:
        """The token to connect with."""
        ...

    async def renew_access_token(self) -> str:
        """A fresh token after the server answered 401."""
        ...


@dataclass(frozen=True)
class StreamConnected:
    """The first connection is open: events from here on will arrive.

    Salesforce sends nothing for what happened before the stream opened, so
    create conversations after this (or reconcile through ``/entries``).
    """

    last_event_id: str


@dataclass(frozen=True)
class StreamReconnected:
    """The stream came back after a drop: reconcile through ``/entries`` now."""

    attempts: int
    last_event_id: str
    reason: str


StreamItem = ConversationEvent | StreamConnected | StreamReconnected


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter (defaults follow Salesforce's sample app)."""

    initial_seconds: float = 1.0
    factor: float = 1.5
    max_seconds: float = 30.0
    #: The delay is drawn from ``[delay * (1 - jitter), delay]``.
    jitter: float = 0.5

    def delay(self, attempt: int, server_retry_ms: int | None, rng: Callable[[], float]) -> float:
        """Seconds to wait before reconnect ``attempt`` (1-based)."""
        base = server_retry_ms / 1000 if server_retry_ms is not None else self.initial_seconds
        delay = min(self.max_seconds, base * self.factor ** max(0, attempt - 1))
        return delay * (1 - self.jitter * rng())


class MessagingStream:
    """An async iterator of ``ConversationEvent``, ``StreamConnected`` and ``StreamReconnected`` items.

    ``last_event_id`` always holds the id of the newest event read, so the owner
    can persist it and resume from it later.
    """

    def __init__(
        self,
        http: httpx2.AsyncClient,
        scrt_url: str,
        token_provider: TokenProvider,
        org_id: str,
        last_event_id: str,
        *,
        backoff: Backoff | None = None,
        heartbeat_timeout: float = 90.0,
        max_attempts: int | None = None,
        max_unauthorized: int = 3,
        on_call: OnCall | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._http = http
        self._url = scrt_url.rstrip("/") + SSE_PATH
        self._tokens = token_provider
        self._org_id = org_id
        self.last_event_id = last_event_id
        self._backoff = backoff or Backoff()
        self._heartbeat = heartbeat_timeout
        self._max_attempts = max_attempts
        self._max_unauthorized = max_unauthorized
        self._on_call = on_call
        self._sleep = sleep
        self._rng = rng
        self._server_retry_ms: int | None = None
        self._items: AsyncGenerator[StreamItem] | None = None
        self._last_reason = ""

    def __aiter__(self) -> AsyncIterator[StreamItem]:
        return self

    async def __anext__(self) -> StreamItem:
        if self._items is None:
            self._items = self._run()
        return await anext(self._items)

    async def aclose(self) -> None:
        """Close the connection and stop."""
        if self._items is not None:
            await self._items.aclose()

    async def _run(self) -> AsyncGenerator[StreamItem]:
        token = await self._tokens.access_token()
        failures = 0
        unauthorized = 0
        connected_before = False
        while True:
            reason: str
            try:
                async with self._http.stream(
                    "GET",
                    self._url,
                    headers=self._headers(token),
                    # A cache-buster, as Salesforce's sample client does on every (re)connect.
                    params={"_ts": str(int(time.time() * 1000))},
                    # No byte for this long (not even a ping) means the connection is dead.
                    timeout=httpx2.Timeout(10.0, read=self._heartbeat),
                ) as response:
                    self._report(response.status_code, None)
                    if response.status_code == 401:
                        unauthorized += 1
                        if unauthorized > self._max_unauthorized:
                            raise AuthExpired(
                                "MIAW event stream: access token refused after renewal.", status=401
                            )
                        token = await self._tokens.renew_access_token()
                        continue
                    if response.status_code != 200:
                        await response.aread()
                        error = error_for_response(response, "event_stream")
                        if not isinstance(error, Transient | RateLimited):
                            raise error
                        raise _Retry(f"HTTP {response.status_code}")
                    unauthorized = 0
                    if connected_before:
                        yield StreamReconnected(failures, self.last_event_id, self._last_reason)
                    else:
                        yield StreamConnected(self.last_event_id)
                    connected_before = True
                    failures = 0
                    async for sse in httpx2.EventSource(response):
                        event = self._accept(sse)
                        if event is not None:
                            yield event
                    reason = "stream ended"
            except _Retry as exc:
                reason = str(exc)
            except httpx2.TransportError as exc:
                self._report(None, type(exc).__name__)
                reason = type(exc).__name__
            self._last_reason = reason
            failures += 1
            if self._max_attempts is not None and failures > self._max_attempts:
                raise Transient(
                    f"MIAW event stream: gave up after {failures - 1} attempts ({reason}).", ambiguous=False
                )
            await self._sleep(self._backoff.delay(failures, self._server_retry_ms, self._rng))

    def _accept(self, sse: httpx2.ServerSentEvent) -> ConversationEvent | None:
        """Track ``retry:`` and the last event id; parse anything that is not a keep-alive."""
        if sse.retry is not None:
            self._server_retry_ms = sse.retry
        if sse.event == "ping" or not sse.data:
            return None
        if sse.id:
            self.last_event_id = sse.id
        return parse_sse_event(sse.event, sse.id or None, sse.data)

    def _headers(self, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "X-Org-Id": self._org_id,
            "Last-Event-Id": self.last_event_id,
            "Accept": "text/event-stream",
            "Cache-Control": "no-store",
        }

    def _report(self, status: int | None, error_code: str | None) -> None:
        report(
            self._on_call,
            CallRecord(
                operation="event_stream",
                method="GET",
                path=SSE_PATH,
                status=status,
                duration_ms=0.0,
                error_code=error_code,
            ),
        )


class _Retry(Exception):
    """A connect answer worth retrying (5xx, 429)."""


def consume_stream(
    http: httpx2.AsyncClient,
    scrt_url: str,
    token_provider: TokenProvider,
    org_id: str,
    last_event_id: str,
    *,
    backoff: Backoff | None = None,
    heartbeat_timeout: float = 90.0,
    max_attempts: int | None = None,
    on_call: OnCall | None = None,
) -> MessagingStream:
    """Stream events for the token's subject: ``async for item in consume_stream(...)``.

    Raises ``AuthExpired`` when renewed tokens keep being refused, ``Permanent``
    for a 4xx other than 401/429 (wrong org id, missing header), ``Transient``
    after ``max_attempts`` consecutive failed reconnects (None: never gives up).
    Close with ``await stream.aclose()`` or by leaving the ``async for``.
    """
    return MessagingStream(
        http,
        scrt_url,
        token_provider,
        org_id,
        last_event_id,
        backoff=backoff,
        heartbeat_timeout=heartbeat_timeout,
        max_attempts=max_attempts,
        on_call=on_call,
    )


__all__ = [
    "Backoff",
    "MessagingStream",
    "StreamConnected",
    "StreamItem",
    "StreamReconnected",
    "TokenProvider",
    "consume_stream",
]
