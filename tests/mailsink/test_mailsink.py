"""The mail sink: receives over real SMTP, keeps messages in memory, shows them over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx2
import pytest

from baton.channels.email.compose import compose_reply
from baton.channels.email.smtp_send import send_message
from baton.mailsink import MailSink, SinkMessage, create_mailsink_app

pytestmark = pytest.mark.anyio


@pytest.fixture
async def sink() -> AsyncIterator[MailSink]:
    mail_sink = MailSink()
    await mail_sink.start("127.0.0.1", 0)
    try:
        yield mail_sink
    finally:
        await mail_sink.stop()


@pytest.fixture
async def web(sink: MailSink) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=create_mailsink_app(sink))
    async with httpx2.AsyncClient(transport=transport, base_url="http://sink.test") as client:
        yield client


async def send_reply(sink: MailSink, text: str, subject: str = "Where is my order?", **extra: object) -> str:
    message = compose_reply(
        support_address="support@acme.example",
        support_name="Acme Support",
        to_address="jane.doe@example.com",
        to_name="Jane Doe",
        subject=subject,
        ticket_number=10023,
        text=text,
        in_reply_to="CAJx-1@mail.gmail.com",
        references=["root@acme.example", "CAJx-1@mail.gmail.com"],
        automated=bool(extra.get("automated", False)),
    )
    await send_message(sink.smtp_url, message)
    return str(message["Message-ID"]).strip("<>")


async def test_keeps_a_parsed_summary_of_each_message(sink: MailSink) -> None:
    message_id = await send_reply(sink, "Hello Jane,\n\nit ships today.", automated=True)
    [received] = sink.messages()
    assert received.id == 1
    assert received.envelope_from == "support@acme.example"
    assert received.envelope_to == ["jane.doe@example.com"]
    assert received.from_header == "Acme Support <support@acme.example>"
    assert received.from_address == "support@acme.example"
    assert received.to == ["jane.doe@example.com"]
    assert received.subject == "Re: Where is my order? [#10023]"
    assert received.message_id == message_id
    assert received.in_reply_to == "CAJx-1@mail.gmail.com"
    assert received.references == ["root@acme.example", "CAJx-1@mail.gmail.com"]
    assert received.text == "Hello Jane,\n\nit ships today.\n"
    assert received.html is not None and "<p>it ships today.</p>" in received.html
    assert received.header("auto-submitted") == "auto-replied"
    assert received.raw.startswith(b"Return-Path: <support@acme.example>")


async def test_wait_for_returns_already_received_and_future_messages(sink: MailSink) -> None:
    await send_reply(sink, "first")
    first = await sink.wait_for(lambda m: m.text.startswith("first"), timeout=5)
    assert first.id == 1

    async def arrives_later() -> SinkMessage:
        return await sink.wait_for(lambda m: m.text.startswith("second"), timeout=5)

    waiter = asyncio.create_task(arrives_later())
    await asyncio.sleep(0)
    assert not waiter.done()
    await send_reply(sink, "second")
    second = await waiter
    assert second.id == 2


async def test_wait_for_times_out_naming_what_arrived(sink: MailSink) -> None:
    await send_reply(sink, "only this", subject="Something else")
    with pytest.raises(TimeoutError, match=r"Re: Something else \[#10023\]"):
        await sink.wait_for(lambda m: "never" in m.text, timeout=0.05)


async def test_keeps_only_the_newest_messages() -> None:
    small = MailSink(max_messages=2)
    await small.start()
    try:
        for n in range(3):
            await send_reply(small, f"message {n}")
    finally:
        await small.stop()
    assert [m.text.strip() for m in small.messages()] == ["message 1", "message 2"]
    assert small.get(1) is None and small.get(3) is not None


async def test_html_list_is_newest_first_escaped_and_refreshes(
    sink: MailSink, web: httpx2.AsyncClient
) -> None:
    await send_reply(sink, "a", subject="<b>First</b>")
    await send_reply(sink, "b", subject="Second")
    page = await web.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert "&lt;b&gt;First&lt;/b&gt;" in page.text and "<b>First</b>" not in page.text
    assert page.text.index("Second") < page.text.index("First")
    assert 'href="/messages/2"' in page.text


async def test_detail_page_and_raw_source(sink: MailSink, web: httpx2.AsyncClient) -> None:
    message_id = await send_reply(sink, "Hello <Jane>")
    page = await web.get("/messages/1")
    assert page.status_code == 200
    assert "Hello &lt;Jane&gt;" in page.text
    assert f"&lt;{message_id}&gt;" in page.text  # the Message-ID header row
    raw = await web.get("/messages/1/raw")
    assert raw.status_code == 200
    assert f"Message-ID: <{message_id}>" in raw.text
    assert (await web.get("/messages/99")).status_code == 404
    assert (await web.get("/messages/99/raw")).status_code == 404


async def test_json_api_lists_details_and_clears(sink: MailSink, web: httpx2.AsyncClient) -> None:
    first_id = await send_reply(sink, "one")
    await send_reply(sink, "two")
    listing = (await web.get("/api/messages")).json()["messages"]
    assert [m["id"] for m in listing] == [2, 1]
    assert listing[1]["message_id"] == first_id
    assert listing[1]["references"] == ["root@acme.example", "CAJx-1@mail.gmail.com"]
    assert listing[1]["subject"] == "Re: Where is my order? [#10023]"
    detail = (await web.get("/api/messages/1")).json()
    assert ["Subject", "Re: Where is my order? [#10023]"] in detail["headers"]
    assert "<p>one</p>" in detail["html"]
    assert (await web.get("/api/messages/42")).status_code == 404

    cleared = await web.delete("/api/messages")
    assert cleared.status_code == 204
    assert (await web.get("/api/messages")).json() == {"messages": []}
    assert sink.messages() == []
    # Numbering continues, so an old link never shows a different mail.
    await send_reply(sink, "three")
    assert [m.id for m in sink.messages()] == [3]
