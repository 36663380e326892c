"""The conversation transcript as CaseComment bodies.

Each message becomes one or more comments headed ``[2026-11-23 10:04 UTC] Customer (Jane Doe): …``.
Salesforce limits ``CommentBody`` to 4,000 *bytes* of UTF-8 (not characters), so long
or multibyte messages are split on character boundaries, preferring white space.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

COMMENT_BODY_MAX_BYTES = 4000
SPEAKERS = {"customer": "Customer", "ai": "AI agent", "agent": "Agent", "system": "System"}
CONTINUED = " (continued)"


@dataclass(frozen=True)
class TranscriptLine:
    message_id: int
    role: str
    author_name: str | None
    text: str
    created_at: datetime


@dataclass(frozen=True)
class CommentChunk:
    message_id: int
    body: str


def speaker_label(role: str, author_name: str | None) -> str:
    label = SPEAKERS.get(role, role.title())
    return f"{label} ({author_name})" if author_name else label


def header(line: TranscriptLine, *, continued: bool = False) -> str:
    stamp = line.created_at.strftime("%Y-%m-%d %H:%M UTC")
    suffix = CONTINUED if continued else ""
    return f"[{stamp}] {speaker_label(line.role, line.author_name)}{suffix}: "


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def _take_prefix(text: str, max_bytes: int) -> tuple[str, str]:
    """Split text so the first part fits max_bytes of UTF-8, cutting at white space when one is near."""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text, ""
    # Decode the longest valid prefix, dropping a partial multibyte character at the end.
    prefix = encoded[:max_bytes].decode("utf-8", errors="ignore")
    cut = prefix.rfind(" ")
    if cut > len(prefix) // 2:
        prefix = prefix[: cut + 1]
    return prefix, text[len(prefix) :]


def comment_chunks(line: TranscriptLine, max_bytes: int = COMMENT_BODY_MAX_BYTES) -> list[CommentChunk]:
    """The comments that carry one message, each within the byte limit."""
    chunks: list[CommentChunk] = []
    remaining = line.text if line.text else "(empty message)"
    continued = False
    while remaining:
        head = header(line, continued=continued)
        room = max_bytes - _utf8_len(head)
        part, remaining = _take_prefix(remaining, room)
        chunks.append(CommentChunk(message_id=line.message_id, body=head + part.rstrip()))
        continued = True
    return chunks


def transcript_comments(lines: list[TranscriptLine]) -> list[CommentChunk]:
    return [chunk for line in lines for chunk in comment_chunks(line)]
