"""Turning pydantic validation errors into messages next to the form field they belong to."""

from __future__ import annotations

from pydantic import ValidationError

_FRIENDLY = {
    "string_too_short": "Too short: copy the whole value again.",
    "string_too_long": "Too long: check that only this value was pasted.",
    "missing": "Required.",
}


def field_errors(exc: ValidationError) -> dict[str, str]:
    """``{field: message}``, first message per field; the ``Value error, `` prefix is dropped."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        location = error.get("loc") or ("form",)
        name = str(location[0])
        message = _FRIENDLY.get(str(error.get("type")), str(error.get("msg", "Not valid.")))
        message = message.removeprefix("Value error, ")
        errors.setdefault(name, message[:1].upper() + message[1:])
    return errors
