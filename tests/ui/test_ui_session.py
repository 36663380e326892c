"""The session page: header, handoff card, conversation, timeline, live fragment, manual handoff."""

from __future__ import annotations

import re

import httpx2
import pytest
from markupsafe import escape
from sqlalchemy import select
from ui_support import UiApp, add_event, csrf_from, make_session, sign_in

from baton.conversations.service import add_message
from baton.handoff.service import CASE_SYNC_JOB, MANUAL_REASON
from baton.salesforce.connection import EMAIL_INTEGRATION
from baton.store.models import DebugEvent, Integration, Job, Session

pytestmark = pytest.mark.anyio


async def connect_salesforce(ui_app: UiApp, instance_url: str) -> None:
    async with ui_app.services.session_factory() as db, db.begin():
        db.add(
            Integration(
                org_id=ui_app.acme.id,
                kind=EMAIL_INTEGRATION,
                status="connected",
                settings={
                    "client_id": "3MVG9client",
                    "login_url": "https://login.salesforce.com",
                    "instance_url": instance_url,
                },
                secrets_encrypted=ui_app.services.secret_box.encrypt({"client_secret": "s3cr3t-value"}),
            )
        )


async def test_session_page_shows_the_header_conversation_and_timeline(
    client: httpx2.AsyncClient, ui_app: UiApp
) -> None:
    session = await make_session(
        ui_app.services.session_factory,
        ui_app.acme.id,
        email="ada@example.com",
        name="Ada Lovelace",
        subject="Where is my <b>order</b>?",
        messages=[("customer", "Hello <script>alert(1)</script>\nsecond line"), ("ai", "Let me check.")],
        priority="High",
        language="en",
        sentiment="negative",
        salesforce_miaw_session_id="0a1b2c3d-0000-4000-8000-00000000abcd",
    )
    async with ui_app.services.session_factory() as db, db.begin():
        stored = await db.get(Session, session.id)
        assert stored is not None
        await add_message(db, stored, role="agent", text="Looking into it.", author_name="Rep Rita")
        await add_message(
            db, stored, role="agent", text="VIP customer", author_name="Rep Rita", internal=True
        )
    await add_event(
        ui_app.services.session_factory,
        session.id,
        "salesforce.case.failed",
        {
            "error": "Salesforce refused: INVALID_FIELD",
            "calls": [
                {
                    "method": "POST",
                    "path": "/services/data/v66.0/sobjects/Case",
                    "status": 400,
                    "duration_ms": 12,
                    "error_code": "INVALID_FIELD",
                }
            ],
        },
    )
    await sign_in(client, ui_app.acme.api_key)
    page = await client.get(f"/ui/sessions/{session.id}")
    assert page.status_code == 200
    text = page.text
    assert f"Ticket #{session.ticket_number}" in text
    assert "Where is my &lt;b&gt;order&lt;/b&gt;?" in text
    assert "<script>alert(1)</script>" not in text
    assert "Hello &lt;script&gt;alert(1)&lt;/script&gt;" in text
    for expected in (
        "High",
        "en",
        "negative",
        "Ada Lovelace",
        "ada@example.com",
        "0a1b2c3d-0000-4000-8000-00000000abcd",
    ):
        assert expected in text
    # Roles and authors, and the internal note marked as such.
    assert "Rep Rita" in text
    assert "Internal note — not sent to the customer" in text
    assert text.count('class="message role-') == 4
    # The timeline: session.created and the failure with its Salesforce call.
    assert "session.created" in text
    assert "salesforce.case.failed" in text
    assert "INVALID_FIELD" in text
    assert "/services/data/v66.0/sobjects/Case" in text
    assert str(escape('"error": "Salesforce refused: INVALID_FIELD"')) in text
    # Not handed off yet: the button is enabled.
    button = re.search(r'<button[^>]*id="handoff-button"[^>]*>', text)
    assert button is not None and "disabled" not in button.group(0)


@pytest.mark.parametrize(
    ("instance_url", "expected"),
    [
        (
            "https://acme.my.salesforce.com",
            "https://acme.my.salesforce.com/lightning/r/Case/500000000000001AAA/view",
        ),
        ("http://127.0.0.1:8766", "http://127.0.0.1:8766/console/cases/500000000000001AAA"),
        ("http://localhost:8766", "http://localhost:8766/console/cases/500000000000001AAA"),
    ],
)
async def test_the_case_id_links_to_salesforce(
    client: httpx2.AsyncClient, ui_app: UiApp, instance_url: str, expected: str
) -> None:
    await connect_salesforce(ui_app, instance_url)
    session = await make_session(
        ui_app.services.session_factory,
        ui_app.acme.id,
        email="a@example.com",
        salesforce_case_id="500000000000001AAA",
    )
    await sign_in(client, ui_app.acme.api_key)
    page = await client.get(f"/ui/sessions/{session.id}")
    assert f'href="{expected}"' in page.text


async def test_without_a_connection_the_case_id_is_shown_without_a_link(
    client: httpx2.AsyncClient, ui_app: UiApp
) -> None:
    session = await make_session(
        ui_app.services.session_factory,
        ui_app.acme.id,
        email="a@example.com",
        salesforce_case_id="500000000000001AAA",
    )
    await sign_in(client, ui_app.acme.api_key)
    page = await client.get(f"/ui/sessions/{session.id}")
    assert "<code>500000000000001AAA</code>" in page.text
    assert "lightning" not in page.text


async def test_another_orgs_session_is_not_found(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    theirs = await make_session(
        ui_app.services.session_factory, ui_app.globex.id, email="eve@globex.test", subject="Globex secret"
    )
    await sign_in(client, ui_app.acme.api_key)
    for path in (f"/ui/sessions/{theirs.id}", f"/ui/sessions/{theirs.id}/live", "/ui/sessions/no-such-id"):
        response = await client.get(path)
        assert response.status_code == 404
        assert "Globex secret" not in response.text
    token = csrf_from((await client.get("/ui/sessions")).text)
    response = await client.post(f"/ui/sessions/{theirs.id}/handoff", data={"csrf_token": token})
    assert response.status_code == 404
    async with ui_app.services.session_factory() as db:
        stored = await db.get(Session, theirs.id)
        assert stored is not None and stored.assignee == "ai" and stored.handoff_state is None


async def test_hand_off_from_the_page(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    session = await make_session(
        ui_app.services.session_factory,
        ui_app.acme.id,
        email="ada@example.com",
        subject="Refund",
        messages=[("customer", "I want my money back")],
    )
    await sign_in(client, ui_app.acme.api_key)
    page = await client.get(f"/ui/sessions/{session.id}")
    token = csrf_from(page.text)

    refused = await client.post(f"/ui/sessions/{session.id}/handoff", data={"csrf_token": "forged"})
    assert refused.status_code == 403

    response = await client.post(
        f"/ui/sessions/{session.id}/handoff", data={"csrf_token": token, "reason": "Customer asked twice"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/ui/sessions/{session.id}?notice=handoff_requested"

    async with ui_app.services.session_factory() as db:
        stored = await db.get(Session, session.id)
        assert stored is not None
        assert (stored.assignee, stored.handoff_state, stored.handoff_path) == ("human", "pending", "case")
        assert stored.handoff_reasons == [MANUAL_REASON]
        assert stored.handoff_reasoning == "Customer asked twice"
        assert stored.handoff_summary is not None and "I want my money back" in stored.handoff_summary
        jobs = (await db.execute(select(Job).where(Job.session_id == session.id))).scalars().all()
        assert [j.kind for j in jobs] == [CASE_SYNC_JOB]
        events = (
            await db.execute(select(DebugEvent.type).where(DebugEvent.session_id == session.id))
        ).scalars()
        assert "handoff.requested" in list(events)

    after = await client.get(response.headers["location"])
    assert "Handed off. Baton is passing the conversation to Salesforce." in after.text
    button = re.search(r'<button[^>]*id="handoff-button"[^>]*>', after.text)
    assert button is not None and "disabled" in button.group(0)
    assert "Customer asked twice" in after.text  # the reasoning on the handoff card

    again = await client.post(f"/ui/sessions/{session.id}/handoff", data={"csrf_token": token})
    assert again.headers["location"].endswith("notice=already_handed_off")
    async with ui_app.services.session_factory() as db:
        jobs = (await db.execute(select(Job).where(Job.session_id == session.id))).scalars().all()
        assert len(jobs) == 1


async def test_live_fragment_carries_the_changing_parts(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    session = await make_session(
        ui_app.services.session_factory, ui_app.acme.id, email="a@example.com", messages=[("customer", "Hi")]
    )
    await sign_in(client, ui_app.acme.api_key)
    first = await client.get(f"/ui/sessions/{session.id}/live")
    assert first.status_code == 200
    assert first.headers["x-baton-fragment"] == "session-live"
    assert first.headers["cache-control"] == "no-store"
    for section in ('id="facts"', 'id="handoff-card"', 'id="conversation"', 'id="timeline"'):
        assert section in first.text
    assert "<html" not in first.text
    assert 'data-handed-off="false"' in first.text

    async with ui_app.services.session_factory() as db, db.begin():
        stored = await db.get(Session, session.id)
        assert stored is not None
        stored.assignee, stored.handoff_state = "human", "done"
        await add_message(db, stored, role="agent", text="A rep answered", author_name="Rep Rita")
    second = await client.get(f"/ui/sessions/{session.id}/live")
    assert "A rep answered" in second.text
    assert 'data-handed-off="true"' in second.text


async def test_live_fragment_without_a_cookie_redirects(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    session = await make_session(ui_app.services.session_factory, ui_app.acme.id, email="a@example.com")
    response = await client.get(f"/ui/sessions/{session.id}/live")
    assert response.status_code == 303
    assert "x-baton-fragment" not in response.headers
