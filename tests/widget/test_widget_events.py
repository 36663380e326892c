"""The visitor's event stream over a real loopback socket (in-process transports buffer SSE)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx2
import pytest
from fastapi import FastAPI
from widget_support import SseEvent, SseReader, WidgetSession, start_session

from baton.app import create_app
from baton.conversations.service import add_message
from baton.handoff.service import HandoffRequest, request_handoff
from baton.services import Services
from baton.store.models import LiveEvent, Session
from baton.widget.settings import WidgetSettings
from baton_support import OrgCredentials, serve_on_loopback

pytestmark = pytest.mark.anyio

FAST = WidgetSettings(poll_seconds=0.05, heartbeat_seconds=0.3, max_streams=2)


@pytest.fixture
def baton_url(services: Services) -> Iterator[str]:
    """Baton on a loopback port, its own services on the test's database (as `baton serve`)."""

    def app_for(url: str) -> FastAPI:
        app = create_app(services.settings, run_worker=False)
        app.state.widget_settings = FAST
        return app

    with serve_on_loopback(app_for) as url:
        yield url


@pytest.fixture
async def http(baton_url: str) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=baton_url, timeout=30) as client:
        yield client


@asynccontextmanager
async def open_events(
    http: httpx2.AsyncClient, visitor: WidgetSession, last_event_id: str | None = None
) -> AsyncIterator[SseReader]:
    headers = {**visitor.headers, "Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    async with http.stream(
        "GET", f"/widget/v1/sessions/{visitor.session_id}/events", headers=headers
    ) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-store"
        yield SseReader(response.aiter_lines())


async def write(
    services: Services,
    session_id: str,
    *,
    role: str | None = None,
    text: str = "",
    author: str | None = None,
    internal: bool = False,
    live: tuple[str, dict[str, object]] | None = None,
) -> int:
    """Add a message or a live event as another process would (the relay), with no wake-up."""
    async with services.session_factory() as db, db.begin():
        session = await db.get(Session, session_id)
        assert session is not None
        if live is not None:
            event = LiveEvent(session_id=session.id, org_id=session.org_id, type=live[0], data=live[1])
            db.add(event)
            await db.flush()
            return event.id
        assert role is not None
        message = await add_message(db, session, role=role, text=text, author_name=author, internal=internal)
        assert message is not None
        await db.flush()
        return message.id


async def items_until(reader: SseReader, last_text: str) -> list[SseEvent]:
    """Every message/live event up to the message whose text is ``last_text`` (state events left out)."""
    got: list[SseEvent] = []
    while True:
        event = await reader.next_event()
        if event.event == "state":
            continue
        got.append(event)
        if event.event == "message" and event.data["text"] == last_text:
            return got


async def test_the_stream_sends_state_then_the_transcript_without_internal_notes(
    http: httpx2.AsyncClient, org: OrgCredentials, services: Services
) -> None:
    visitor = await start_session(http, org)
    await write(services, visitor.session_id, role="customer", text="Where is my order?")
    await write(services, visitor.session_id, role="agent", text="note: VIP", author="Rita", internal=True)
    await write(services, visitor.session_id, role="agent", text="Let me check.", author="Rita")
    async with open_events(http, visitor) as reader:
        first = await reader.next_event()
        assert first.event == "state" and first.id is None
        assert first.data["status"] == "open" and first.data["agent_name"] == "Rita"
        got = await items_until(reader, "Let me check.")
        assert reader.retry and reader.retry[0] > 0
    assert [(e.event, e.data["role"], e.data["text"]) for e in got] == [
        ("message", "customer", "Where is my order?"),
        ("message", "agent", "Let me check."),
    ]
    assert got[1].data["author_name"] == "Rita"


async def test_resuming_with_last_event_id_delivers_only_newer_items_exactly_once(
    http: httpx2.AsyncClient, org: OrgCredentials, services: Services
) -> None:
    visitor = await start_session(http, org)
    sid = visitor.session_id
    await write(services, sid, role="customer", text="one")
    await write(services, sid, role="ai", text="two")
    async with open_events(http, visitor) as reader:
        seen = await items_until(reader, "two")
        # A live write while connected arrives on the open stream (by polling: no wake-up from here).
        await write(services, sid, live=("typing", {"role": "agent", "name": "Rita", "active": True}))
        await write(services, sid, role="agent", text="three", author="Rita")
        seen += await items_until(reader, "three")
    assert [e.event for e in seen] == ["message", "message", "typing", "message"]
    resume_from = seen[1].id  # the browser got "two" and lost the connection
    assert resume_from is not None

    await write(services, sid, live=("participant", {"operation": "joined", "name": "Rita"}))
    await write(services, sid, role="agent", text="four", author="Rita", internal=True)
    await write(services, sid, role="agent", text="five", author="Rita")
    async with open_events(http, visitor, last_event_id=resume_from) as reader:
        resumed = await items_until(reader, "five")
        await write(services, sid, role="customer", text="six")
        resumed += await items_until(reader, "six")
    described = [(e.event, e.data.get("text") or e.data.get("type")) for e in resumed]
    assert described == [
        ("typing", "typing"),
        ("message", "three"),
        ("participant", "participant"),
        ("message", "five"),
        ("message", "six"),
    ]
    # Every id moves forward, and resuming from the last one gives nothing already seen.
    ids = [e.id for e in resumed]
    assert len(set(ids)) == len(ids)
    await write(services, sid, role="customer", text="seven")
    async with open_events(http, visitor, last_event_id=ids[-1]) as reader:
        assert [e.data["text"] for e in await items_until(reader, "seven")] == ["seven"]


async def test_the_visitors_own_typing_is_not_echoed(
    http: httpx2.AsyncClient, org: OrgCredentials, services: Services
) -> None:
    visitor = await start_session(http, org)
    async with open_events(http, visitor) as reader:
        response = await http.post(
            f"/widget/v1/sessions/{visitor.session_id}/typing", json={"active": True}, headers=visitor.headers
        )
        assert response.status_code == 204
        await write(services, visitor.session_id, role="agent", text="Hello!", author="Rita")
        got = await items_until(reader, "Hello!")
    assert [e.event for e in got] == ["message"]


async def test_a_handoff_is_announced_once_with_summary_reasons_and_sentiment(
    http: httpx2.AsyncClient, org: OrgCredentials, services: Services
) -> None:
    visitor = await start_session(http, org)
    async with open_events(http, visitor) as reader:
        assert (await reader.next_event()).event == "state"
        async with services.session_factory() as db, db.begin():
            session = await db.get(Session, visitor.session_id)
            assert session is not None
            await request_handoff(
                db,
                session,
                HandoffRequest(
                    reasons=["user_requested_human_assistance"], summary="Wants a person", sentiment="angry"
                ),
            )
        handoff = await reader.until("handoff")
        assert handoff.data["summary"] == "Wants a person"
        assert handoff.data["reasons"] == ["user_requested_human_assistance"]
        assert handoff.data["sentiment"] == "angry"
        state = await reader.until("state")
        assert state.data["assignee"] == "human"
    assert handoff.id is not None
    await write(services, visitor.session_id, role="agent", text="Hi, Rita here.", author="Rita")
    async with open_events(http, visitor, last_event_id=handoff.id) as reader:
        assert [e.event for e in await items_until(reader, "Hi, Rita here.")] == ["message"]


async def test_the_end_of_the_chat_is_sent(
    http: httpx2.AsyncClient, org: OrgCredentials, services: Services
) -> None:
    visitor = await start_session(http, org)
    async with open_events(http, visitor) as reader:
        await reader.until("state")
        await write(services, visitor.session_id, live=("ended", {"by": "agent", "name": "Rita"}))
        ended = await reader.until("ended")
        assert ended.data["data"] == {"by": "agent", "name": "Rita"}
        async with services.session_factory() as db, db.begin():
            session = await db.get(Session, visitor.session_id)
            assert session is not None
            session.status = "closed_resolved"
        state = await reader.until("state")
        assert state.data["ended"] is True and state.data["status"] == "closed_resolved"


async def test_idle_streams_get_heartbeats(http: httpx2.AsyncClient, org: OrgCredentials) -> None:
    visitor = await start_session(http, org)
    async with open_events(http, visitor) as reader:
        assert (await reader.next_event()).event == "state"
        assert await reader.next_comment() == ": heartbeat"
        assert await reader.next_comment() == ": heartbeat"


async def test_streams_beyond_the_cap_are_told_to_retry_later(
    http: httpx2.AsyncClient, org: OrgCredentials
) -> None:
    visitor = await start_session(http, org)
    async with open_events(http, visitor) as first, open_events(http, visitor) as second:
        await first.next_event()
        await second.next_event()
        refused = await http.get(f"/widget/v1/sessions/{visitor.session_id}/events", headers=visitor.headers)
        assert refused.status_code == 503
        assert int(refused.headers["retry-after"]) > 0

    # Closed streams give their slots back.
    async def reopened() -> bool:
        async with open_events(http, visitor) as again:
            return (await again.next_event()).event == "state"

    assert await reopened()


async def test_a_message_from_this_process_wakes_the_stream(
    http: httpx2.AsyncClient, org: OrgCredentials
) -> None:
    visitor = await start_session(http, org)
    async with open_events(http, visitor) as reader:
        await reader.until("state")
        response = await http.post(
            f"/widget/v1/sessions/{visitor.session_id}/messages",
            json={"text": "hello there"},
            headers=visitor.headers,
        )
        assert response.status_code == 201
        sent = await reader.until("message")
        assert sent.data["text"] == "hello there" and sent.data["role"] == "customer"
