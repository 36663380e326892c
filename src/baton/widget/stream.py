"""The visitor's event stream: new messages, live events and the handoff notice, as Server-Sent Events.

The database is the source of truth: the stream polls it (every ``poll_seconds``, or
at once when this process wrote to the session) and names every event by a cursor
(see ``transcript.Cursor``) so a reconnecting browser resumes exactly after the last
event it got. Rows committed out of id order by concurrent writers on PostgreSQL are
caught by looking back ``late_commit_grace_seconds`` behind the cursor.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from baton.services import Services
from baton.store.models import LiveEvent, Message, Session
from baton.widget.settings import WidgetSettings
from baton.widget.transcript import (
    KNOWN_LIVE_TYPES,
    Cursor,
    current_agent_name,
    epoch_ms,
    handoff_out,
    is_visitor_event,
    live_event_out,
    message_out,
    public_messages,
    state_out,
    visible_live_events,
)
from baton.widget.wakeup import stream_waiter

# The browser's EventSource waits this long before reconnecting by itself.
RETRY_MS = 3000


class StreamSlots:
    """A per-process cap on open streams: each holds a task, a socket and a polling loop."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0

    def try_acquire(self) -> bool:
        if self.open >= self.limit:
            return False
        self.open += 1
        return True

    def release(self) -> None:
        self.open = max(0, self.open - 1)


class SlotStreamingResponse(StreamingResponse):
    """Gives its stream slot back however the response ends (even if it never started streaming)."""

    def __init__(self, content: AsyncIterator[str], release: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


def format_event(event: str | None, data: Any, event_id: str | None = None) -> str:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if event is not None:
        lines.append(f"event: {event}")
    # json.dumps never emits a raw newline, so the payload is always a single data line.
    lines.append(f"data: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}")
    return "\n".join(lines) + "\n\n"


class _Sequence:
    """One id sequence (messages or live events) as delivered to this stream."""

    def __init__(self, start: int, grace: float) -> None:
        self.high = start  # the cursor: the highest id delivered
        self.floor = start  # ids at or below are settled: delivered, or never coming
        self.grace = grace
        self._recent: deque[tuple[float, int]] = deque()
        self._recent_ids: set[int] = set()

    def is_new(self, row_id: int) -> bool:
        return row_id > self.floor and row_id not in self._recent_ids

    def delivered(self, row_id: int, now: float) -> None:
        self.high = max(self.high, row_id)
        self._recent.append((now, row_id))
        self._recent_ids.add(row_id)

    def settle(self, now: float) -> None:
        while self._recent and self._recent[0][0] <= now - self.grace:
            _, row_id = self._recent.popleft()
            self._recent_ids.discard(row_id)
            self.floor = max(self.floor, row_id)
        if not self._recent:
            self.floor = max(self.floor, self.high)


def _merge(messages: list[Message], events: list[LiveEvent]) -> list[Message | LiveEvent]:
    """Both lists by time, each kept in id order (the cursor of each sequence only moves forward)."""
    merged: list[Message | LiveEvent] = []
    i = j = 0
    while i < len(messages) or j < len(events):
        take_message = j >= len(events) or (
            i < len(messages) and messages[i].created_at <= events[j].created_at
        )
        if take_message:
            merged.append(messages[i])
            i += 1
        else:
            merged.append(events[j])
            j += 1
    return merged


class _Progress:
    """Where one stream stands: both sequences, the handoff announced, the state last described."""

    def __init__(self, start: Cursor, grace: float) -> None:
        self.messages = _Sequence(start.message_id, grace)
        self.live = _Sequence(start.live_event_id, grace)
        self.handoff_ms = start.handoff_ms
        self.last_state: dict[str, Any] | None = None

    def cursor(self) -> str:
        return Cursor(self.messages.high, self.live.high, self.handoff_ms).encode()

    async def poll(self, db: AsyncSession, session: Session) -> list[str]:
        """The frames to send now, in order; an empty list when nothing changed."""
        out: list[str] = []
        state = {
            "status": session.status,
            "assignee": session.assignee,
            "handoff_state": session.handoff_state,
        }
        state_changed = state != self.last_state
        # No id on state events: they describe "now" and must not move the browser's cursor.
        if state_changed and self.last_state is None:
            out.append(format_event("state", state_out(session, await current_agent_name(db, session.id))))
        now = time.monotonic()
        new_messages = [
            m
            for m in await public_messages(db, session.id, self.messages.floor)
            if self.messages.is_new(m.id)
        ]
        new_events = [
            e for e in await visible_live_events(db, session.id, self.live.floor) if self.live.is_new(e.id)
        ]
        for item in _merge(new_messages, new_events):
            if isinstance(item, Message):
                self.messages.delivered(item.id, now)
                out.append(format_event("message", message_out(item), self.cursor()))
            elif is_visitor_event(item):
                self.live.delivered(item.id, now)  # the visitor's own typing: skip it, but move past it
            else:
                self.live.delivered(item.id, now)
                name = item.type if item.type in KNOWN_LIVE_TYPES else "live"
                out.append(format_event(name, live_event_out(item), self.cursor()))
        requested_ms = epoch_ms(session.handoff_requested_at)
        if requested_ms > self.handoff_ms:
            self.handoff_ms = requested_ms
            out.append(format_event("handoff", handoff_out(session), self.cursor()))
        if state_changed and self.last_state is not None:
            out.append(format_event("state", state_out(session, await current_agent_name(db, session.id))))
        self.last_state = state
        self.messages.settle(now)
        self.live.settle(now)
        return out


async def session_events(
    services: Services, settings: WidgetSettings, session_id: str, start: Cursor
) -> AsyncIterator[str]:
    """The stream's body: ``state`` first, then every new item, heartbeats while idle."""
    progress = _Progress(start, settings.late_commit_grace_seconds)
    last_sent = time.monotonic()
    yield f"retry: {RETRY_MS}\n\n"
    with stream_waiter(session_id) as woken:
        while True:
            async with services.session_factory() as db:
                session = await db.get(Session, session_id)
                if session is None:
                    yield format_event("gone", {"session_id": session_id})
                    return
                frames = await progress.poll(db, session)
            for frame in frames:
                yield frame
            idle = time.monotonic() - last_sent
            if frames:
                last_sent = time.monotonic()
            elif idle >= settings.heartbeat_seconds:
                yield ": heartbeat\n\n"
                last_sent = time.monotonic()
            wait = min(
                settings.poll_seconds, max(0.0, settings.heartbeat_seconds - (time.monotonic() - last_sent))
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), timeout=wait)
            woken.clear()
