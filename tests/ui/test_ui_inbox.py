"""The inbox list: only the org's sessions, newest first, filters and paging."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx2
import pytest
from ui_support import UiApp, make_session, sign_in

from baton.store.base import utcnow
from baton.ui.inbox_query import PAGE_SIZE

pytestmark = pytest.mark.anyio

TICKET = re.compile(r'<a href="/ui/sessions/[^"]+">#(\d+)</a>')


def tickets(html: str) -> list[int]:
    return [int(t) for t in TICKET.findall(html)]


@pytest.fixture
async def seeded(ui_app: UiApp) -> dict[str, int]:
    """Four Acme sessions of different kinds, one Globex session; returns ticket numbers by name."""
    factory = ui_app.services.session_factory
    base = utcnow() - timedelta(hours=1)
    made = {
        "email_open": await make_session(
            factory, ui_app.acme.id, email="ada@example.com", name="Ada", subject="Refund", created_at=base
        ),
        "handed_off": await make_session(
            factory,
            ui_app.acme.id,
            email="bob@example.org",
            subject="Broken order",
            assignee="human",
            handoff_state="done",
            handoff_path="case",
            salesforce_case_id="500000000000001AAA",
            created_at=base + timedelta(minutes=1),
        ),
        "web_chat": await make_session(
            factory,
            ui_app.acme.id,
            email="carol@example.net",
            channel="web",
            assignee="human",
            handoff_state="pending",
            salesforce_miaw_session_id="0a1b2c3d-0000-4000-8000-00000000abcd",
            created_at=base + timedelta(minutes=2),
        ),
        "closed": await make_session(
            factory,
            ui_app.acme.id,
            email="dan@example.com",
            status="closed_resolved",
            created_at=base + timedelta(minutes=3),
        ),
    }
    await make_session(factory, ui_app.globex.id, email="eve@globex.test", subject="Globex secret")
    return {name: s.ticket_number for name, s in made.items()}


async def test_inbox_lists_only_the_orgs_sessions_newest_first(
    client: httpx2.AsyncClient, ui_app: UiApp, seeded: dict[str, int]
) -> None:
    await sign_in(client, ui_app.acme.api_key)
    page = await client.get("/ui/sessions")
    assert page.status_code == 200
    assert tickets(page.text) == [
        seeded["closed"],
        seeded["web_chat"],
        seeded["handed_off"],
        seeded["email_open"],
    ]
    assert "Globex secret" not in page.text
    assert "eve@globex.test" not in page.text
    # Each row shows the contact, subject, channel and Salesforce ids.
    assert "Ada" in page.text and "ada@example.com" in page.text
    assert "Broken order" in page.text
    assert "500000000000001AAA" in page.text
    assert "0a1b2c3d-0000-4000-8000-00000000abcd" in page.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=open", ["web_chat", "handed_off", "email_open"]),
        ("status=closed", ["closed"]),
        ("assignee=human", ["web_chat", "handed_off"]),
        ("assignee=ai", ["closed", "email_open"]),
        ("channel=web", ["web_chat"]),
        ("handoff=done", ["handed_off"]),
        ("handoff=none", ["closed", "email_open"]),
        ("q=ada%40example.com", ["email_open"]),
        ("q=example.com", ["closed", "email_open"]),
        ("q=500000000000001AAA", ["handed_off"]),
        ("q=500000000000001", ["handed_off"]),
        ("q=0A1B2C3D-0000-4000-8000-00000000ABCD", ["web_chat"]),
        ("q=nothing-matches", []),
        ("status=open&assignee=human&channel=email", ["handed_off"]),
        ("status=bogus", ["closed", "web_chat", "handed_off", "email_open"]),
    ],
)
async def test_inbox_filters(
    client: httpx2.AsyncClient, ui_app: UiApp, seeded: dict[str, int], query: str, expected: list[str]
) -> None:
    await sign_in(client, ui_app.acme.api_key)
    page = await client.get(f"/ui/sessions?{query}")
    assert page.status_code == 200
    assert tickets(page.text) == [seeded[name] for name in expected]
    if not expected:
        assert "No sessions match these filters." in page.text


async def test_search_by_ticket_number(
    client: httpx2.AsyncClient, ui_app: UiApp, seeded: dict[str, int]
) -> None:
    await sign_in(client, ui_app.acme.api_key)
    page = await client.get(f"/ui/sessions?q=%23{seeded['closed']}")
    assert tickets(page.text) == [seeded["closed"]]


async def test_search_does_not_treat_like_wildcards_as_wildcards(
    client: httpx2.AsyncClient, ui_app: UiApp, seeded: dict[str, int]
) -> None:
    await sign_in(client, ui_app.acme.api_key)
    page = await client.get("/ui/sessions?q=%25")
    assert tickets(page.text) == []


async def test_paging_walks_every_session_once(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    factory = ui_app.services.session_factory
    start = utcnow() - timedelta(days=1)
    created = [
        await make_session(
            factory, ui_app.acme.id, email=f"c{i}@example.com", created_at=start + timedelta(seconds=i)
        )
        for i in range(PAGE_SIZE + 5)
    ]
    await sign_in(client, ui_app.acme.api_key)
    first = await client.get("/ui/sessions?channel=email")
    assert len(tickets(first.text)) == PAGE_SIZE
    next_link = re.search(r'href="(/ui/sessions\?[^"]+)" rel="next"', first.text)
    assert next_link is not None
    assert "channel=email" in next_link.group(1)  # filters survive paging
    second = await client.get(next_link.group(1).replace("&amp;", "&"))
    assert len(tickets(second.text)) == 5
    assert 'rel="next"' not in second.text
    assert "Newest" in second.text
    expected = [s.ticket_number for s in reversed(created)]
    assert tickets(first.text) + tickets(second.text) == expected


async def test_a_mangled_cursor_shows_the_first_page(
    client: httpx2.AsyncClient, ui_app: UiApp, seeded: dict[str, int]
) -> None:
    await sign_in(client, ui_app.acme.api_key)
    page = await client.get("/ui/sessions?cursor=not-a-cursor")
    assert page.status_code == 200
    assert len(tickets(page.text)) == 4


async def test_empty_inbox(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    await sign_in(client, ui_app.acme.api_key)
    page = await client.get("/ui/sessions")
    assert "No sessions yet." in page.text
