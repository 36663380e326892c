"""An in-memory "customer mailbox": every message Baton sends ends up here, for the demo and the tests.

It reuses Baton's SMTP receiver (so it runs in the caller's event loop) and
parses what it receives with the plain stdlib, independently of Baton's own
inbound parser, so a mistake in one is not repeated by the other.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage

from baton.channels.email.message_ids import normalize_message_id, parse_message_id_list
from baton.channels.email.smtp_receiver import SmtpReceiver

__all__ = ["MailSink", "SinkMessage"]


@dataclass(frozen=True)
class SinkMessage:
    """One received message. Message ids are in Baton's normal form (no angle brackets)."""

    id: int
    received_at: datetime
    envelope_from: str
    envelope_to: list[str]
    from_header: str
    from_address: str
    to: list[str]
    subject: str
    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    text: str
    html: str | None
    headers: list[tuple[str, str]] = field(repr=False)
    raw: bytes = field(repr=False)

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (case-insensitive), as received."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def summary(self) -> dict[str, object]:
        """JSON-ready fields (no raw bytes)."""
        return {
            "id": self.id,
            "received_at": self.received_at.isoformat(),
            "envelope_from": self.envelope_from,
            "envelope_to": self.envelope_to,
            "from": self.from_header,
            "from_address": self.from_address,
            "to": self.to,
            "subject": self.subject,
            "message_id": self.message_id,
            "in_reply_to": self.in_reply_to,
            "references": self.references,
            "text": self.text,
            "has_html": self.html is not None,
        }


class MailSink:
    """SMTP server that keeps what it receives in memory (newest ``max_messages``)."""

    def __init__(self, *, max_messages: int = 1000, max_message_size: int = 25 * 1024 * 1024) -> None:
        self._receiver = SmtpReceiver(
            self._store, max_message_size=max_message_size, server_hostname="mailsink.invalid"
        )
        self._messages: list[SinkMessage] = []
        self._max_messages = max_messages
        self._next_id = 1
        self._changed = asyncio.Condition()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Start accepting SMTP on ``host:port`` (0 = any free port)."""
        await self._receiver.start(host, port)

    async def stop(self) -> None:
        """Stop the SMTP server; received messages stay readable."""
        await self._receiver.stop()

    @property
    def smtp_port(self) -> int:
        return self._receiver.bound_port

    @property
    def smtp_url(self) -> str:
        """A ``BATON_SMTP_URL`` value that delivers into this sink (loopback)."""
        return f"smtp://127.0.0.1:{self.smtp_port}"

    def messages(self) -> list[SinkMessage]:
        """Received messages, oldest first."""
        return list(self._messages)

    def get(self, message_id: int) -> SinkMessage | None:
        """A message by its sink number (``SinkMessage.id``)."""
        return next((message for message in self._messages if message.id == message_id), None)

    def clear(self) -> None:
        """Forget every message. Numbers keep counting, so old links never show a different mail."""
        self._messages.clear()

    # The timeout is part of the requested API (tests read better with it inline) and the error
    # message names what did arrive, which an outer asyncio.timeout could not.
    async def wait_for(
        self,
        predicate: Callable[[SinkMessage], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> SinkMessage:
        """The first message (already received or arriving) for which ``predicate`` is true.

        Raises ``TimeoutError`` naming how many messages did arrive, which is
        usually the first thing one wants to know when a test fails here.
        """

        def first_match() -> SinkMessage | None:
            return next((message for message in self._messages if predicate(message)), None)

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: first_match() is not None)
        except TimeoutError:
            subjects = [message.subject for message in self._messages]
            raise TimeoutError(f"no matching message within {timeout}s; received {subjects!r}") from None
        found = first_match()
        assert found is not None
        return found

    async def _store(self, raw: bytes, recipients: list[str]) -> None:
        message = _summarise(self._next_id, raw, recipients)
        self._next_id += 1
        self._messages.append(message)
        del self._messages[: -self._max_messages]
        async with self._changed:
            self._changed.notify_all()


def _summarise(number: int, raw: bytes, recipients: list[str]) -> SinkMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    from_header = str(parsed.get("From", ""))
    from_addresses = getattr(parsed.get("From"), "addresses", ())
    to_addresses = [
        address.addr_spec.lower()
        for header in (parsed.get_all("To") or [])
        for address in getattr(header, "addresses", ())
    ]
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    return SinkMessage(
        id=number,
        received_at=datetime.now(UTC),
        envelope_from=str(parsed.get("Return-Path", "")).strip().strip("<>"),
        envelope_to=list(recipients),
        from_header=from_header,
        from_address=from_addresses[0].addr_spec.lower() if from_addresses else "",
        to=to_addresses,
        subject=str(parsed.get("Subject", "")),
        message_id=normalize_message_id(str(parsed.get("Message-ID", "")) or None),
        in_reply_to=normalize_message_id(str(parsed.get("In-Reply-To", "")) or None),
        references=parse_message_id_list(str(parsed.get("References", "")) or None),
        text=_content(text_part),
        html=_content(html_part) if html_part is not None else None,
        headers=[(key, str(value)) for key, value in parsed.items()],
        raw=raw,
    )


def _content(part: object) -> str:
    get_content = getattr(part, "get_content", None)
    if get_content is None:
        return ""
    try:
        content = get_content()
    except (LookupError, ValueError):
        return ""
    # Mail travels with CRLF line ends; tests and the web view want plain newlines.
    return content.replace("\r\n", "\n") if isinstance(content, str) else ""
