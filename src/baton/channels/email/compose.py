"""Build the outbound reply to a customer: headers that thread, a subject that carries the ticket token.

Threading follows RFC 5322 §3.6.4: ``In-Reply-To`` is the customer's latest
message, ``References`` is that message's chain followed by it. Long chains are
trimmed in the middle (first + last ids), which clients tolerate and which
keeps the header below mail-server limits.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from baton.channels.email.message_ids import format_message_id, new_message_id, parse_message_id_list
from baton.channels.email.tickets import remove_ticket_tokens

__all__ = ["MAX_REFERENCES", "compose_reply", "new_message_id", "reply_subject", "text_to_html"]

# Keep the thread root and the most recent ids; 20 ids stay far below the 998-octet line limit
# once folded, and every mainstream client only needs the root and the parent.
MAX_REFERENCES = 20

# Reply prefixes clients add (Re, German Aw, Scandinavian Sv/Vs, Dutch Antw, Italian Rif, Polish Odp),
# optionally counted ("Re[2]:"). Forward prefixes stay: "Re: Fwd: x" is what a reply to a forward is.
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|vs|antw|rif|odp)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def reply_subject(subject: str, ticket_number: int) -> str:
    """``Re: <subject> [#<ticket>]``: one ``Re:``, one token, whatever the customer's client did to it."""
    base = remove_ticket_tokens(subject, ticket_number)
    base = _REPLY_PREFIX.sub("", base)
    # Removing a token from the middle can leave a stray prefix behind ("Re: [#1] Re: x").
    base = re.sub(r"\s+", " ", _REPLY_PREFIX.sub("", base)).strip()
    token = f"[#{ticket_number}]"
    return f"Re: {base} {token}" if base else f"Re: {token}"


def compose_reply(
    *,
    support_address: str,
    support_name: str | None,
    to_address: str,
    to_name: str | None,
    subject: str,
    ticket_number: int,
    text: str,
    in_reply_to: str | None,
    references: list[str],
    message_id_domain: str | None = None,
    automated: bool = False,
    message_id: str | None = None,
    reply_to: str | None = None,
    date: datetime | None = None,
) -> EmailMessage:
    """A ready-to-send reply (text/plain with an HTML alternative).

    ``message_id``: pass one from ``new_message_id`` to store it before sending
    (so the customer's answer threads even if the send is retried); otherwise
    one is generated on ``message_id_domain`` or the support address's domain.
    ``references`` and ``in_reply_to`` accept ids in normal form or with
    brackets. ``automated=True`` marks AI-written replies (RFC 3834
    ``Auto-Submitted: auto-replied``) and asks Exchange not to send
    out-of-office answers back; a human rep's reply is not automated.
    ``reply_to`` is for sending from Baton's own domain on behalf of a support
    address whose domain is not yet DKIM-aligned.
    """
    domain = message_id_domain or support_address.rpartition("@")[2]
    own_id = message_id or new_message_id(domain)

    message = EmailMessage()
    message["From"] = _address(support_name, support_address)
    message["To"] = _address(to_name, to_address)
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = reply_subject(subject, ticket_number)
    message["Date"] = format_datetime(date or datetime.now(UTC))
    message["Message-ID"] = format_message_id(own_id)

    parent = parse_message_id_list(in_reply_to)
    chain = _reference_chain(references, parent[0] if parent else None)
    if parent:
        message["In-Reply-To"] = format_message_id(parent[0])
    if chain:
        message["References"] = " ".join(format_message_id(ref) for ref in chain)
    if automated:
        message["Auto-Submitted"] = "auto-replied"
        message["X-Auto-Response-Suppress"] = "OOF, AutoReply"

    message.set_content(text)
    message.add_alternative(text_to_html(text), subtype="html")
    return message


def _address(name: str | None, address: str) -> Address:
    username, _, domain = address.strip().rpartition("@")
    # Names come from customers' own headers: collapse line breaks so they cannot inject headers.
    display_name = re.sub(r"\s+", " ", name or "").strip()
    return Address(display_name=display_name, username=username, domain=domain)


def _reference_chain(references: list[str], parent: str | None) -> list[str]:
    chain: list[str] = []
    for value in [*references, parent or ""]:
        for ref in parse_message_id_list(value):
            if ref in chain:
                chain.remove(ref)  # keep the latest position: the parent must stay last
            chain.append(ref)
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return chain


def text_to_html(text: str) -> str:
    """Escaped HTML of a plain-text reply: blank lines separate paragraphs, newlines become ``<br>``."""
    paragraphs = [
        part.strip("\n") for part in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if part.strip()
    ]
    body = "\n".join("<p>" + html.escape(part).replace("\n", "<br>\n") + "</p>" for part in paragraphs)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n'
        f'<body style="font-family: sans-serif; line-height: 1.4;">\n{body}\n</body></html>\n'
    )
