"""The ticket reference number that threads a mail when its headers do not.

Outbound subjects carry ``[#12345]``. Customers' clients keep it when they
reply; some strip the ``#`` (``[12345]``), and people who start a fresh mail
sometimes type ``Ref: #12345`` or ``Reference: Ticket #12345`` in the body.
"""

from __future__ import annotations

import re

# Up to 12 digits: plenty for a counter, and keeps int() cheap on hostile input.
_SUBJECT_TOKEN = re.compile(r"\[\s*#?\s*(\d{1,12})\s*\]")
_BODY_TOKEN = re.compile(r"\b(?:Ref|Reference)\s*:\s*(?:Ticket\s*)?#\s*(\d{1,12})\b", re.IGNORECASE)


def ticket_from_subject(subject: str) -> int | None:
    """The ticket number in a subject token; the last token wins because Baton appends its own at the end."""
    matches = _SUBJECT_TOKEN.findall(subject)
    return int(matches[-1]) if matches else None


def ticket_from_body(text: str) -> int | None:
    """The first ``Ref: #n`` / ``Reference: Ticket #n`` in a body."""
    match = _BODY_TOKEN.search(text)
    return int(match.group(1)) if match else None


def find_ticket_number(subject: str, text: str) -> int | None:
    """Subject token first (what Baton writes), then a reference line in the body."""
    found = ticket_from_subject(subject)
    return found if found is not None else ticket_from_body(text)


def remove_ticket_tokens(subject: str, ticket_number: int) -> str:
    """The subject without any ``[#n]``/``[n]`` token for this ticket (other bracketed numbers stay)."""
    pattern = re.compile(r"\s*\[\s*#?\s*0*" + str(ticket_number) + r"\s*\]")
    return pattern.sub("", subject).strip()
