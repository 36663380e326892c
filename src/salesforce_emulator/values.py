"""Converting field values between JSON and the org's stored Python values.

Stored values: ``str`` for text and ids, ``bool``, timezone-aware UTC ``datetime``,
``date``, or ``None``. On the wire Salesforce writes datetimes as
``2026-11-23T10:00:00.000+0000``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from salesforce_emulator.schema import FieldType

_DATETIME_INPUT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$"
)
_DATE_INPUT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def format_datetime(value: datetime) -> str:
    """Salesforce REST datetime format: milliseconds and a ``+0000`` offset."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def format_iso_utc(value: datetime) -> str:
    """ISO-8601 UTC with a ``Z``, as Apex ``JSON.serialize`` writes a Datetime."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_datetime(text: str) -> datetime | None:
    """A datetime with an explicit zone (``Z``, ``+0000`` or ``+00:00``), or None."""
    match = _DATETIME_INPUT.match(text)
    if not match:
        return None
    fraction = (match.group(7) or ".0")[1:7].ljust(6, "0")
    zone = match.group(8)
    zone_text = "+00:00" if zone == "Z" else f"{zone[:3]}:{zone[-2:]}"
    try:
        parsed = datetime.fromisoformat(
            f"{match.group(1)}-{match.group(2)}-{match.group(3)}T{match.group(4)}:{match.group(5)}:"
            f"{match.group(6)}.{fraction}{zone_text}"
        )
    except ValueError:
        return None
    return parsed.astimezone(UTC)


def parse_date(text: str) -> date | None:
    if not _DATE_INPUT.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def is_valid_email(text: str) -> bool:
    return bool(_EMAIL.match(text))


def to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


class CoercionError(ValueError):
    """A JSON value of the wrong kind for a field (Salesforce answers JSON_PARSER_ERROR)."""


def from_json(field_type: FieldType, value: Any) -> Any:
    """The stored value for a JSON input; raises CoercionError for the wrong JSON kind."""
    if value is None:
        return None
    if field_type is FieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        raise CoercionError(f"Cannot deserialize instance of boolean from {_json_kind(value)} value {value}")
    if field_type is FieldType.DATETIME:
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is None:
            raise CoercionError(f'Cannot deserialize value of type `datetime` from String "{value}"')
        return parsed
    if field_type is FieldType.DATE:
        parsed_date = parse_date(value) if isinstance(value, str) else None
        if parsed_date is None:
            raise CoercionError(f'Cannot deserialize value of type `date` from String "{value}"')
        return parsed_date
    if isinstance(value, str):
        return value
    raise CoercionError(f"Cannot deserialize instance of string from {_json_kind(value)} value {value}")


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "VALUE_TRUE" if value else "VALUE_FALSE"
    if isinstance(value, str):
        return "VALUE_STRING"
    if isinstance(value, int | float):
        return "VALUE_NUMBER"
    if isinstance(value, list):
        return "START_ARRAY"
    return "START_OBJECT"
