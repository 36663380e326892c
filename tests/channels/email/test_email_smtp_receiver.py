"""The inbound SMTP server: acknowledges stored mail only, asks for retries on failure, limits size."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import aiosmtplib
import pytest

from baton.channels.email.compose import compose_reply
from baton.channels.email.parse import parse_inbound
from baton.channels.email.smtp_receiver import SmtpReceiver

pytestmark = pytest.mark.anyio

Handler = Callable[[bytes, list[str]], Awaitable[None]]


@asynccontextmanager
async def running(handler: Handler, **options: int) -> AsyncIterator[SmtpReceiver]:
    receiver = SmtpReceiver(handler, server_hostname="mx.baton.test", **options)
    await receiver.start("127.0.0.1", 0)
    try:
        yield receiver
    finally:
        await receiver.stop()


def customer_mail(body: str = "Where is my parcel?") -> bytes:
    return (
        "From: Jane Doe <jane.doe@example.com>\r\nTo: support@acme.example\r\n"
        "Subject: Order\r\nMessage-ID: <c1@example.com>\r\n\r\n" + body + "\r\n"
    ).encode()


async def test_hands_raw_bytes_and_envelope_recipients_to_the_handler() -> None:
    received: list[tuple[bytes, list[str]]] = []

    async def store(raw: bytes, recipients: list[str]) -> None:
        received.append((raw, recipients))

    async with running(store) as receiver:
        await aiosmtplib.send(
            customer_mail(),
            sender="jane.doe@example.com",
            recipients=["acme@in.baton.example", "acme-copy@in.baton.example"],
            hostname="127.0.0.1",
            port=receiver.bound_port,
        )
    [(raw, recipients)] = received
    assert recipients == ["acme@in.baton.example", "acme-copy@in.baton.example"]
    assert raw.startswith(b"Return-Path: <jane.doe@example.com>\r\n")
    assert raw.endswith(customer_mail())
    parsed = parse_inbound(raw, envelope_recipients=recipients)
    assert parsed.message_id == "c1@example.com"
    assert parsed.automated is None


async def test_acknowledges_only_after_the_handler_returned() -> None:
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow_store(raw: bytes, recipients: list[str]) -> None:
        entered.set()
        await release.wait()

    async with running(slow_store) as receiver:
        sending = asyncio.create_task(
            aiosmtplib.send(
                customer_mail(),
                sender="jane.doe@example.com",
                recipients=["acme@in.baton.example"],
                hostname="127.0.0.1",
                port=receiver.bound_port,
            )
        )
        await entered.wait()
        # The handler is still storing: the client must still be waiting for the DATA reply
        # (a premature 250 would complete the send well within this grace period).
        done, _pending = await asyncio.wait({sending}, timeout=0.2)
        assert not done
        release.set()
        _refused, reply = await sending
    assert reply.startswith("2.0.0")


async def test_handler_failure_answers_451_so_the_sender_retries() -> None:
    async def broken_store(raw: bytes, recipients: list[str]) -> None:
        raise RuntimeError("database unavailable")

    async with running(broken_store) as receiver:
        with pytest.raises(aiosmtplib.SMTPDataError) as caught:
            await aiosmtplib.send(
                customer_mail(),
                sender="jane.doe@example.com",
                recipients=["acme@in.baton.example"],
                hostname="127.0.0.1",
                port=receiver.bound_port,
            )
    assert caught.value.code == 451


async def test_oversized_mail_is_refused_with_552_when_declared_and_when_sent() -> None:
    stored: list[bytes] = []

    async def store(raw: bytes, recipients: list[str]) -> None:
        stored.append(raw)

    big = customer_mail("x" * 900 + "\r\n" + "y" * 900 + "\r\n" + "z" * 900)
    async with running(store, max_message_size=2000) as receiver:
        # aiosmtplib declares SIZE in MAIL FROM, so the server refuses before any data moves.
        with pytest.raises(aiosmtplib.SMTPSenderRefused) as declared:
            await aiosmtplib.send(
                big,
                sender="jane.doe@example.com",
                recipients=["acme@in.baton.example"],
                hostname="127.0.0.1",
                port=receiver.bound_port,
            )
        # A client that does not declare the size is stopped after DATA.
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=receiver.bound_port)
        async with client:
            await client.mail("jane.doe@example.com")
            await client.rcpt("acme@in.baton.example")
            with pytest.raises(aiosmtplib.SMTPDataError) as sent:
                await client.data(big)
            # The session stays usable: a small mail still goes through.
            await client.mail("jane.doe@example.com")
            await client.rcpt("acme@in.baton.example")
            await client.data(customer_mail())
    assert declared.value.code == 552
    assert sent.value.code == 552
    assert stored == [b"Return-Path: <jane.doe@example.com>\r\n" + customer_mail()]


async def test_null_sender_is_recorded_and_makes_the_mail_automated() -> None:
    stored: list[bytes] = []

    async def store(raw: bytes, recipients: list[str]) -> None:
        stored.append(raw)

    async with (
        running(store) as receiver,
        aiosmtplib.SMTP(hostname="127.0.0.1", port=receiver.bound_port) as client,
    ):
        await client.mail("")  # MAIL FROM:<>, as bounces and receipts are sent
        await client.rcpt("acme@in.baton.example")
        await client.data(customer_mail())
    assert stored[0].startswith(b"Return-Path: <>\r\n")
    assert parse_inbound(stored[0]).automated == "Return-Path: <>"


async def test_a_composed_reply_arrives_intact() -> None:
    stored: list[bytes] = []

    async def store(raw: bytes, recipients: list[str]) -> None:
        stored.append(raw)

    message = compose_reply(
        support_address="support@acme.example",
        support_name="Acme Support",
        to_address="jane.doe@example.com",
        to_name="Jane",
        subject="Lieferung verspätet",
        ticket_number=10031,
        text="Grüße ☕\n.\n.leading dot survives dot-stuffing",
        in_reply_to="c1@example.com",
        references=[],
    )
    async with running(store) as receiver:
        await aiosmtplib.send(message, hostname="127.0.0.1", port=receiver.bound_port)
    parsed = parse_inbound(stored[0])
    assert parsed.subject == "Re: Lieferung verspätet [#10031]"
    assert parsed.text == "Grüße ☕\n.\n.leading dot survives dot-stuffing"
    assert parsed.in_reply_to == "c1@example.com"


async def test_stop_closes_idle_sessions_and_frees_the_port() -> None:
    async def store(raw: bytes, recipients: list[str]) -> None:
        return None

    receiver = SmtpReceiver(store, server_hostname="mx.baton.test")
    await receiver.start("127.0.0.1", 0)
    port = receiver.bound_port
    idle_client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
    await idle_client.connect()
    await receiver.stop()
    with pytest.raises(aiosmtplib.SMTPServerDisconnected):
        await idle_client.noop()
    with pytest.raises(aiosmtplib.SMTPConnectError):
        await aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=2).connect()
    await receiver.stop()  # stopping twice is harmless
    with pytest.raises(RuntimeError, match="not running"):
        _ = receiver.bound_port


async def test_cannot_start_twice() -> None:
    async def store(raw: bytes, recipients: list[str]) -> None:
        return None

    async with running(store) as receiver:
        with pytest.raises(RuntimeError, match="already started"):
            await receiver.start("127.0.0.1", 0)
