"""Real-browser tests: headless Chromium against Baton on a loopback port.

Needs Debian's chromium (``apt-get install -y chromium``); Playwright drives it
through ``executable_path`` because browser downloads are not possible here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect
from pydantic import SecretStr
from sqlalchemy import select
from ui_live import FAKE_SALESFORCE, LiveServer, live_server
from ui_support import SECRET_KEY, Org, make_org, make_session

import baton.store.models  # noqa: F401  (registers every table)
from baton.conversations.service import add_message
from baton.services import Services, build_services
from baton.settings import Settings
from baton.store.base import Base
from baton.store.models import DebugEvent, Session
from baton_support import CHROMIUM_ARGS

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

# Generous: these bound waits for polling and popups, they are not performance claims.
WAIT_MS = 20_000


@dataclass
class BrowserEnv:
    server: LiveServer
    services: Services
    acme: Org
    browser: Browser
    screenshots: Path


@pytest.fixture
async def env(tmp_path: Path, chromium: str, screenshots: Path) -> AsyncIterator[BrowserEnv]:
    database_url = f"sqlite:///{tmp_path / 'baton.db'}"
    services = build_services(Settings(database_url=database_url, secret_key=SecretStr(SECRET_KEY)))
    async with services.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    acme = await make_org(services.session_factory, "Acme")
    try:
        with live_server(database_url) as server:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                try:
                    yield BrowserEnv(server, services, acme, browser, screenshots)
                finally:
                    await browser.close()
    finally:
        await services.aclose()


async def sign_in(page: Page, env: BrowserEnv, path: str = "/ui/sessions") -> None:
    await page.goto(env.server.base_url + path)
    await expect(page.get_by_role("heading", name="Sign in to Baton")).to_be_visible()
    await page.get_by_label("API key").fill(env.acme.api_key)
    await page.get_by_role("button", name="Sign in").click()


async def no_horizontal_scroll(page: Page) -> bool:
    return bool(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


async def test_agent_hands_off_and_sees_the_rep_reply_arrive(env: BrowserEnv) -> None:
    factory = env.services.session_factory
    session = await make_session(
        factory,
        env.acme.id,
        email="ada@example.com",
        name="Ada Lovelace",
        subject="My order arrived broken and I would like a replacement",
        messages=[
            ("customer", "Hello, my order #4521 arrived broken. Can I get a replacement?"),
            ("ai", "I'm sorry to hear that! Could you send a photo of the damage?"),
            ("customer", "I already sent one yesterday. Please let me talk to a person."),
        ],
        priority="High",
        language="en",
    )
    await make_session(factory, env.acme.id, email="bob@example.org", channel="web", subject="Password reset")
    page = await env.browser.new_page(viewport={"width": 1280, "height": 900})

    await sign_in(page, env)
    await expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    rows = page.locator("table.sessions tbody tr")
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_contain_text("Password reset")  # newest first
    await expect(rows.nth(1)).to_contain_text("Ada Lovelace")

    await page.get_by_role("link", name=f"#{session.ticket_number}").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(f"Ticket #{session.ticket_number}")
    await expect(page.locator("#handoff-state")).to_contain_text("Not handed off")
    await expect(page.locator("#conversation .message")).to_have_count(3)

    await page.get_by_label("Reason").fill("Customer asked for a person")
    await page.get_by_role("button", name="Hand off to a human").click()
    await expect(page.get_by_role("status").filter(has_text="Handed off.")).to_be_visible()
    await expect(page.locator("#handoff-state")).to_contain_text("pending")
    await expect(page.get_by_role("button", name="Hand off to a human")).to_be_disabled()
    await expect(page.locator("#facts")).to_contain_text("Human")
    await expect(page.locator("#handoff-card")).to_contain_text("Customer asked for a person")

    # Open one timeline entry; it must stay open across the live refresh.
    async with factory() as db:
        requested_id = (
            await db.execute(
                select(DebugEvent.id).where(
                    DebugEvent.session_id == session.id, DebugEvent.type == "handoff.requested"
                )
            )
        ).scalar_one()
    entry = page.locator(f'details[data-event="{requested_id}"]')
    await entry.locator("summary").click()
    await expect(entry.locator("pre.json")).to_contain_text('"source": "manual"')

    # A rep answers in Salesforce; the page shows it without a reload.
    await page.evaluate("window.__notReloaded = true")
    async with factory() as db, db.begin():
        stored = await db.get(Session, session.id)
        assert stored is not None
        stored.handoff_state = "done"
        stored.salesforce_case_id = "500000000000123AAA"
        await add_message(
            db,
            stored,
            role="agent",
            text="Hi Ada, a replacement is on its way.",
            author_name="Rita (Support)",
        )
    reply = page.locator("#conversation .message.role-agent")
    await expect(reply).to_contain_text("a replacement is on its way", timeout=WAIT_MS)
    await expect(reply).to_contain_text("Rita (Support)")
    await expect(page.locator("#salesforce-case")).to_contain_text("500000000000123AAA")
    await expect(page.locator("#handoff-state")).to_contain_text("done")
    await expect(page.locator("#live-status")).to_have_text("1 new message.")
    assert await page.evaluate("window.__notReloaded === true")
    await expect(page.locator(f'details[data-event="{requested_id}"]')).to_have_attribute("open", "")

    await page.screenshot(path=str(env.screenshots / "session-1280.png"), full_page=True)
    assert await no_horizontal_scroll(page)
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.screenshot(path=str(env.screenshots / "session-390.png"), full_page=True)
    assert await no_horizontal_scroll(page)
    await page.get_by_role("link", name="← Inbox").click()
    await expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    await page.screenshot(path=str(env.screenshots / "inbox-390.png"), full_page=True)
    assert await no_horizontal_scroll(page)
    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.screenshot(path=str(env.screenshots / "inbox-1280.png"), full_page=True)


async def test_admin_saves_credentials_and_connects_in_a_popup(env: BrowserEnv) -> None:
    context = await env.browser.new_context(viewport={"width": 1280, "height": 900})
    await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=env.server.base_url)
    page = await context.new_page()
    await sign_in(page, env)
    await page.get_by_role("link", name="Salesforce").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Salesforce")
    await expect(page.locator("#status-badge")).to_have_text("Not configured")
    await expect(page.get_by_label("Custom login URL")).to_be_hidden()

    await page.get_by_label("Client ID").fill("3MVG9" + "A" * 40)
    await page.get_by_label("Client Secret").fill("consumer-secret-1234567890")
    await page.get_by_label("Login URL", exact=True).select_option("custom")
    await page.get_by_label("Custom login URL").fill("http://login.example.com")
    await page.get_by_role("button", name="Save credentials").click()
    error = page.locator("#login_url-error")
    await expect(error).to_contain_text("must use https://")
    await expect(page.get_by_label("Custom login URL")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("Client Secret")).to_have_value("")  # never sent back
    await page.screenshot(path=str(env.screenshots / "settings-error-1280.png"), full_page=True)

    await page.get_by_label("Client Secret").fill("consumer-secret-1234567890")
    await page.get_by_label("Custom login URL").fill(env.server.base_url + FAKE_SALESFORCE)
    await page.get_by_role("button", name="Save credentials").click()
    await expect(page.locator("#status-badge")).to_have_text("Credentials saved")
    await expect(page.get_by_label("Client Secret")).to_have_attribute(
        "placeholder", "saved — leave empty to keep it"
    )

    async with page.expect_popup() as popup_info:
        await page.get_by_role("button", name="Connect to Salesforce").click()
    popup = await popup_info.value
    await expect(page.locator("#status-badge")).to_have_text("Connected", timeout=WAIT_MS)
    await expect(page.locator("#oauth-result")).to_have_text("Connected to Salesforce.")
    await expect(page.locator("#instance-url")).to_have_text(env.server.base_url + FAKE_SALESFORCE)
    assert popup.is_closed()
    assert env.server.fake_salesforce.token_requests[0]["code"] == "fake-authorization-code"
    assert env.server.fake_salesforce.token_requests[0]["client_secret"] == "consumer-secret-1234567890"

    webhook_url = await page.get_by_label("Webhook URL").input_value()
    assert webhook_url.startswith(env.server.base_url + "/webhooks/salesforce/")
    await page.get_by_role("button", name="Copy Webhook URL").click()
    assert await page.evaluate("navigator.clipboard.readText()") == webhook_url
    assert len(await page.get_by_label("Webhook secret").input_value()) == 64
    await page.screenshot(path=str(env.screenshots / "settings-connected-1280.png"), full_page=True)
    await page.set_viewport_size({"width": 390, "height": 844})
    assert await no_horizontal_scroll(page)
    await page.screenshot(path=str(env.screenshots / "settings-connected-390.png"), full_page=True)
    await context.close()


async def test_a_refused_authorization_shows_salesforces_answer(env: BrowserEnv) -> None:
    env.server.fake_salesforce.approve = False
    page = await env.browser.new_page()
    await sign_in(page, env, "/ui/settings/salesforce")
    await page.get_by_label("Client ID").fill("3MVG9" + "B" * 40)
    await page.get_by_label("Client Secret").fill("consumer-secret-1234567890")
    await page.get_by_label("Login URL", exact=True).select_option("custom")
    await page.get_by_label("Custom login URL").fill(env.server.base_url + FAKE_SALESFORCE)
    await page.get_by_role("button", name="Save credentials").click()
    async with page.expect_popup() as popup_info:
        await page.get_by_role("button", name="Connect to Salesforce").click()
    popup = await popup_info.value
    await expect(popup.locator("#result")).to_have_text("Not connected", timeout=WAIT_MS)
    await expect(page.locator("#oauth-result")).to_contain_text("Salesforce did not connect", timeout=WAIT_MS)
    await expect(page.locator("#status-error")).to_contain_text("end-user denied authorization")
    await expect(page.locator("#status-badge")).to_have_text("Credentials saved")
    assert env.server.fake_salesforce.token_requests == []
