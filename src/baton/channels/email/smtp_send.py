"""Send one message through an SMTP relay configured as a URL.

``smtp://[user:password@]host[:port][?starttls=1]`` or ``smtps://…`` (TLS from
the first byte, port 465). Failures map to two exceptions so the job runner can
decide: ``EmailTransientError`` is retried with backoff, ``EmailPermanentError``
is not (the recipient does not exist, the relay refuses our credentials).
No retries happen here.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
import structlog

__all__ = [
    "EmailPermanentError",
    "EmailSendError",
    "EmailTransientError",
    "SmtpTarget",
    "parse_smtp_url",
    "send_message",
]

log = structlog.get_logger(__name__)

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class EmailSendError(Exception):
    """A message could not be handed to the relay. ``code`` is the SMTP reply code, if there was one."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class EmailTransientError(EmailSendError):
    """Worth retrying later: connection refused or lost, timeouts, 4xx replies."""


class EmailPermanentError(EmailSendError):
    """Retrying will not help: 5xx replies (unknown recipient, rejected content, bad credentials)."""


@dataclass(frozen=True)
class SmtpTarget:
    """A parsed relay URL. ``repr`` and ``display`` never show the password."""

    host: str
    port: int
    use_tls: bool
    start_tls: bool | None  # None: upgrade when the server offers STARTTLS
    validate_certs: bool
    username: str | None
    password: str | None

    @property
    def display(self) -> str:
        scheme = "smtps" if self.use_tls else "smtp"
        return f"{scheme}://{self.host}:{self.port}"

    def __repr__(self) -> str:
        return f"SmtpTarget({self.display}, user={'set' if self.username else 'none'})"


def parse_smtp_url(smtp_url: str) -> SmtpTarget:
    """Parse a relay URL; raises ValueError (without echoing credentials) when it is unusable.

    Query options: ``starttls=1`` requires STARTTLS, ``starttls=0`` never uses it
    (default: use it when offered); ``validate_certs=0`` accepts self-signed
    certificates of a local relay.
    """
    parts = urlsplit(smtp_url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("SMTP URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("SMTP URL has no host")
    query = {key: values[-1].strip().lower() for key, values in parse_qs(parts.query).items()}
    start_tls = _flag(query.get("starttls"), "starttls")
    validate_certs = _flag(query.get("validate_certs"), "validate_certs")
    use_tls = parts.scheme == "smtps"
    if use_tls and start_tls:
        raise ValueError("smtps:// already uses TLS; starttls=1 does not apply")
    try:
        explicit_port = parts.port
    except ValueError:
        raise ValueError("SMTP URL has an invalid port") from None
    default_port = 465 if use_tls else (587 if start_tls else 25)
    return SmtpTarget(
        host=parts.hostname,
        port=explicit_port or default_port,
        use_tls=use_tls,
        start_tls=False if use_tls else start_tls,
        validate_certs=validate_certs is not False,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


def _flag(value: str | None, name: str) -> bool | None:
    if value is None or value == "":
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"SMTP URL option {name} must be 1 or 0")


# ``timeout`` is aiosmtplib's per-operation timeout (connect, each command), which an outer
# asyncio.timeout cannot express: a slow but progressing DATA upload must not be cut off.
async def send_message(smtp_url: str, message: EmailMessage, *, timeout: float = 30) -> None:  # noqa: ASYNC109
    """Hand ``message`` to the relay; envelope sender and recipients come from its headers.

    Raises ``EmailTransientError`` or ``EmailPermanentError``. A mail accepted
    for some recipients and refused for others counts as sent (the refusals
    are logged): retrying would duplicate it for the accepted ones.
    """
    try:
        target = parse_smtp_url(smtp_url)
    except ValueError as exc:
        raise EmailPermanentError(f"invalid SMTP URL: {exc}") from None

    try:
        refused, _reply = await aiosmtplib.send(
            message,
            hostname=target.host,
            port=target.port,
            username=target.username,
            password=target.password,
            use_tls=target.use_tls,
            start_tls=target.start_tls,
            validate_certs=target.validate_certs,
            timeout=timeout,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [refusal.code for refusal in exc.recipients]
        detail = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        error_class = EmailPermanentError if all(code >= 500 for code in codes) else EmailTransientError
        raise error_class(f"{target.display} refused every recipient: {detail}", code=max(codes)) from None
    except aiosmtplib.SMTPResponseException as exc:
        error_class = EmailPermanentError if exc.code >= 500 else EmailTransientError
        raise error_class(f"{target.display} replied {exc.code} {exc.message}", code=exc.code) from None
    except (
        aiosmtplib.SMTPServerDisconnected,
        aiosmtplib.SMTPConnectError,
        aiosmtplib.SMTPTimeoutError,
        OSError,
        TimeoutError,
    ) as exc:
        raise EmailTransientError(f"{target.display} unreachable: {type(exc).__name__}: {exc}") from None
    except aiosmtplib.SMTPException as exc:
        # What is left is a capability mismatch: starttls=1 or credentials against a relay that
        # offers no STARTTLS/AUTH, SMTPUTF8 needed but missing. Configuration, not a blip.
        raise EmailPermanentError(f"{target.display}: {exc.message}") from None
    except ValueError as exc:
        # aiosmtplib raises ValueError for a message without sender or recipients.
        raise EmailPermanentError(f"message not sendable: {exc}") from None

    if refused:
        log.warning(
            "smtp_recipients_refused",
            relay=target.display,
            refused={address: reply.code for address, reply in refused.items()},
        )
