"""The widget's browser API and the org API for visitor identities, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx2
import pytest
from sqlalchemy import select
from widget_support import WidgetSession, add_knowledge, start_session

from baton.api.keys import create_api_key
from baton.conversations.service import add_message
from baton.services import Services
from baton.store.models import Contact, LiveEvent, Message, Session
from baton.widget.files import load_widget_file
from baton_support import OrgCredentials, create_org

pytestmark = pytest.mark.anyio

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_an_anonymous_visitor_gets_a_web_session_and_a_token_for_it(
    client: httpx2.AsyncClient, org: OrgCredentials, services: Services
) -> None:
    visitor = await start_session(client, org, page_url="https://shop.example.com/help")
    assert visitor.verified is False
    state = await client.get(f"/widget/v1/sessions/{visitor.session_id}", headers=visitor.headers)
    assert state.status_code == 200, state.text
    body = state.json()
    assert body["state"] == {
        "session_id": visitor.session_id,
        "status": "open",
        "assignee": "ai",
        "ended": False,
        "handed_off": False,
        "handoff_state": None,
        "agent_name": None,
    }
    assert body["messages"] == [] and body["handoff"] is None and body["cursor"] == "0.0.0"
    async with services.session_factory() as db:
        session = await db.get(Session, visitor.session_id)
        assert session is not None and session.channel == "web" and session.org_id == org.org_id
        assert session.channel_data["page_url"] == "https://shop.example.com/help"
        contact = await db.get(Contact, session.contact_id)
        assert contact is not None and contact.verified is False and contact.email is None


async def test_an_unknown_org_answers_404(client: httpx2.AsyncClient) -> None:
    response = await client.post("/widget/v1/no-such-org/sessions", json={})
    assert response.status_code == 404


async def test_the_visitor_token_is_required_and_opens_only_its_own_session(
    client: httpx2.AsyncClient, org: OrgCredentials, services: Services
) -> None:
    mine = await start_session(client, org)
    theirs = await start_session(client, org)
    other_org = await create_org(services, "Globex")
    elsewhere = await start_session(client, other_org)
    base = f"/widget/v1/sessions/{mine.session_id}"

    assert (await client.get(base)).status_code == 401
    garbage = {"Authorization": "Bearer not-a-token"}
    assert (await client.get(base, headers=garbage)).status_code == 401
    # A real token of another session (same org or not) does not open this one, nor say it exists.
    for other in (theirs, elsewhere):
        assert (await client.get(base, headers=other.headers)).status_code == 404
        response = await client.post(f"{base}/messages", json={"text": "hi"}, headers=other.headers)
        assert response.status_code == 404
        assert (await client.get(f"{base}/events", headers=other.headers)).status_code == 404
        response = await client.post(f"{base}/typing", json={"active": True}, headers=other.headers)
        assert response.status_code == 404
    # The org API key is not a visitor token either.
    assert (await client.get(base, headers=org.headers)).status_code == 401
    # The token works as a query parameter too (EventSource and file links cannot send headers).
    assert (await client.get(f"{base}?token={mine.visitor_token}")).status_code == 200


async def test_message_limits_answer_422_naming_the_field(
    client: httpx2.AsyncClient, org: OrgCredentials
) -> None:
    visitor = await start_session(client, org)
    url = f"/widget/v1/sessions/{visitor.session_id}/messages"
    for body in ({"text": "x" * 32_001}, {"text": ""}, {}, {"text": "hi", "extra": 1}):
        response = await client.post(url, json=body, headers=visitor.headers)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] in ("text", "extra"), response.json()
    response = await client.post(url, json={"text": "x" * 32_000}, headers=visitor.headers)
    assert response.status_code == 201
    bad = await client.post(f"/widget/v1/{org.org_id}/sessions", json={"language": "not a language"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "language"


async def test_a_question_gets_the_ai_answer_through_the_same_path_as_the_api(
    client: httpx2.AsyncClient, org: OrgCredentials
) -> None:
    await add_knowledge(client, org)
    visitor = await start_session(client, org)
    response = await client.post(
        f"/widget/v1/sessions/{visitor.session_id}/messages",
        json={"text": "How long is the warranty?"},
        headers=visitor.headers,
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert [m["role"] for m in created["messages"]] == ["customer", "ai"]
    assert "two-year warranty" in created["messages"][1]["text"]
    assert created["state"]["assignee"] == "ai"
    # The org sees the same conversation through its API, with the first question as subject.
    stored = (await client.get(f"/api/v1/sessions/{visitor.session_id}/messages", headers=org.headers)).json()
    assert [m["id"] for m in stored] == [m["id"] for m in created["messages"]]
    session = (await client.get(f"/api/v1/sessions/{visitor.session_id}", headers=org.headers)).json()
    assert session["channel"] == "web" and session["subject"] == "How long is the warranty?"


async def test_asking_for_a_human_hands_off_and_the_ai_stays_silent_after(
    client: httpx2.AsyncClient, org: OrgCredentials
) -> None:
    visitor = await start_session(client, org)
    url = f"/widget/v1/sessions/{visitor.session_id}/messages"
    response = await client.post(url, json={"text": "I want to talk to a human"}, headers=visitor.headers)
    assert response.status_code == 201
    assert response.json()["state"]["assignee"] == "human"
    state = (await client.get(f"/widget/v1/sessions/{visitor.session_id}", headers=visitor.headers)).json()
    assert state["state"]["handed_off"] is True
    assert state["handoff"]["reasons"] == ["user_requested_human_assistance"]
    assert state["handoff"]["summary"] and state["handoff"]["sentiment"] == "neutral"
    after = await client.post(url, json={"text": "Hello? Anyone there?"}, headers=visitor.headers)
    assert [m["role"] for m in after.json()["messages"]] == ["customer"]


async def test_internal_notes_never_reach_the_visitor(
    client: httpx2.AsyncClient, org: OrgCredentials, services: Services
) -> None:
    visitor = await start_session(client, org)
    async with services.session_factory() as db, db.begin():
        session = await db.get(Session, visitor.session_id)
        assert session is not None
        await add_message(
            db, session, role="agent", text="Customer seems upset", internal=True, author_name="Rita"
        )
        await add_message(db, session, role="agent", text="Hi, I'm Rita.", author_name="Rita")
    state = (await client.get(f"/widget/v1/sessions/{visitor.session_id}", headers=visitor.headers)).json()
    assert [m["text"] for m in state["messages"]] == ["Hi, I'm Rita."]
    assert state["state"]["agent_name"] == "Rita"


async def test_a_closed_session_refuses_new_messages(
    client: httpx2.AsyncClient, org: OrgCredentials, services: Services
) -> None:
    visitor = await start_session(client, org)
    async with services.session_factory() as db, db.begin():
        session = await db.get(Session, visitor.session_id)
        assert session is not None
        session.status = "closed_resolved"
    response = await client.post(
        f"/widget/v1/sessions/{visitor.session_id}/messages",
        json={"text": "still there?"},
        headers=visitor.headers,
    )
    assert response.status_code == 409


async def test_visitor_typing_is_stored_as_a_live_event(
    client: httpx2.AsyncClient, org: OrgCredentials, services: Services
) -> None:
    visitor = await start_session(client, org)
    response = await client.post(
        f"/widget/v1/sessions/{visitor.session_id}/typing", json={"active": True}, headers=visitor.headers
    )
    assert response.status_code == 204
    async with services.session_factory() as db:
        events = (
            await db.execute(select(LiveEvent).where(LiveEvent.session_id == visitor.session_id))
        ).scalars()
        assert [(e.type, e.data) for e in events] == [("typing", {"role": "customer", "active": True})]


# --- verified visitors ---------------------------------------------------------------------------------


async def _identity(client: httpx2.AsyncClient, org: OrgCredentials, **body: object) -> str:
    response = await client.post("/api/v1/widget/identities", json=body, headers=org.headers)
    assert response.status_code == 201, response.text
    assert response.json()["expires_at"]
    token: str = response.json()["token"]
    return token


async def test_identities_need_an_org_key_with_the_scope(
    client: httpx2.AsyncClient, org: OrgCredentials, services: Services
) -> None:
    body = {"visitor_id": "user-42", "email": "ada@example.com", "name": "Ada"}
    assert (await client.post("/api/v1/widget/identities", json=body)).status_code == 401
    async with services.session_factory() as db, db.begin():
        narrow = await create_api_key(db, org.org_id, scopes=["sessions:read"])
    response = await client.post(
        "/api/v1/widget/identities", json=body, headers={"Authorization": f"Bearer {narrow}"}
    )
    assert response.status_code == 403
    async with services.session_factory() as db, db.begin():
        scoped = await create_api_key(db, org.org_id, scopes=["widget:identities"])
    response = await client.post(
        "/api/v1/widget/identities", json=body, headers={"Authorization": f"Bearer {scoped}"}
    )
    assert response.status_code == 201
    missing = await client.post("/api/v1/widget/identities", json={"email": "a@b.c"}, headers=org.headers)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "visitor_id"


async def test_an_identity_token_makes_the_contact_verified(
    client: httpx2.AsyncClient, org: OrgCredentials, services: Services
) -> None:
    token = await _identity(client, org, visitor_id="user-42", email="Ada@Example.com", name="Ada Lovelace")
    visitor = await start_session(client, org, identity_token=token)
    assert visitor.verified is True
    session = (await client.get(f"/api/v1/sessions/{visitor.session_id}", headers=org.headers)).json()
    assert session["contact"]["verified"] is True
    assert session["contact"]["email"] == "ada@example.com" and session["contact"]["name"] == "Ada Lovelace"
    async with services.session_factory() as db:
        contact = await db.get(Contact, session["contact"]["id"])
        assert contact is not None and contact.external_id == "user-42"
    # The next visit (a new token) finds the same contact again.
    again = await start_session(
        client, org, identity_token=await _identity(client, org, visitor_id="user-42")
    )
    second = (await client.get(f"/api/v1/sessions/{again.session_id}", headers=org.headers)).json()
    assert second["contact"]["id"] == session["contact"]["id"]


async def test_an_email_contact_becomes_the_verified_visitor(
    client: httpx2.AsyncClient, org: OrgCredentials
) -> None:
    email_session = await client.post(
        "/api/v1/sessions",
        json={"channel": "email", "contact": {"email": "bob@example.com"}},
        headers=org.headers,
    )
    contact_id = email_session.json()["contact"]["id"]
    token = await _identity(client, org, visitor_id="crm-7", email="bob@example.com")
    visitor = await start_session(client, org, identity_token=token)
    session = (await client.get(f"/api/v1/sessions/{visitor.session_id}", headers=org.headers)).json()
    assert session["contact"]["id"] == contact_id and session["contact"]["verified"] is True


async def test_bad_identity_tokens_are_refused(
    client: httpx2.AsyncClient, org: OrgCredentials, services: Services
) -> None:
    other = await create_org(services, "Globex")
    foreign = await _identity(client, other, visitor_id="user-1")
    for token in (foreign, "not-a-token", foreign[:-4] + "AAAA"):
        response = await client.post(f"/widget/v1/{org.org_id}/sessions", json={"identity_token": token})
        assert response.status_code == 401, token
        assert "identity_token" in response.json()["detail"]
    # A visitor token is not an identity token (different key and audience).
    visitor = await start_session(client, org)
    response = await client.post(
        f"/widget/v1/{org.org_id}/sessions", json={"identity_token": visitor.visitor_token}
    )
    assert response.status_code == 401


# --- allowed web sites ------------------------------------------------------------------------------


async def test_allowed_origins_fence_the_browser_api(client: httpx2.AsyncClient, org: OrgCredentials) -> None:
    anywhere = await client.post(
        f"/widget/v1/{org.org_id}/sessions", json={}, headers={"Origin": "https://a.test"}
    )
    assert anywhere.status_code == 201
    assert anywhere.headers["access-control-allow-origin"] == "https://a.test"
    visitor = WidgetSession(anywhere.json()["session_id"], anywhere.json()["visitor_token"], False)

    saved = await client.put(
        "/api/v1/widget/settings",
        json={"allowed_origins": ["https://Shop.Example.com:443/"]},
        headers=org.headers,
    )
    assert saved.status_code == 200 and saved.json() == {"allowed_origins": ["https://shop.example.com"]}
    invalid = await client.put(
        "/api/v1/widget/settings", json={"allowed_origins": ["shop"]}, headers=org.headers
    )
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["field"].startswith("allowed_origins")

    shop = {"Origin": "https://shop.example.com"}
    assert (await client.post(f"/widget/v1/{org.org_id}/sessions", json={}, headers=shop)).status_code == 201
    refused = await client.post(
        f"/widget/v1/{org.org_id}/sessions", json={}, headers={"Origin": "https://a.test"}
    )
    assert refused.status_code == 403
    # Readable by the refused page, so the widget can say why.
    assert refused.headers["access-control-allow-origin"] == "https://a.test"
    url = f"/widget/v1/sessions/{visitor.session_id}"
    assert (await client.get(url, headers={**visitor.headers, "Origin": "https://a.test"})).status_code == 403
    assert (await client.get(url, headers={**visitor.headers, **shop})).status_code == 200

    preflight = await client.options(
        url + "/messages",
        headers={
            **shop,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://shop.example.com"
    assert "Authorization" in preflight.headers["access-control-allow-headers"]


# --- files ----------------------------------------------------------------------------------------------


async def test_a_visitor_file_is_stored_shown_and_downloadable(
    client: httpx2.AsyncClient, org: OrgCredentials, services: Services
) -> None:
    visitor = await start_session(client, org)
    url = f"/widget/v1/sessions/{visitor.session_id}/files"
    response = await client.post(
        url, files={"file": ("../receipt photo.png", PNG, "image/png")}, headers=visitor.headers
    )
    assert response.status_code == 201, response.text
    [message] = response.json()["messages"]
    assert message["role"] == "customer"
    [attachment] = message["attachments"]
    assert attachment["name"] == "receipt photo.png" and attachment["content_type"] == "image/png"
    assert attachment["size"] == len(PNG)
    assert attachment["url"].startswith(f"/widget/v1/sessions/{visitor.session_id}/files/")

    download = await client.get(attachment["url"], headers=visitor.headers)
    assert download.status_code == 200 and download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert download.headers["x-content-type-options"] == "nosniff"
    other = await start_session(client, org)
    assert (await client.get(attachment["url"], headers=other.headers)).status_code == 404

    # What the relay gets: the bytes by the reference stored on the message.
    async with services.session_factory() as db:
        stored = await db.get(Message, message["id"])
        assert stored is not None
        reference = stored.attachments[0]
        assert reference["source"] == "widget"
        loaded = await load_widget_file(db, reference["id"])
        assert loaded is not None and loaded.data == PNG and loaded.content_type == "image/png"


async def test_files_have_type_and_size_limits(client: httpx2.AsyncClient, org: OrgCredentials) -> None:
    from baton.widget.settings import WidgetSettings

    visitor = await start_session(client, org)
    url = f"/widget/v1/sessions/{visitor.session_id}/files"
    page = b"<html><script>alert(1)</script></html>"
    # A declared image type does not help: the bytes decide.
    for name, content, declared in (
        ("x.exe", b"MZ\x90\x00\x03" + b"\x00\xff" * 40, "application/octet-stream"),
        ("fake.png", b"\x00\x01binary\xff\xfe" * 8, "image/png"),
    ):
        response = await client.post(url, files={"file": (name, content, declared)}, headers=visitor.headers)
        assert response.status_code == 415, name
        assert response.json()["detail"].startswith("file:")
    text = await client.post(url, files={"file": ("page.html", page, "text/html")}, headers=visitor.headers)
    # Served back only as plain text with nosniff, never as a page.
    assert text.status_code == 201
    assert text.json()["messages"][0]["attachments"][0]["content_type"] == "text/plain"

    client_app = client._transport.app  # type: ignore[attr-defined]
    client_app.state.widget_settings = WidgetSettings(max_file_bytes=1024)
    big = await client.post(
        url, files={"file": ("big.png", PNG + b"\x00" * 2000, "image/png")}, headers=visitor.headers
    )
    assert big.status_code == 413
    empty = await client.post(url, files={"file": ("empty.txt", b"", "text/plain")}, headers=visitor.headers)
    assert empty.status_code == 415


# --- the script ---------------------------------------------------------------------------------------


async def test_the_script_is_served_with_caching_headers(client: httpx2.AsyncClient) -> None:
    response = await client.get("/widget.js", headers={"Origin": "https://shop.example.com"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "max-age=" in response.headers["cache-control"]
    assert response.headers["access-control-allow-origin"] == "https://shop.example.com"
    etag = response.headers["etag"]
    again = await client.get("/widget.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    css = await client.get("/widget.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
