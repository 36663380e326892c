"""What Baton posts into a MIAW conversation, as end-user text messages.

The API only lets the client post as the end user, so the AI transcript goes in
as speaker-labelled, time-stamped messages after a header with the summary, the
reasons and a link back to the session. Every posted part has a deterministic
message id (uuid5 of the session, the Baton message and the part), so a retried
post is refused as a duplicate (409) instead of showing twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from baton.salesforce.cases.transcript import speaker_label
from baton.store.models import Message, Session

MESSAGE_ID_NAMESPACE = uuid.UUID("6f1f0b5e-2d0c-4d43-9f4e-8a9f2f5b7c11")
CONTINUED = " (continued)"


@dataclass(frozen=True)
class OutgoingPart:
    """One text message to post, with the Baton message it carries (None for the header)."""

    message_id: str
    text: str
    baton_message_id: int | None


def part_message_id(session_id: str, source: str, part: int) -> str:
    """The MIAW message id of one part: stable across retries and processes."""
    return str(uuid.uuid5(MESSAGE_ID_NAMESPACE, f"{session_id}:{source}:{part}"))


def split_text(text: str, limit: int) -> list[str]:
    """Cut ``text`` into parts of at most ``limit`` characters, preferring white space."""
    parts: list[str] = []
    remaining = text
    while len(remaining) > limit:
        cut = remaining.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        parts.append(remaining[:cut].rstrip())
        remaining = remaining[cut:].lstrip()
    parts.append(remaining)
    return [p for p in parts if p] or [""]


def header_parts(session: Session, public_url: str, limit: int) -> list[OutgoingPart]:
    """The header for the current handoff: summary, reasons and the link to the session."""
    reasons = ", ".join(session.handoff_reasons) or "handoff requested"
    lines = [
        f"Handoff from the AI assistant — conversation #{session.ticket_number}",
        f"Reasons: {reasons}",
    ]
    if session.handoff_summary:
        lines.append(f"Summary: {session.handoff_summary}")
    lines.append(f"Full conversation and debug timeline: {public_url}/ui/sessions/{session.id}")
    source = f"header:{_handoff_key(session)}"
    return [
        OutgoingPart(part_message_id(session.id, source, index), text, None)
        for index, text in enumerate(split_text("\n".join(lines), limit))
    ]


def transcript_parts(
    session_id: str, message: Message, limit: int, *, contact_name: str | None
) -> list[OutgoingPart]:
    """One transcript message, labelled ``[time] Speaker (name): text``, split under ``limit``."""
    author = message.author_name or (contact_name if message.role == "customer" else None)
    label = speaker_label(message.role, author)
    stamp = _stamp(message.created_at)
    head = f"[{stamp}] {label}: "
    room = max(50, limit - len(head) - len(CONTINUED))
    pieces = split_text(message.text or "(empty message)", room)
    return [
        OutgoingPart(
            part_message_id(session_id, f"message:{message.id}", index),
            (f"[{stamp}] {label}{CONTINUED}: " if index else head) + piece,
            message.id,
        )
        for index, piece in enumerate(pieces)
    ]


def live_parts(session_id: str, message: Message, limit: int) -> list[OutgoingPart]:
    """A customer message written after the handoff: plain text, as the customer wrote it."""
    return [
        OutgoingPart(part_message_id(session_id, f"message:{message.id}", index), piece, message.id)
        for index, piece in enumerate(split_text(message.text or "(empty message)", limit))
    ]


def handoff_key(session: Session) -> str:
    """Identifies one handoff of a session (a session can be handed off again after the rep ends)."""
    return _handoff_key(session)


def _handoff_key(session: Session) -> str:
    requested = session.handoff_requested_at
    return requested.isoformat() if requested else "none"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
