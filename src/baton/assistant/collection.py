"""Data collection before a handoff: which fields to ask for, and reading them from the answer.

Fields are asked once, together, in the customer's language; whatever the next message
gives is kept and the handoff proceeds, complete or not, so a customer is never stuck
in a form. Fields already known from the contact are not asked again.
"""

from __future__ import annotations

import re

from baton.assistant.settings import DataCollectionField
from baton.assistant.turn import ContactInfo

PENDING_KEY = "_pending_handoff"  # reasons waiting for the answer, comma-separated
ASKED_KEY = "_asked"  # the fields asked for, comma-separated
PROBLEM_FIELD = "problem"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
_ORDER = re.compile(r"(?:#\s?|\b)([A-Z]{0,4}-?\d{4,12})\b", re.IGNORECASE)
_NAME = re.compile(
    r"(?:my name is|i am|i'm|this is|me llamo|mi nombre es|soy|je m'appelle|je suis|mon nom est|"
    r"ich heisse|ich heiße|mein name ist|ich bin|meu nome e|meu nome é|me chamo|sou|اسمي)\s+"
    r"([^\W\d_][^\W\d_'-]*(?:[ '-][^\W\d_][^\W\d_'-]*){0,3})",
    re.IGNORECASE,
)


def _known_from_contact(field: str, contact: ContactInfo) -> str | None:
    if field == "email":
        return contact.email
    if field == "phone":
        return contact.phone
    if field == "name":
        return contact.name
    value = contact.data.get(field)
    return str(value) if value not in (None, "") else None


def fields_to_ask(
    configured: list[DataCollectionField],
    *,
    include_optional: bool,
    contact: ContactInfo,
    collected: dict[str, str],
    problem_known: bool,
) -> list[str]:
    """The fields still missing, in the configured order (plus the problem itself when unclear)."""
    missing = [
        item.field
        for item in configured
        if (item.required or include_optional)
        and not collected.get(item.field)
        and not _known_from_contact(item.field, contact)
    ]
    if include_optional and not problem_known and PROBLEM_FIELD not in missing:
        missing.append(PROBLEM_FIELD)
    return missing


def extract_fields(message: str, asked: list[str]) -> dict[str, str]:
    """Values for the asked fields found in the customer's answer."""
    found: dict[str, str] = {}
    remaining = message.strip()
    for field in asked:
        value: str | None = None
        if field == "email" and (match := _EMAIL.search(remaining)):
            value = match.group(0)
        elif field == "phone" and (match := _PHONE.search(remaining)):
            value = re.sub(r"[\s().-]", "", match.group(0))
        elif field == "order_number" and (match := _ORDER.search(_EMAIL.sub(" ", remaining))):
            value = match.group(1)
        elif field == "name" and (match := _NAME.search(remaining)):
            value = match.group(1).strip()
        if value:
            found[field] = value[:200]
    generic = [
        field for field in asked if field not in found and field not in ("email", "phone", "order_number")
    ]
    # A single free-form field (the problem, a name given bare): the whole answer is the value.
    if len(generic) == 1 and remaining:
        found[generic[0]] = remaining[:1000]
    return found
