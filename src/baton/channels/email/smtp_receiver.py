"""Inbound SMTP server: the final delivery point for mail addressed to Baton.

Built on aiosmtpd's protocol class directly (not its threaded Controller) so
it runs in the event loop of ``baton serve`` next to the web server. The reply
to DATA is the durability contract with the sending server: ``250`` only after
the handler has returned (the raw mail is stored), ``451`` when it raised (the
sender keeps the mail and retries), ``552`` above the size limit.
"""

from __future__ import annotations

import asyncio
import socket
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiosmtpd.smtp import SMTP, Envelope, Session

__all__ = ["DEFAULT_MAX_MESSAGE_SIZE", "InboundMailHandler", "RejectMessage", "SmtpReceiver"]

log = structlog.get_logger(__name__)

# Raw message bytes and the envelope recipients (RCPT TO).
InboundMailHandler = Callable[[bytes, list[str]], Awaitable[None]]

# 25 MiB is what the large mailbox providers accept; MIME base64 makes a 18 MiB file about that size.
DEFAULT_MAX_MESSAGE_SIZE = 25 * 1024 * 1024

ACCEPTED = "250 2.0.0 Message accepted for delivery"


class RejectMessage(Exception):
    """Raised by a handler to refuse a message for good (e.g. no such mailbox): answered with ``reply``."""

    def __init__(self, reply: str = "550 5.1.1 Recipient address rejected") -> None:
        super().__init__(reply)
        self.reply = reply


TRY_AGAIN = "451 4.3.0 Message not stored, please try again later"


class _DeliveryHook:
    """aiosmtpd handler object: hands each complete message to the application handler."""

    def __init__(self, handler: InboundMailHandler, *, add_return_path: bool) -> None:
        self._handler = handler
        self._add_return_path = add_return_path

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if self._add_return_path:
            # RFC 5321 §4.4: the delivering server records the envelope sender as Return-Path.
            # "<>" marks a bounce or other automatic notice, which the parser treats as automated.
            # aiosmtpd keeps the null sender as the literal "<>", other senders without brackets.
            sender = (envelope.mail_from or "").strip("<>").encode("utf-8", "surrogateescape")
            raw = b"Return-Path: <" + sender + b">\r\n" + raw
        recipients = list(envelope.rcpt_tos)
        try:
            await self._handler(raw, recipients)
        except RejectMessage as exc:
            log.info("smtp_inbound_rejected", recipients=recipients, reply=exc.reply)
            return exc.reply
        except Exception:
            log.exception("smtp_inbound_handler_failed", recipients=recipients, size=len(raw))
            return TRY_AGAIN
        return ACCEPTED


class SmtpReceiver:
    """An SMTP server inside the running event loop.

    ``handler(raw, recipients)`` must store the message durably before it
    returns; everything else (parsing, routing, answering) happens later in jobs.
    """

    def __init__(
        self,
        handler: InboundMailHandler,
        *,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
        server_hostname: str | None = None,
        add_return_path: bool = True,
        idle_timeout: float = 300,
    ) -> None:
        self._hook = _DeliveryHook(handler, add_return_path=add_return_path)
        self._max_message_size = max_message_size
        # aiosmtpd would call socket.getfqdn(), which can block on DNS for seconds.
        self._server_hostname = server_hostname or socket.gethostname()
        self._idle_timeout = idle_timeout
        self._server: asyncio.Server | None = None
        self._connections: weakref.WeakSet[SMTP] = weakref.WeakSet()

    def _make_protocol(self) -> SMTP:
        protocol = SMTP(
            self._hook,
            data_size_limit=self._max_message_size,
            enable_SMTPUTF8=True,
            hostname=self._server_hostname,
            ident="Baton ESMTP",
            timeout=self._idle_timeout,
            loop=asyncio.get_running_loop(),
        )
        self._connections.add(protocol)
        return protocol

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (port 0 picks a free port; see ``bound_port``)."""
        if self._server is not None:
            raise RuntimeError("SMTP receiver already started")
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._make_protocol, host=host, port=port)
        log.info("smtp_receiver_listening", host=host, port=self.bound_port)

    @property
    def bound_port(self) -> int:
        """The port actually listened on."""
        if self._server is None or not self._server.sockets:
            raise RuntimeError("SMTP receiver is not running")
        sockname: Any = self._server.sockets[0].getsockname()
        return int(sockname[1])

    async def stop(self) -> None:
        """Stop listening and drop open sessions; a message whose handler had not returned is not
        acknowledged, so its sender will deliver it again."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for protocol in list(self._connections):
            if protocol.transport is not None:
                protocol.transport.close()
        await server.wait_closed()
