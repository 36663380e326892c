"""Web chat end to end: a visitor in Chromium, Baton with its worker, the MIAW emulator as Salesforce.

The visitor chats and asks for a human; the conversation waits in the emulator's
Messaging queue with all five routing attributes and the transcript; the rep's
reply shows in the widget with the rep's name; the visitor's reply reaches the rep;
the rep ends the chat and the widget says so.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page, async_playwright, expect
from widget_browser import host_page_app

from baton.app import create_app
from baton.salesforce.messaging.keys import generate_key_pair
from baton.services import Services
from baton.widget.settings import WidgetSettings
from baton_support import (
    CHROMIUM_ARGS,
    OrgCredentials,
    create_org,
    eventually,
    make_settings,
    serve_on_loopback,
)
from salesforce_emulator.miaw import DeploymentConfig, KeysetConfig, MiawConfig, create_miaw_app
from salesforce_emulator.runtime import EmulatorOptions
from salesforce_emulator.testing import run_emulator

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

SF_ORG_ID = "00D5g000004ABCDEAA"
DEPLOYMENT = "Baton_Web"
ISSUER = "https://baton.example"
KID = "baton-widget-e2e"
MIAW = "/_emulator/miaw"
ROUTING_ATTRIBUTES = ("OpencxSessionId", "Chat_Consumer_Type", "Origin", "Priority", "Chat_language")
# Short polls and leases: these bound how long the test waits, they are not performance claims.
FAST: dict[str, Any] = {
    "messaging_stream_poll_seconds": 0.1,
    "messaging_stream_lease_seconds": 3.0,
    "messaging_stream_backoff_seconds": 0.1,
    "messaging_stream_open_wait_seconds": 5.0,
    "job_poll_seconds": 0.05,
}
WAIT_MS = 30_000


@dataclass
class World:
    baton: str
    emulator: str
    site: str
    org: OrgCredentials
    http: httpx2.AsyncClient
    browser: Browser

    async def session(self, session_id: str) -> dict[str, Any]:
        response = await self.http.get(f"{self.baton}/api/v1/sessions/{session_id}", headers=self.org.headers)
        body: dict[str, Any] = response.json()
        return body

    async def conversation(self, conversation_id: str) -> dict[str, Any]:
        response = await self.http.get(f"{self.emulator}{MIAW}/conversations/{conversation_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def rep(self, action: str, conversation_id: str, **body: Any) -> None:
        response = await self.http.post(
            f"{self.emulator}{MIAW}/conversations/{conversation_id}/{action}", json=body
        )
        assert response.status_code in (200, 201, 204), response.text


@pytest.fixture
async def world(database_url: str, services: Services, chromium: str) -> AsyncIterator[World]:
    keys = generate_key_pair(kid=KID)
    miaw = MiawConfig(
        deployments=[
            DeploymentConfig(
                org_id=SF_ORG_ID,
                es_developer_name=DEPLOYMENT,
                hidden_prechat_fields=list(ROUTING_ATTRIBUTES),
                keyset=KeysetConfig(name="baton", issuer=ISSUER),
                estimated_wait_seconds=120,
            )
        ],
        ping_interval_seconds=1.0,
    )
    org = await create_org(services)

    def baton_app(url: str) -> FastAPI:
        app = create_app(make_settings(database_url, public_url=url, **FAST))  # with its in-process worker
        app.state.widget_settings = WidgetSettings(poll_seconds=0.2)
        return app

    with (
        run_emulator(EmulatorOptions(), miaw_app=create_miaw_app(miaw)) as emulator,
        serve_on_loopback(baton_app) as baton,
        serve_on_loopback(lambda _url: host_page_app(baton, org.org_id)) as site,
    ):
        async with httpx2.AsyncClient(timeout=30) as http, async_playwright() as playwright:
            # What the admin does in Salesforce Setup and in Baton's settings.
            added = await http.post(f"{emulator}{MIAW}/deployments/{DEPLOYMENT}/keys", json=keys.jwk)
            assert added.status_code == 201, added.text
            saved = await http.put(
                f"{baton}/api/v1/integrations/salesforce/messaging",
                json={
                    "instance_url": emulator,
                    "scrt_url": emulator,
                    "org_id": SF_ORG_ID,
                    "es_developer_name": DEPLOYMENT,
                    "auth_key_id": KID,
                    "private_key_pem": keys.private_key_pem,
                    "issuer": ISSUER,
                },
                headers=org.headers,
            )
            assert saved.status_code == 200 and saved.json()["status"] == "connected", saved.text
            browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                yield World(baton, emulator, site, org, http, browser)
            finally:
                await browser.close()


async def send(page: Page, text: str) -> None:
    await page.get_by_label("Message").fill(text)
    await page.get_by_label("Message").press("Enter")


async def test_a_visitor_reaches_a_salesforce_rep_and_back(world: World) -> None:
    page = await world.browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(world.site)
    await page.get_by_role("button", name="Chat with us").click()
    log = page.get_by_role("log", name="Conversation")

    await send(page, "Hello there")
    await expect(log.locator(".bw-role-ai")).to_have_count(1, timeout=WAIT_MS)
    await send(page, "I want to talk to a human, please.")
    await expect(log.locator(".bw-handoff")).to_be_visible(timeout=WAIT_MS)
    assert len(await page.evaluate("window.__baton.handoffs")) == 1
    stored = await page.evaluate(f"JSON.parse(localStorage.getItem('baton-widget:v1:{world.org.org_id}'))")
    session_id = str(stored["sessionId"])

    async def handed_off() -> dict[str, Any] | None:
        session = await world.session(session_id)
        handoff = session.get("handoff") or {}
        assert handoff.get("state") != "failed", handoff
        return session if handoff.get("state") == "done" else None

    done = await eventually(handed_off, timeout=30)
    conversation_id = str(done["salesforce_miaw_session_id"])
    conversation = await world.conversation(conversation_id)
    assert conversation["status"] == "Waiting"
    attributes = conversation["routingAttributes"]
    assert set(ROUTING_ATTRIBUTES) <= set(attributes)
    assert attributes["OpencxSessionId"] == session_id
    assert attributes["Origin"] == "Web" and attributes["Chat_Consumer_Type"] == "anonymous"
    assert attributes["Priority"] and attributes["Chat_language"]
    transcript = [e["text"] for e in conversation["transcript"] if e["entryType"] == "Message"]
    assert any(line.endswith("Hello there") for line in transcript)
    assert any(line.endswith("I want to talk to a human, please.") for line in transcript)
    ai_answers = await log.locator(".bw-role-ai .bw-text").all_inner_texts()
    for answer in ai_answers:
        assert any(line.endswith(answer.strip()) for line in transcript), answer

    # The rep accepts, types and answers: the widget shows who and what.
    await world.rep("accept", conversation_id, displayName="Jane Rep")
    await expect(page.get_by_text("You are chatting with Jane Rep")).to_be_visible(timeout=WAIT_MS)
    await world.rep("typing", conversation_id, started=True)
    await expect(page.get_by_text("Jane Rep is typing…")).to_be_visible(timeout=WAIT_MS)
    await world.rep("messages", conversation_id, text="Hi, I'm Jane. How can I help?")
    reply = log.locator(".bw-role-agent")
    await expect(reply).to_contain_text("Hi, I'm Jane. How can I help?", timeout=WAIT_MS)
    await expect(reply.locator(".bw-author")).to_have_text("Jane Rep")
    await expect(log.locator(".bw-wait")).to_contain_text("2 minutes")

    # The visitor's answer reaches the rep as the end user.
    await send(page, "My order number is 12345.")

    async def at_the_rep() -> list[str] | None:
        entries = (await world.conversation(conversation_id))["transcript"]
        found = [
            e["text"] for e in entries if e["role"] == "EndUser" and e["text"] == "My order number is 12345."
        ]
        return found or None

    assert len(await eventually(at_the_rep, timeout=30)) == 1

    # The rep ends the chat: the widget says so and offers a new conversation.
    await world.rep("end", conversation_id)
    await expect(page.get_by_text("The agent ended the chat.")).to_be_visible(timeout=WAIT_MS)
    await expect(page.get_by_role("button", name="Start a new conversation")).to_be_visible()
    await expect(log.locator(".bw-role-agent")).to_have_count(1)  # every rep message exactly once
