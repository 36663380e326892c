"""Sending through a real SMTP server on loopback, and how failures are classified."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from email.message import EmailMessage
from typing import Any

import pytest
from structlog.testing import capture_logs

from baton.channels.email.compose import compose_reply
from baton.channels.email.smtp_send import (
    EmailPermanentError,
    EmailSendError,
    EmailTransientError,
    parse_smtp_url,
    send_message,
)

pytestmark = pytest.mark.anyio

# The ``smtp_server`` fixture from conftest.py (conftest modules are not importable by name).
SmtpServerFactory = Callable[..., AbstractAsyncContextManager[Any]]

SECRET = "p@ss:w/rd%secret"
SECRET_IN_URL = "p%40ss%3Aw%2Frd%25secret"


def message(to: str = "jane.doe@example.com") -> EmailMessage:
    return compose_reply(
        support_address="support@acme.example",
        support_name="Acme Support",
        to_address=to,
        to_name=None,
        subject="Where is my order?",
        ticket_number=10023,
        text="Your parcel is on its way.",
        in_reply_to="c1@example.com",
        references=[],
    )


async def test_delivers_the_message(smtp_server: SmtpServerFactory) -> None:
    async with smtp_server() as server:
        sent = message()
        await send_message(f"smtp://127.0.0.1:{server.port}", sent)
    [envelope] = server.received
    assert envelope.mail_from == "support@acme.example"
    assert envelope.rcpt_tos == ["jane.doe@example.com"]
    assert envelope.original_content is not None
    assert sent["Message-ID"].encode() in envelope.original_content


async def test_credentials_from_the_url_are_decoded_and_used(smtp_server: SmtpServerFactory) -> None:
    async with smtp_server(password=SECRET) as server:
        await send_message(f"smtp://mailer:{SECRET_IN_URL}@127.0.0.1:{server.port}", message())
    assert server.logins == [("mailer", SECRET)]
    assert len(server.received) == 1


async def test_rejected_credentials_are_permanent_and_the_password_is_never_shown(
    smtp_server: SmtpServerFactory,
) -> None:
    async with smtp_server(password="the-right-one") as server:
        with capture_logs() as logs, pytest.raises(EmailPermanentError) as caught:
            await send_message(f"smtp://mailer:{SECRET_IN_URL}@127.0.0.1:{server.port}", message())
    assert caught.value.code == 535
    shown = f"{caught.value!s} {caught.value!r} {logs!r} {caught.value.__cause__!r}"
    assert SECRET not in shown and SECRET_IN_URL not in shown
    assert server.received == []


async def test_unknown_recipient_is_permanent(smtp_server: SmtpServerFactory) -> None:
    async with smtp_server(rcpt_reply="550 5.1.1 <refuse@example.com>: user unknown") as server:
        with pytest.raises(EmailPermanentError) as caught:
            await send_message(f"smtp://127.0.0.1:{server.port}", message(to="refuse@example.com"))
    assert caught.value.code == 550
    assert "user unknown" in str(caught.value)


async def test_greylisted_recipient_is_transient(smtp_server: SmtpServerFactory) -> None:
    async with smtp_server(rcpt_reply="450 4.2.0 greylisted, try again later") as server:
        with pytest.raises(EmailTransientError) as caught:
            await send_message(f"smtp://127.0.0.1:{server.port}", message(to="refuse@example.com"))
    assert caught.value.code == 450


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ("451 4.3.0 local error", EmailTransientError),
        ("554 5.7.1 message rejected as spam", EmailPermanentError),
    ],
)
async def test_data_replies_are_classified_by_code(
    smtp_server: SmtpServerFactory, reply: str, error: type[EmailSendError]
) -> None:
    async with smtp_server(data_reply=reply) as server:
        with pytest.raises(error) as caught:
            await send_message(f"smtp://127.0.0.1:{server.port}", message())
    assert type(caught.value) is error
    assert caught.value.code == int(reply[:3])


async def test_connection_refused_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    # Nothing listens on free_port any more.
    with pytest.raises(EmailTransientError) as caught:
        await send_message(f"smtp://127.0.0.1:{free_port}", message())
    assert caught.value.code is None


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """Accepts TCP connections and never says anything (a hung relay)."""
    connections: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in connections:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_a_relay_that_never_answers_times_out_as_transient(silent_server: int) -> None:
    with pytest.raises(EmailTransientError):
        await send_message(f"smtp://127.0.0.1:{silent_server}", message(), timeout=0.2)


async def test_starttls_upgrade(smtp_server: SmtpServerFactory, tls_server_context: ssl.SSLContext) -> None:
    async with smtp_server(tls=tls_server_context, password=SECRET) as server:
        url = f"smtp://mailer:{SECRET_IN_URL}@127.0.0.1:{server.port}?starttls=1&validate_certs=0"
        await send_message(url, message())
    assert len(server.received) == 1


async def test_certificate_is_validated_unless_told_otherwise(
    smtp_server: SmtpServerFactory, tls_server_context: ssl.SSLContext
) -> None:
    async with smtp_server(tls=tls_server_context) as server:
        with pytest.raises(EmailTransientError):
            await send_message(f"smtp://127.0.0.1:{server.port}?starttls=1", message())
    assert server.received == []


async def test_required_starttls_missing_is_permanent(smtp_server: SmtpServerFactory) -> None:
    async with smtp_server() as server:
        with pytest.raises(EmailPermanentError, match="STARTTLS"):
            await send_message(f"smtp://127.0.0.1:{server.port}?starttls=1", message())
    assert server.received == []


async def test_implicit_tls(smtp_server: SmtpServerFactory, tls_server_context: ssl.SSLContext) -> None:
    async with smtp_server(tls=tls_server_context, implicit_tls=True) as server:
        await send_message(f"smtps://127.0.0.1:{server.port}?validate_certs=0", message())
    assert len(server.received) == 1


async def test_an_unusable_url_is_permanent() -> None:
    with pytest.raises(EmailPermanentError, match="smtp:// or smtps://"):
        await send_message("http://user:hunter2@mail.example.com", message())


# --- URL parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "host", "port", "use_tls", "start_tls"),
    [
        ("smtp://mail.example.com", "mail.example.com", 25, False, None),
        ("smtp://mail.example.com?starttls=1", "mail.example.com", 587, False, True),
        ("smtp://mail.example.com:2525?starttls=0", "mail.example.com", 2525, False, False),
        ("smtps://mail.example.com", "mail.example.com", 465, True, False),
        ("smtp://[::1]:1025", "::1", 1025, False, None),
    ],
)
def test_parse_smtp_url(url: str, host: str, port: int, use_tls: bool, start_tls: bool | None) -> None:
    target = parse_smtp_url(url)
    assert (target.host, target.port, target.use_tls, target.start_tls) == (host, port, use_tls, start_tls)
    assert target.validate_certs


def test_smtp_target_repr_hides_the_password() -> None:
    target = parse_smtp_url(f"smtp://mailer:{SECRET_IN_URL}@mail.example.com:587?starttls=1")
    assert (target.username, target.password) == ("mailer", SECRET)
    assert SECRET not in repr(target) and SECRET_IN_URL not in repr(target)
    assert target.display == "smtp://mail.example.com:587"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("smtp://", "no host"),
        ("smtp://mail.example.com:99999", "invalid port"),
        ("smtp://mail.example.com?starttls=maybe", "starttls must be 1 or 0"),
        ("smtps://mail.example.com?starttls=1", "already uses TLS"),
    ],
)
def test_parse_smtp_url_rejects(url: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_smtp_url(url)
