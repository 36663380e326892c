"""Settings → Salesforce (Email Cases) and Settings → Email channel, over HTTP."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from ui_support import UiApp, csrf_from, sign_in

from baton.salesforce.connection import load_integration
from baton.store.models import EmailAddress

pytestmark = pytest.mark.anyio

CLIENT_ID = "3MVG9" + "A" * 40
CLIENT_SECRET = "C0NSUMER-SECRET-" + "9" * 24


async def save(client: httpx2.AsyncClient, **fields: str) -> httpx2.Response:
    token = csrf_from((await client.get("/ui/settings/salesforce")).text)
    data = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "login_choice": "https://login.salesforce.com",
        "login_custom": "",
        "csrf_token": token,
    }
    data.update(fields)
    return await client.post("/ui/settings/salesforce", data=data)


def field_error(html: str, field: str) -> str | None:
    match = re.search(rf'<p class="field-error" id="{field}-error"[^>]*>([^<]*)</p>', html)
    return match.group(1) if match else None


async def test_not_configured_page(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    await sign_in(client, ui_app.acme.api_key)
    page = await client.get("/ui/settings/salesforce")
    assert page.status_code == 200
    assert "Not configured" in page.text
    assert 'value="http://baton.test/oauth/salesforce/callback"' in page.text
    assert "connect-form" not in page.text  # nothing to connect before credentials are saved
    assert "Webhook URL" not in page.text


async def test_save_credentials_then_the_secret_is_never_shown(
    client: httpx2.AsyncClient, ui_app: UiApp
) -> None:
    await sign_in(client, ui_app.acme.api_key)
    response = await save(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/settings/salesforce?notice=saved"
    page = await client.get(response.headers["location"])
    assert "Credentials saved" in page.text
    assert CLIENT_ID in page.text
    assert CLIENT_SECRET not in page.text
    assert "saved — leave empty to keep it" in page.text
    assert 'id="connect-form"' in page.text
    async with ui_app.services.session_factory() as db:
        integration = await load_integration(db, ui_app.acme.id)
        assert integration is not None
        stored = ui_app.services.secret_box.decrypt(integration.secrets_encrypted)
    # The webhook URL and its secret are shown: the admin pastes both into Salesforce.
    assert stored["webhook_secret"] in page.text
    assert "/webhooks/salesforce/" in page.text
    assert stored["client_secret"] == CLIENT_SECRET


async def test_an_empty_secret_keeps_the_saved_one(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    await sign_in(client, ui_app.acme.api_key)
    await save(client)
    response = await save(client, client_secret="", login_choice="https://test.salesforce.com")
    assert response.status_code == 303
    async with ui_app.services.session_factory() as db:
        integration = await load_integration(db, ui_app.acme.id)
        assert integration is not None
        assert integration.settings["login_url"] == "https://test.salesforce.com"
        assert (
            ui_app.services.secret_box.decrypt(integration.secrets_encrypted)["client_secret"]
            == CLIENT_SECRET
        )


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"login_choice": "custom", "login_custom": "http://evil.example.com"},
            "login_url",
            "must use https://",
        ),
        ({"login_choice": "custom", "login_custom": ""}, "login_url", "The login URL is empty."),
        ({"client_id": "short"}, "client_id", "Too short"),
        ({"client_id": "3MVG9 AAAAAAAAAAAAAAAAAAAAAAAAAAA"}, "client_id", "Contains white space"),
        ({"client_secret": ""}, "client_secret", "Required"),
    ],
)
async def test_field_errors_are_shown_next_to_the_field(
    client: httpx2.AsyncClient, ui_app: UiApp, fields: dict[str, str], field: str, message: str
) -> None:
    await sign_in(client, ui_app.acme.api_key)
    response = await save(client, **fields)
    assert response.status_code == 422
    error = field_error(response.text, field)
    assert error is not None and message in error
    assert f'aria-describedby="{field}-error"' in response.text
    # What the admin typed is kept, except the secret.
    if "client_id" in fields:
        assert f'value="{fields["client_id"]}"' in response.text
    assert CLIENT_SECRET not in response.text
    async with ui_app.services.session_factory() as db:
        assert await load_integration(db, ui_app.acme.id) is None


async def test_connect_redirects_to_the_authorize_page(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    await sign_in(client, ui_app.acme.api_key)
    await save(client, login_choice="custom", login_custom="https://acme.my.salesforce.com")
    token = csrf_from((await client.get("/ui/settings/salesforce")).text)
    response = await client.post("/ui/settings/salesforce/connect", data={"csrf_token": token})
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert (target.scheme, target.netloc, target.path) == (
        "https",
        "acme.my.salesforce.com",
        "/services/oauth2/authorize",
    )
    query = parse_qs(target.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == ["http://baton.test/oauth/salesforce/callback"]
    assert query["state"] and query["code_challenge"]
    assert CLIENT_SECRET not in response.headers["location"]


async def test_connect_before_saving_asks_to_save_first(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    await sign_in(client, ui_app.acme.api_key)
    token = csrf_from((await client.get("/ui/settings/salesforce")).text)
    response = await client.post("/ui/settings/salesforce/connect", data={"csrf_token": token})
    assert response.headers["location"] == "/ui/settings/salesforce?notice=save_first"


@pytest.mark.parametrize("action", ["", "/connect", "/disconnect"])
async def test_settings_actions_need_the_csrf_token(
    client: httpx2.AsyncClient, ui_app: UiApp, action: str
) -> None:
    await sign_in(client, ui_app.acme.api_key)
    response = await client.post(f"/ui/settings/salesforce{action}", data={"client_id": CLIENT_ID})
    assert response.status_code == 403


async def test_disconnect_forgets_the_tokens(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    await sign_in(client, ui_app.acme.api_key)
    await save(client)
    async with ui_app.services.session_factory() as db, db.begin():
        integration = await load_integration(db, ui_app.acme.id)
        assert integration is not None
        stored = ui_app.services.secret_box.decrypt(integration.secrets_encrypted)
        # An access token only: disconnecting then needs no call to Salesforce.
        stored["access_token"] = "00D-access"
        integration.secrets_encrypted = ui_app.services.secret_box.encrypt(stored)
        integration.status = "connected"
        integration.settings = {
            **integration.settings,
            "instance_url": "https://acme.my.salesforce.com",
            "api_usage": {"used": 1234, "limit": 15000},
        }
    page = await client.get("/ui/settings/salesforce")
    assert "Connected" in page.text
    assert "https://acme.my.salesforce.com" in page.text
    assert "1,234 of 15,000" in page.text
    assert "00D-access" not in page.text

    response = await client.post(
        "/ui/settings/salesforce/disconnect", data={"csrf_token": csrf_from(page.text)}
    )
    assert response.headers["location"] == "/ui/settings/salesforce?notice=disconnected"
    async with ui_app.services.session_factory() as db:
        integration = await load_integration(db, ui_app.acme.id)
        assert integration is not None
        assert integration.status == "credentials_saved"
        assert "access_token" not in ui_app.services.secret_box.decrypt(integration.secrets_encrypted)


async def test_status_fragment(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    await sign_in(client, ui_app.acme.api_key)
    await save(client)
    fragment = await client.get("/ui/settings/salesforce/status")
    assert fragment.headers["x-baton-fragment"] == "salesforce-status"
    assert 'data-status="credentials_saved"' in fragment.text
    assert "<html" not in fragment.text


async def test_each_org_sees_only_its_own_settings(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    await sign_in(client, ui_app.acme.api_key)
    await save(client)
    client.cookies.clear()
    await sign_in(client, ui_app.globex.api_key)
    page = await client.get("/ui/settings/salesforce")
    assert "Not configured" in page.text
    assert CLIENT_ID not in page.text


async def test_email_channel_saves_the_support_address(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    await sign_in(client, ui_app.acme.api_key)
    page = await client.get("/ui/settings/email")
    assert "none yet" in page.text
    form = {"support_address": "Help@Acme.example.com", "csrf_token": csrf_from(page.text)}
    response = await client.post("/ui/settings/email", data=form)
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "Support address saved." in page.text
    assert '<code id="saved-address">help@acme.example.com</code>' in page.text

    # PUT semantics: a new address replaces the old one.
    await client.post(
        "/ui/settings/email",
        data={"support_address": "support@acme.example.com", "csrf_token": csrf_from(page.text)},
    )
    async with ui_app.services.session_factory() as db:
        addresses = (await db.execute(EmailAddress.__table__.select())).all()
        assert [(a.address, a.org_id) for a in addresses] == [("support@acme.example.com", ui_app.acme.id)]


async def test_email_channel_field_errors(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    await sign_in(client, ui_app.acme.api_key)
    token = csrf_from((await client.get("/ui/settings/email")).text)
    response = await client.post(
        "/ui/settings/email", data={"support_address": "not an address", "csrf_token": token}
    )
    assert response.status_code == 422
    assert field_error(response.text, "support_address")
    assert 'value="not an address"' in response.text


async def test_email_channel_address_of_another_org(client: httpx2.AsyncClient, ui_app: UiApp) -> None:
    async with ui_app.services.session_factory() as db, db.begin():
        db.add(EmailAddress(address="help@globex.example.com", org_id=ui_app.globex.id))
    await sign_in(client, ui_app.acme.api_key)
    token = csrf_from((await client.get("/ui/settings/email")).text)
    response = await client.post(
        "/ui/settings/email", data={"support_address": "help@globex.example.com", "csrf_token": token}
    )
    assert response.status_code == 409
    error = field_error(response.text, "support_address")
    assert error is not None and "Another organization already uses this address" in error
