"""Loads the raw .eml fixtures shared by the email tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"


@pytest.fixture
def eml() -> Callable[[str], bytes]:
    """``eml("gmail_reply_en")`` → the raw bytes of tests/fixtures/email/gmail_reply_en.eml."""

    def load(name: str) -> bytes:
        return (FIXTURES / f"{name}.eml").read_bytes()

    return load
