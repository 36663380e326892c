"""Parse one raw inbound mail into the fields Baton threads, stores and answers on.

Built on the stdlib ``email`` package with ``policy=default``. Real mail is
often broken (unknown charsets, raw 8-bit headers, missing headers), so every
header read is tolerant: a mail is never rejected for its encoding, because
the sender cannot fix it and the customer would be ignored.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage, Message, MIMEPart

from baton.channels.email.automated import automated_reason
from baton.channels.email.html_text import html_to_text, sanitize_html
from baton.channels.email.message_ids import (
    normalize_message_id,
    parse_message_id_list,
    synthetic_message_id,
)
from baton.channels.email.reply_text import extract_reply_text
from baton.channels.email.tickets import find_ticket_number

# Parts that carry machine-readable report data, not something a person attached.
_REPORT_PART_TYPES = frozenset(
    {
        "message/delivery-status",
        "message/global-delivery-status",
        "message/disposition-notification",
        "message/feedback-report",
        "text/rfc822-headers",
    }
)


@dataclass(frozen=True)
class Attachment:
    """Metadata of one attached (or inline, non-text) part; the content stays in the stored raw mail."""

    filename: str | None
    content_type: str
    size: int
    content_id: str | None = None
    inline: bool = False


@dataclass(frozen=True)
class InboundEmail:
    """One inbound mail, normalised.

    Message ids are in Baton's normal form (see ``message_ids``): no angle
    brackets, case preserved. Addresses are lowercased.
    """

    message_id: str
    message_id_is_synthetic: bool
    in_reply_to: str | None
    references: list[str]
    from_address: str
    from_name: str | None
    reply_to: list[str]
    to: list[str]
    cc: list[str]
    envelope_recipients: list[str]
    subject: str
    date: datetime | None
    text: str
    reply_text: str
    html: str | None
    attachments: list[Attachment] = field(default_factory=list)
    automated: str | None = None
    ticket_number: int | None = None


def parse_inbound(raw: bytes, *, envelope_recipients: list[str] | None = None) -> InboundEmail:
    """Parse raw RFC 5322 bytes.

    ``envelope_recipients`` are the SMTP ``RCPT TO`` addresses (or a provider's
    envelope field): where the mail was actually delivered, which for forwarded
    mail differs from the ``To`` header it keeps from the original. They are
    passed in because the raw bytes cannot be trusted to say (a sender can
    write any ``Delivered-To``). A mail without a Message-ID gets a
    deterministic synthetic one, so a second delivery of it is a duplicate.
    """
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # guaranteed by policy=default

    def header(name: str) -> str | None:
        return _header_text(message, name)

    declared_id = normalize_message_id(_raw_header(message, "Message-ID"))
    from_name, from_address = _first_address(message, "From")
    subject = re.sub(r"\s+", " ", header("Subject") or "").strip()

    plain_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    if plain_part is None and html_part is None and message.get_content_maintype() == "text":
        # A lone text part marked as an attachment is still the body.
        plain_part = message if message.get_content_subtype() != "html" else None
        html_part = message if message.get_content_subtype() == "html" else None
    plain = _normalise_newlines(_part_text(plain_part)) if plain_part is not None else None
    html_source = _part_text(html_part) if html_part is not None else None
    if plain is not None and plain.strip():
        text = plain.strip()
    elif html_source is not None:
        text = html_to_text(html_source)
    else:
        text = (plain or "").strip()

    return InboundEmail(
        message_id=declared_id or synthetic_message_id(raw),
        message_id_is_synthetic=declared_id is None,
        in_reply_to=normalize_message_id(_raw_header(message, "In-Reply-To")),
        references=parse_message_id_list(_raw_header(message, "References")),
        from_address=from_address,
        from_name=from_name,
        reply_to=_addresses(message, "Reply-To"),
        to=_addresses(message, "To"),
        cc=_addresses(message, "Cc"),
        envelope_recipients=[_clean_address(rcpt) for rcpt in envelope_recipients or [] if rcpt.strip()],
        subject=subject,
        date=_date(message),
        text=text,
        reply_text=extract_reply_text(text),
        html=sanitize_html(html_source) if html_source is not None else None,
        attachments=_attachments(message, skip=(plain_part, html_part)),
        automated=automated_reason(message, header, from_address),
        ticket_number=find_ticket_number(subject, text),
    )


def _repair(value: str) -> str:
    """Turn undecodable bytes (kept by the email package as surrogates) into text.

    Raw 8-bit headers are UTF-8 far more often than anything else; Windows-1252
    is the usual alternative and decodes any byte.
    """
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return _decode_bytes(value.encode("utf-8", "surrogateescape"), None)


def _raw_header(message: MIMEPart, name: str) -> str | None:
    """The undecoded value of the first ``name`` header (ids must not go through address parsing)."""
    wanted = name.lower()
    for key, value in message.raw_items():
        if key.lower() == wanted:
            return _repair(str(value))
    return None


def _header_text(message: MIMEPart, name: str) -> str | None:
    """A header's decoded text; falls back to the raw value when the structured parser fails."""
    try:
        value = message.get(name)
    except Exception:  # the header parser raises on some malformed input; the raw text is still useful
        return _raw_header(message, name)
    if value is None:
        return None
    text = _repair(str(value))
    if "\ufffd" in text:
        # The email package gives up on encoded words in charsets it does not know
        # (x-unknown, misspelt names); decoding them ourselves recovers the text.
        raw = _raw_header(message, name)
        if raw is not None and "=?" in raw:
            return _decode_encoded_words(raw)
    return text


def _decode_encoded_words(raw: str) -> str:
    parts: list[str] = []
    for chunk, charset in email.header.decode_header(raw):
        if isinstance(chunk, str):
            parts.append(chunk)
        elif charset is None:
            # decode_header returns unencoded stretches encoded this way.
            parts.append(chunk.decode("raw-unicode-escape"))
        else:
            parts.append(_decode_bytes(chunk, charset))
    return "".join(parts)


def _decode_bytes(data: bytes, charset: str | None) -> str:
    """Declared charset when it exists and fits, else UTF-8, else Windows-1252 (which decodes anything)."""
    for candidate in (charset, "utf-8"):
        if candidate:
            try:
                return data.decode(candidate)
            except (LookupError, UnicodeDecodeError):
                continue
    return data.decode("cp1252", errors="replace")


def _clean_address(address: str) -> str:
    return address.strip().strip("<>").strip().lower()


def _address_objects(message: MIMEPart, name: str) -> list[Address]:
    try:
        values = message.get_all(name) or []
        return [address for value in values for address in getattr(value, "addresses", ())]
    except Exception:  # malformed address lists: fall back to the permissive legacy parser below
        return []


def _addresses(message: MIMEPart, name: str) -> list[str]:
    found = [_clean_address(_repair(address.addr_spec)) for address in _address_objects(message, name)]
    if not found:
        raw_values = [
            _repair(str(value)) for key, value in message.raw_items() if key.lower() == name.lower()
        ]
        found = [_clean_address(addr) for _, addr in email.utils.getaddresses(raw_values)]
    return [address for address in found if "@" in address]


def _first_address(message: MIMEPart, name: str) -> tuple[str | None, str]:
    objects = _address_objects(message, name)
    if objects:
        display = _repair(objects[0].display_name).strip() or None
        return display, _clean_address(_repair(objects[0].addr_spec))
    raw = _raw_header(message, name)
    if raw is None:
        return None, ""
    display_name, address = email.utils.parseaddr(raw)
    return (display_name.strip() or None), _clean_address(address)


def _date(message: MIMEPart) -> datetime | None:
    try:
        value = message.get("Date")
        parsed: datetime | None = getattr(value, "datetime", None)
    except Exception:  # unparseable dates are common in spam and old clients
        return None
    if parsed is None:
        return None
    # "-0000" means "time zone unknown" (RFC 5322); treat it as UTC like everyone else.
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _part_text(part: MIMEPart) -> str:
    """Decoded text of a part, surviving unknown or lying charset declarations."""
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError, KeyError):
        return _decode_bytes(data, None)
    if not isinstance(content, str):
        return _decode_bytes(data, None)
    if "\ufffd" in content:
        # 8-bit text without a charset (read as ASCII) or mislabelled as ASCII/UTF-8:
        # when the bytes are valid UTF-8 they almost certainly are UTF-8.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return _repair(content)


def _attachments(message: MIMEPart, skip: tuple[MIMEPart | None, ...]) -> list[Attachment]:
    found: list[Attachment] = []
    _collect_attachments(message, {id(part) for part in skip if part is not None}, found)
    return found


def _collect_attachments(part: MIMEPart, skip_ids: set[int], found: list[Attachment]) -> None:
    content_type = part.get_content_type()
    if id(part) in skip_ids or content_type in _REPORT_PART_TYPES:
        return
    if part.get_content_maintype() == "multipart":
        for child in part.iter_parts():
            assert isinstance(child, MIMEPart)
            _collect_attachments(child, skip_ids, found)
        return
    filename = _safe_filename(part)
    disposition = part.get_content_disposition()
    # Text parts that are neither named nor marked as attachments are body fragments
    # (e.g. a list footer appended as its own part), not files.
    if part.get_content_maintype() == "text" and filename is None and disposition != "attachment":
        return
    found.append(
        Attachment(
            filename=filename,
            content_type=content_type,
            size=_part_size(part),
            content_id=normalize_message_id(_raw_header(part, "Content-ID")),
            inline=disposition == "inline",
        )
    )


def _safe_filename(part: MIMEPart) -> str | None:
    try:
        filename = part.get_filename()
    except Exception:  # broken RFC 2231 parameters: the part is still an attachment
        return None
    return _repair(filename) if filename else None


def _part_size(part: MIMEPart) -> int:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        try:
            items = inner if isinstance(inner, list) else []
            return sum(len(item.as_bytes()) for item in items if isinstance(item, Message))
        except Exception:  # a broken embedded message still counts as an attachment of unknown size
            return 0
    payload = part.get_payload(decode=True)
    return len(payload) if isinstance(payload, bytes) else 0
