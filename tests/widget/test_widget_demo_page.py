"""The demo's widget page embeds the script with the demo org's id and explains the tour."""

from __future__ import annotations

import httpx2
import pytest

from baton.demo import DemoUrls, welcome
from baton.demo_page.page import DemoLinks, create_demo_page

pytestmark = pytest.mark.anyio


def links(org_id: str | None) -> DemoLinks:
    return DemoLinks(
        baton="http://127.0.0.1:8000",
        api_key="bt_demo",
        console="http://127.0.0.1:8001/console",
        mailbox="http://127.0.0.1:8002",
        inbox=None,
        smtp_host="127.0.0.1",
        smtp_port=8003,
        support_address="support@acme.test",
        org_id=org_id,
    )


async def get(demo_links: DemoLinks, path: str) -> httpx2.Response:
    async with httpx2.AsyncClient() as baton_http:
        app = create_demo_page(demo_links, baton_http)
        async with httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=app), base_url="http://demo"
        ) as http:
            return await http.get(path)


async def test_the_widget_page_embeds_the_script_for_the_demo_org() -> None:
    response = await get(links("org-123"), "/widget-demo")
    assert response.status_code == 200
    assert '<script src="http://127.0.0.1:8000/widget.js" data-org="org-123" async></script>' in response.text
    assert "I want to talk to a human" in response.text


async def test_without_an_org_id_there_is_no_widget_page() -> None:
    assert (await get(links(None), "/widget-demo")).status_code == 404


def test_the_welcome_text_names_the_widget_page() -> None:
    urls = DemoUrls(
        baton="http://127.0.0.1:8000",
        docs="http://127.0.0.1:8000/docs",
        inbox=None,
        emulator="http://127.0.0.1:8001",
        console="http://127.0.0.1:8001/console",
        mailbox="http://127.0.0.1:8002",
        demo_page="http://127.0.0.1:8004",
        smtp_host="127.0.0.1",
        smtp_port=8003,
        org_id="org-123",
        api_key="bt_demo",
        support_address="support@acme.test",
        reused=False,
        notes=(),
    )
    assert "http://127.0.0.1:8004/widget-demo" in welcome(urls)
