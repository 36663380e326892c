"""``GET /eventrouter/v1/sse``: one stream per end-user subject.

Faults live here too: streams end after a configurable lifetime or on demand,
events can be delayed, and replay after ``Last-Event-Id`` can be switched off
(field reports say the real server does not replay), so clients must
reconcile through ``/entries``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from salesforce_emulator.miaw.bus import StoredEvent
from salesforce_emulator.miaw.errors import ApiError
from salesforce_emulator.miaw.request_parsing import bearer
from salesforce_emulator.miaw.state import MiawState, org_ids_match

SSE_PATH = "/eventrouter/v1/sse"


def _frame(event: StoredEvent) -> str:
    return f"event: {event.event_name}\nid: {event.event_id}\ndata: {event.data}\n\n"


class SseEndpoint:
    """The event router bound to one emulator state."""

    def __init__(self, state: MiawState) -> None:
        self.state = state
        self.open_streams = 0
        self.connections = 0

    def routes(self) -> list[Route]:
        """The single SSE route."""
        return [Route(SSE_PATH, self.stream, methods=["GET"])]

    async def stream(self, request: Request) -> StreamingResponse:
        """Validate the headers Salesforce requires, then stream."""
        access = bearer(request, self.state)
        org_id = request.headers.get("x-org-id")
        if not org_id:
            raise ApiError(400, "The X-Org-Id header is required.")
        if not org_ids_match(org_id, access.org_id):
            raise ApiError(400, "X-Org-Id does not match the access token's org.")
        raw_last = request.headers.get("last-event-id")
        if raw_last is None or raw_last == "":
            raise ApiError(400, "The Last-Event-Id header is required.")
        try:
            last_id = int(raw_last)
        except ValueError as exc:
            raise ApiError(400, "Last-Event-Id must be an event id.") from exc
        # Without replay the stream starts at "now", whatever the client saw.
        cursor = last_id if self.state.config.replay_on_reconnect else max(last_id, self.state.bus.last_id)
        self.connections += 1
        return StreamingResponse(
            self._events(access.subject, cursor),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def _events(self, subject: str, cursor: int) -> AsyncIterator[str]:
        state = self.state
        config = state.config
        generation = state.bus.generation
        lifetime = config.drop_streams_every_seconds
        deadline = state.monotonic() + lifetime if lifetime is not None else None
        self.open_streams += 1
        try:
            if config.sse_retry_ms is not None:
                yield f"retry: {config.sse_retry_ms}\n\n"
            else:
                # A comment line gets the response going on every proxy.
                yield ": connected\n\n"
            while True:
                if state.bus.generation != generation:
                    return
                pending = state.bus.events_after(subject, cursor)
                if pending:
                    for event in pending:
                        if config.event_delay_seconds:
                            await asyncio.sleep(config.event_delay_seconds)
                        if state.bus.generation != generation:
                            return
                        yield _frame(event)
                        cursor = event.event_id
                    continue
                timeout = config.ping_interval_seconds
                if deadline is not None:
                    remaining = deadline - state.monotonic()
                    if remaining <= 0:
                        return
                    timeout = min(timeout, remaining)
                waiter = state.bus.waiter(subject)
                try:
                    await asyncio.wait_for(waiter.wait(), timeout)
                except TimeoutError:
                    if deadline is not None and state.monotonic() >= deadline:
                        return
                    yield "event: ping\ndata: 0\n\n"
        finally:
            self.open_streams -= 1
