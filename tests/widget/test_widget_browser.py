"""The widget in a real browser: headless Chromium on a host page from another origin.

Needs Debian's chromium (``apt-get install -y chromium``); Playwright drives it through
``executable_path`` because browser downloads are not possible here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page, async_playwright, expect
from pydantic import SecretStr
from sqlalchemy import select
from widget_browser import host_page_app
from widget_support import WARRANTY_ARTICLE

import baton.store.models  # noqa: F401  (registers every table)
from baton.app import create_app
from baton.assistant.knowledge.store import Document, store_documents
from baton.conversations.service import add_message
from baton.services import Services, build_services
from baton.settings import Settings
from baton.store.base import Base
from baton.store.models import LiveEvent, Message, Session
from baton.widget.settings import WidgetSettings
from baton_support import CHROMIUM_ARGS, TEST_SECRET_KEY, OrgCredentials, create_org, serve_on_loopback

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

WAIT_MS = 20_000


@dataclass
class WidgetEnv:
    baton_url: str
    site_url: str
    services: Services
    org: OrgCredentials
    browser: Browser
    screenshots: Path


@pytest.fixture
async def env(tmp_path: Path, chromium: str, screenshots: Path) -> AsyncIterator[WidgetEnv]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'baton.db'}", secret_key=SecretStr(TEST_SECRET_KEY)
    )
    services = build_services(settings)
    async with services.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    org = await create_org(services)
    async with services.session_factory() as db:
        await store_documents(db, org.org_id, [Document("warranty.md", WARRANTY_ARTICLE, "markdown")])
        await db.commit()

    def baton_app(url: str) -> FastAPI:
        app = create_app(settings.model_copy(update={"public_url": url}), run_worker=False)
        app.state.widget_settings = WidgetSettings(poll_seconds=0.2)
        return app

    try:
        with (
            serve_on_loopback(baton_app) as baton_url,
            serve_on_loopback(lambda _url: host_page_app(baton_url, org.org_id)) as site_url,
        ):
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                try:
                    yield WidgetEnv(baton_url, site_url, services, org, browser, screenshots)
                finally:
                    await browser.close()
    finally:
        await services.aclose()


async def open_widget(page: Page, env: WidgetEnv) -> None:
    await page.goto(env.site_url)
    await page.get_by_role("button", name="Chat with us").click()
    await expect(page.get_by_role("dialog", name="Acme support")).to_be_visible()
    await expect(page.get_by_label("Message")).to_be_focused()


async def send(page: Page, text: str) -> None:
    await page.get_by_label("Message").fill(text)
    await page.get_by_label("Message").press("Enter")


async def session_id_of(page: Page, env: WidgetEnv) -> str:
    stored = await page.evaluate(f"JSON.parse(localStorage.getItem('baton-widget:v1:{env.org.org_id}'))")
    return str(stored["sessionId"])


async def write_live(env: WidgetEnv, session_id: str, type_: str, data: dict[str, object]) -> None:
    async with env.services.session_factory() as db, db.begin():
        session = await db.get(Session, session_id)
        assert session is not None
        db.add(LiveEvent(session_id=session.id, org_id=session.org_id, type=type_, data=data))


async def write_agent_message(env: WidgetEnv, session_id: str, text: str, **extra: object) -> None:
    async with env.services.session_factory() as db, db.begin():
        session = await db.get(Session, session_id)
        assert session is not None
        await add_message(db, session, role="agent", text=text, author_name="Rita", **extra)  # type: ignore[arg-type]


async def test_a_visitor_gets_the_ai_answer_a_handoff_and_the_reps_reply(env: WidgetEnv) -> None:
    page = await env.browser.new_page(viewport={"width": 1280, "height": 900})
    await open_widget(page, env)
    log = page.get_by_role("log", name="Conversation")
    await expect(log).to_have_attribute("aria-live", "polite")

    await send(page, "How long is the warranty?")
    await expect(log.locator(".bw-role-ai")).to_contain_text("two-year warranty", timeout=WAIT_MS)
    await expect(log.locator(".bw-role-customer")).to_contain_text("How long is the warranty?")

    await send(page, "I want to talk to a human")
    await expect(log.locator(".bw-handoff")).to_contain_text("A human will take over", timeout=WAIT_MS)
    handoffs = await page.evaluate("window.__baton.handoffs")
    assert len(handoffs) == 1
    assert set(handoffs[0]) == {"summary", "reasons", "sentiment"}
    assert handoffs[0]["reasons"] == ["user_requested_human_assistance"] and handoffs[0]["summary"]
    await expect(page.get_by_text("Waiting for an agent…")).to_be_visible()

    session_id = await session_id_of(page, env)
    await write_live(env, session_id, "wait", {"seconds": 180})
    await expect(log.locator(".bw-wait")).to_have_text("Estimated wait: about 3 minutes.", timeout=WAIT_MS)
    await write_live(env, session_id, "participant", {"operation": "joined", "name": "Rita"})
    await expect(page.get_by_text("You are chatting with Rita")).to_be_visible(timeout=WAIT_MS)
    await write_live(env, session_id, "typing", {"role": "agent", "name": "Rita", "active": True})
    await expect(page.get_by_text("Rita is typing…")).to_be_visible(timeout=WAIT_MS)
    await write_agent_message(env, session_id, "Hi, I'm Rita. <b>Let me</b> check your warranty.")
    reply = log.locator(".bw-role-agent")
    await expect(reply).to_contain_text(
        "Hi, I'm Rita. <b>Let me</b> check", timeout=WAIT_MS
    )  # text, not HTML
    await expect(reply.locator(".bw-author")).to_have_text("Rita")
    await expect(page.get_by_text("Rita is typing…")).to_be_hidden()
    messages = await page.evaluate("window.__baton.messages")
    assert [m["role"] for m in messages] == ["ai", "ai", "agent"]

    # The visitor's answer reaches Baton as a customer message of the human-owned session.
    await send(page, "Thanks Rita!")
    await expect(log.locator(".bw-role-customer").last).to_have_text("YouThanks Rita!")
    async with env.services.session_factory() as db:
        rows = await db.execute(
            select(Message.text).where(Message.session_id == session_id).order_by(Message.id)
        )
        assert list(rows.scalars())[-1] == "Thanks Rita!"

    # A reload keeps the conversation.
    await page.reload()
    await page.get_by_role("button", name="Chat with us").click()
    await expect(log.locator(".bw-msg")).to_have_count(6)
    await expect(log.locator(".bw-role-agent")).to_contain_text("check your warranty")
    await expect(page.get_by_text("You are chatting with Rita")).to_be_visible()
    assert len(await page.evaluate("window.__baton.messages")) == 0  # history is not "new"

    # The rep ends the chat: the widget says so and offers a new conversation.
    await write_live(env, session_id, "ended", {"by": "agent", "name": "Rita"})
    await expect(page.get_by_text("The agent ended the chat.")).to_be_visible(timeout=WAIT_MS)
    # The session is still open (back with the assistant): the visitor may go on or start over.
    await expect(page.get_by_label("Message")).to_be_visible()
    await expect(page.get_by_text("You are chatting with Rita")).to_be_hidden()
    await page.get_by_role("button", name="Start a new conversation").click()
    await expect(page.get_by_label("Message")).to_be_focused()
    await expect(log.locator(".bw-msg")).to_have_count(0)
    await expect(log.locator(".bw-greeting")).to_be_visible()
    await page.screenshot(path=str(env.screenshots / "widget-1280.png"))


async def test_the_widget_works_with_the_keyboard_alone(env: WidgetEnv) -> None:
    page = await env.browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(env.site_url)
    launcher = page.get_by_role("button", name="Chat with us")
    await expect(launcher).to_be_visible()
    for _ in range(10):
        await page.keyboard.press("Tab")
        if await launcher.evaluate("el => el.getRootNode().activeElement === el"):
            break
    else:
        raise AssertionError("the launcher cannot be reached with Tab")
    await expect(launcher).to_have_attribute("aria-expanded", "false")
    await page.keyboard.press("Enter")
    await expect(launcher).to_have_attribute("aria-expanded", "true")
    await expect(page.get_by_label("Message")).to_be_focused()
    await page.keyboard.type("How long is the warranty?")
    await page.keyboard.press("Enter")
    await expect(page.locator(".bw-role-ai")).to_contain_text("two-year", timeout=WAIT_MS)
    await expect(page.get_by_label("Message")).to_be_focused()
    # Shift+Tab goes back through the controls; Escape closes and returns focus to the launcher.
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Attach a file")).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Send")).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(page.get_by_role("dialog")).to_be_hidden()
    assert await launcher.evaluate("el => el.getRootNode().activeElement === el")
    await page.keyboard.press("Enter")
    await expect(page.get_by_label("Message")).to_be_focused()
    await page.get_by_role("button", name="Close chat").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("dialog")).to_be_hidden()


async def test_files_both_ways_and_the_phone_layout(env: WidgetEnv, tmp_path: Path) -> None:
    context = await env.browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, reduced_motion="reduce"
    )
    page = await context.new_page()
    await page.goto(env.site_url)
    # With reduced motion the panel does not slide in: it is in place as soon as it shows.
    assert await page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")
    await page.screenshot(path=str(env.screenshots / "widget-390-closed.png"))
    await page.get_by_role("button", name="Chat with us").click()
    panel = page.get_by_role("dialog", name="Acme support")
    await expect(panel).to_be_visible()
    box = await panel.bounding_box()
    assert box is not None and box["x"] == 0 and box["width"] == 390 and box["height"] == 844

    receipt = tmp_path / "receipt.png"
    receipt.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    await page.locator("input[type=file]").set_input_files(str(receipt))
    upload = page.get_by_role("link", name="receipt.png")
    await expect(upload).to_be_visible(timeout=WAIT_MS)
    href = await upload.get_attribute("href")
    assert href is not None and href.startswith(env.baton_url + "/widget/v1/sessions/")
    session_id = await session_id_of(page, env)

    refused = tmp_path / "tool.exe"
    refused.write_bytes(b"MZ\x90\x00" + b"\xff\x00" * 40)
    await page.locator("input[type=file]").set_input_files(str(refused))
    await expect(page.get_by_role("alert")).to_contain_text(
        "this type of file cannot be sent", timeout=WAIT_MS
    )

    await write_agent_message(
        env,
        session_id,
        "Here is the warranty form.",
        attachments=[
            {
                "name": "warranty-form.pdf",
                "mime_type": "application/pdf",
                "url": "https://files.example.com/f/1",
            }
        ],
    )
    await expect(page.get_by_role("link", name="warranty-form.pdf")).to_have_attribute(
        "href", "https://files.example.com/f/1", timeout=WAIT_MS
    )
    await send(
        page, "A long message to check wrapping: " + "pneumonoultramicroscopicsilicovolcanoconiosis " * 3
    )
    await expect(page.locator(".bw-role-customer").last).to_contain_text("pneumono")
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await page.screenshot(path=str(env.screenshots / "widget-390-open.png"))
    await context.close()


async def test_a_lost_connection_shows_a_banner_and_reconnects(env: WidgetEnv) -> None:
    context = await env.browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await open_widget(page, env)
    await send(page, "hello")
    await expect(page.locator(".bw-role-customer")).to_contain_text("hello", timeout=WAIT_MS)
    session_id = await session_id_of(page, env)
    banner = page.get_by_text("Connection lost. Reconnecting…")
    await expect(banner).to_be_hidden()
    await context.set_offline(True)
    await expect(banner).to_be_visible(timeout=WAIT_MS)
    await write_agent_message(env, session_id, "Written while you were away.")
    await context.set_offline(False)
    await expect(page.locator(".bw-role-agent")).to_contain_text(
        "Written while you were away.", timeout=WAIT_MS
    )
    await expect(banner).to_be_hidden()

    # Closed from the inbox: nothing more can be written to this session.
    async with env.services.session_factory() as db, db.begin():
        session = await db.get(Session, session_id)
        assert session is not None
        session.status = "closed_resolved"
    await expect(page.get_by_text("This conversation has ended.").first).to_be_visible(timeout=WAIT_MS)
    await expect(page.get_by_label("Message")).to_be_hidden()
    await expect(page.get_by_role("button", name="Start a new conversation")).to_be_visible()
    await context.close()
