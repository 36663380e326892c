from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from baton.salesforce.cases.transcript import (
    COMMENT_BODY_MAX_BYTES,
    TranscriptLine,
    comment_chunks,
    transcript_comments,
)

WHEN = datetime(2026, 11, 23, 10, 4, 31, tzinfo=UTC)


def line(text: str, role: str = "customer", author: str | None = "Jane Doe", mid: int = 1) -> TranscriptLine:
    return TranscriptLine(message_id=mid, role=role, author_name=author, text=text, created_at=WHEN)


def test_short_message_is_one_comment_with_speaker_and_time() -> None:
    [chunk] = comment_chunks(line("Where is my order?"))
    assert chunk.body == "[2026-11-23 10:04 UTC] Customer (Jane Doe): Where is my order?"


def test_ai_speaker_without_name() -> None:
    [chunk] = comment_chunks(line("It ships tomorrow.", role="ai", author=None))
    assert chunk.body.startswith("[2026-11-23 10:04 UTC] AI agent: ")


def test_multibyte_text_is_split_by_bytes_not_characters() -> None:
    text = "é" * 3000  # 6,000 bytes, 3,000 characters
    chunks = comment_chunks(line(text))
    assert len(chunks) == 2
    assert all(len(c.body.encode()) <= COMMENT_BODY_MAX_BYTES for c in chunks)
    assert "(continued)" in chunks[1].body
    rebuilt = "".join(c.body.split(": ", 1)[1] for c in chunks)
    assert rebuilt == text


def test_transcript_keeps_message_order() -> None:
    lines = [line("first", mid=1), line("second", role="ai", author=None, mid=2)]
    assert [c.message_id for c in transcript_comments(lines)] == [1, 2]


@given(st.text(min_size=1, max_size=12_000))
def test_every_chunk_fits_and_no_text_is_lost(text: str) -> None:
    chunks = comment_chunks(line(text))
    assert all(len(c.body.encode("utf-8")) <= COMMENT_BODY_MAX_BYTES for c in chunks)
    bodies = "".join(c.body.split(": ", 1)[1] for c in chunks)
    # Only white space at a split point may be trimmed; every other character survives, in order.
    assert "".join(bodies.split()) == "".join(text.split())
