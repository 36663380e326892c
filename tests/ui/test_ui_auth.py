"""Sign-in, the session cookie, sign-out and CSRF, over HTTP against the real app."""

from __future__ import annotations

import httpx2
import pytest
from sqlalchemy import update
from ui_support import SECRET_KEY, UiApp, csrf_from, sign_in

from baton.store.base import utcnow
from baton.store.models import ApiKey
from baton.ui.cookies import SESSION_COOKIE, decode_session, encode_session, new_session

pytestmark = pytest.mark.anyio


PAGES = ["/ui/sessions", "/ui/sessions/abc", "/ui/settings/salesforce", "/ui/settings/email", "/ui/logout"]


@pytest.mark.parametrize("path", PAGES)
async def test_pages_redirect_to_sign_in_without_a_cookie(client: httpx2.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/ui/login?next={path}"


async def test_sign_in_sets_a_signed_httponly_cookie_without_the_key(
    client: httpx2.AsyncClient, ui_app: UiApp
) -> None:
    response = await sign_in(client, ui_app.acme.api_key)
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/sessions"
    cookies = response.headers.get_list("set-cookie")
    set_cookie = next(v for v in cookies if v.startswith(SESSION_COOKIE + "="))
    attributes = {part.strip().split("=")[0].lower() for part in set_cookie.split(";")}
    assert {"httponly", "path", "samesite"} <= attributes
    assert "samesite=lax" in set_cookie.lower()
    assert "path=/ui" in set_cookie.lower()
    value = client.cookies[SESSION_COOKIE]
    assert ui_app.acme.api_key not in value
    assert ui_app.acme.api_key[3:20] not in value
    session = decode_session(SECRET_KEY, value, now=int(utcnow().timestamp()))
    assert session is not None
    assert (session.key_id, session.org_id) == (ui_app.acme.key_id, ui_app.acme.id)

    inbox = await client.get("/ui/sessions")
    assert inbox.status_code == 200
    assert "Acme" in inbox.text


async def test_an_expired_sign_in_on_a_form_returns_to_the_forms_page(client: httpx2.AsyncClient) -> None:
    response = await client.post(
        "/ui/sessions/abc/handoff", headers={"referer": "http://baton.test/ui/sessions/abc"}, data={}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/login?next=/ui/sessions/abc"
    foreign = await client.post(
        "/ui/settings/email", headers={"referer": "https://evil.example/ui/x"}, data={}
    )
    assert foreign.headers["location"] == "/ui/login?next=/ui/sessions"


async def test_ui_root_goes_to_the_inbox(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    await sign_in(client, ui_app.acme.api_key)
    response = await client.get("/ui/")
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/sessions"


async def test_sign_in_returns_to_the_page_asked_for(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    response = await sign_in(client, ui_app.acme.api_key, next_path="/ui/settings/email")
    assert response.headers["location"] == "/ui/settings/email"


@pytest.mark.parametrize(
    "target", ["https://evil.example/x", "//evil.example/ui/", "/api/v1/sessions", "/ui\\x"]
)
async def test_sign_in_never_redirects_outside_the_ui(
    client: httpx2.AsyncClient, ui_app: UiApp, target: str
) -> None:
    response = await sign_in(client, ui_app.acme.api_key, next_path=target)
    assert response.headers["location"] == "/ui/sessions"


@pytest.mark.parametrize("key", ["", "not-a-key", "bt_" + "x" * 40])
async def test_a_wrong_key_is_refused_with_a_message(client: httpx2.AsyncClient, key: str) -> None:
    response = await sign_in(client, key)
    assert response.status_code == 401
    assert "That API key is not valid" in response.text
    assert SESSION_COOKIE not in client.cookies


async def test_a_revoked_key_cannot_sign_in(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    async with ui_app.services.session_factory() as db, db.begin():
        await db.execute(update(ApiKey).where(ApiKey.id == ui_app.acme.key_id).values(revoked_at=utcnow()))
    response = await sign_in(client, ui_app.acme.api_key)
    assert response.status_code == 401


async def test_sign_in_form_needs_its_own_csrf_token(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    await client.get("/ui/login")
    response = await client.post("/ui/login", data={"api_key": ui_app.acme.api_key, "csrf_token": "forged"})
    assert response.status_code == 403
    assert SESSION_COOKIE not in client.cookies


async def test_sign_in_form_without_its_cookie_is_refused(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    token = csrf_from((await client.get("/ui/login")).text)
    client.cookies.clear()
    response = await client.post("/ui/login", data={"api_key": ui_app.acme.api_key, "csrf_token": token})
    assert response.status_code == 403


async def test_a_tampered_cookie_signs_out(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    # Signed with another key: same shape, wrong signature.
    now = int(utcnow().timestamp())
    forged = encode_session("another-secret", new_session(ui_app.acme.key_id, ui_app.acme.id, now))
    client.cookies.set(SESSION_COOKIE, forged, domain="baton.test", path="/ui")
    response = await client.get("/ui/sessions")
    assert response.status_code == 303


async def test_a_cookie_for_another_orgs_key_is_refused(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    # Correctly signed, but claims Globex with Acme's key: the key row decides.
    now = int(utcnow().timestamp())
    mixed = encode_session(SECRET_KEY, new_session(ui_app.acme.key_id, ui_app.globex.id, now))
    client.cookies.set(SESSION_COOKIE, mixed, domain="baton.test", path="/ui")
    assert (await client.get("/ui/sessions")).status_code == 303


async def test_revoking_the_key_signs_the_ui_out(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    await sign_in(client, ui_app.acme.api_key)
    assert (await client.get("/ui/sessions")).status_code == 200
    async with ui_app.services.session_factory() as db, db.begin():
        await db.execute(update(ApiKey).where(ApiKey.id == ui_app.acme.key_id).values(revoked_at=utcnow()))
    assert (await client.get("/ui/sessions")).status_code == 303


async def test_sign_out_needs_the_csrf_token_and_clears_the_cookie(
    client: httpx2.AsyncClient, ui_app: UiApp
) -> None:
    await sign_in(client, ui_app.acme.api_key)
    refused = await client.post("/ui/logout", data={"csrf_token": "nope"})
    assert refused.status_code == 403
    assert (await client.get("/ui/sessions")).status_code == 200

    token = csrf_from((await client.get("/ui/logout")).text)
    response = await client.post("/ui/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/login"
    assert SESSION_COOKIE not in client.cookies
    assert (await client.get("/ui/sessions")).status_code == 303


async def test_a_csrf_token_from_another_cookie_is_refused(ui_app: UiApp) -> None:
    transport = httpx2.ASGITransport(app=ui_app.app)
    async with (
        httpx2.AsyncClient(transport=transport, base_url="http://baton.test") as first,
        httpx2.AsyncClient(transport=transport, base_url="http://baton.test") as second,
    ):
        await sign_in(first, ui_app.acme.api_key)
        await sign_in(second, ui_app.acme.api_key)
        token_of_first = csrf_from((await first.get("/ui/settings/email")).text)
        response = await second.post(
            "/ui/settings/email", data={"support_address": "help@acme.test", "csrf_token": token_of_first}
        )
        assert response.status_code == 403
