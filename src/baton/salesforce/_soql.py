"""Safe formatting of values into SOQL text.

SOQL has no bind parameters over REST, so every untrusted value must go through one of
these helpers; concatenating raw strings into a query is an injection bug.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Literal

__all__ = ["soql_date", "soql_datetime", "soql_in", "soql_like", "soql_quote"]

# SOQL's escape sequences inside single-quoted literals (SOQL and SOSL reference,
# "Quoted String Escape Sequences"). Backslash first so later escapes are not doubled.
_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_NEEDS_ESCAPE = re.compile("[\\\\'\"\n\r\t\b\f]")


def _escape(value: str) -> str:
    return _NEEDS_ESCAPE.sub(lambda match: _ESCAPES[match.group(0)], value)


def soql_quote(value: str) -> str:
    """``value`` as a single-quoted SOQL string literal, with quotes and backslashes escaped."""
    if not isinstance(value, str):
        raise TypeError(f"soql_quote expects str, got {type(value).__name__}")
    return f"'{_escape(value)}'"


def soql_like(value: str, *, mode: Literal["exact", "prefix", "contains"] = "contains") -> str:
    """A quoted ``LIKE`` pattern matching ``value`` literally (its ``%`` and ``_`` escaped),
    with wildcards added for ``prefix`` or ``contains``."""
    escaped = _escape(value).replace("%", "\\%").replace("_", "\\_")
    if mode == "prefix":
        escaped += "%"
    elif mode == "contains":
        escaped = f"%{escaped}%"
    return f"'{escaped}'"


def soql_datetime(value: datetime) -> str:
    """A SOQL dateTime literal (unquoted, UTC, e.g. ``2026-01-02T03:04:05Z``).

    Naive datetimes are refused: guessing a time zone silently shifts query windows.
    """
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("soql_datetime needs a timezone-aware datetime")
    utc = (value - offset).replace(tzinfo=None)
    # Formatted by hand: strftime's %Y does not zero-pad years before 1000 on every platform.
    text = f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    if utc.microsecond:
        # SOQL accepts fractional seconds only as milliseconds.
        text += f".{utc.microsecond // 1000:03d}"
    return text + "Z"


def soql_date(value: date) -> str:
    """A SOQL date literal (unquoted, ``YYYY-MM-DD``)."""
    if isinstance(value, datetime):
        raise TypeError("soql_date expects a date; use soql_datetime for datetimes")
    return value.isoformat()


def soql_in(values: Iterable[str]) -> str:
    """A parenthesised list of quoted literals for ``IN``/``NOT IN``; refuses an empty list
    because ``IN ()`` is a syntax error in SOQL."""
    items = [soql_quote(value) for value in values]
    if not items:
        raise ValueError("soql_in needs at least one value")
    return f"({','.join(items)})"
