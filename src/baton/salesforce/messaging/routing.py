"""Routing attributes sent with a new conversation (and with every new messaging session).

Omni-Channel flows read them as text variables mapped from hidden pre-chat
fields, so every value is a string; a value the flow does not declare is
silently unusable there (see docs/salesforce-live-messaging.md).
"""

from __future__ import annotations

from typing import Any

from baton.salesforce.messaging.settings import RoutingSettings
from baton.store.models import Contact, Session

AUTHENTICATED = "authenticated"
ANONYMOUS = "anonymous"
# Salesforce parameters have a maximum length; 255 is the common default for text parameters.
MAX_VALUE_CHARS = 255


def routing_attributes(
    routing: RoutingSettings, session: Session, contact: Contact, *, authenticated: bool
) -> dict[str, str]:
    """The five standard attributes plus the configured extra mappings (empty values left out)."""
    attributes = {
        routing.session_id_attribute: session.id,
        routing.consumer_type_attribute: AUTHENTICATED if authenticated else ANONYMOUS,
        routing.origin_attribute: routing.origins.get(session.channel, session.channel),
        routing.priority_attribute: session.priority or routing.default_priority,
        routing.language_attribute: bcp47(session.language) or routing.default_language,
    }
    for name, source in routing.extra.items():
        value = _source_value(source, session, contact)
        if value:
            attributes[name] = value[:MAX_VALUE_CHARS]
    return attributes


def bcp47(language: str | None) -> str | None:
    """``en_us`` / ``EN-us`` → ``en-US``: the canonical casing of a BCP-47 tag."""
    if not language:
        return None
    parts = language.replace("_", "-").split("-")
    head, rest = parts[0].lower(), parts[1:]
    fixed = [p.upper() if len(p) == 2 else p.title() if len(p) == 4 else p.lower() for p in rest]
    return "-".join([head, *fixed])


def _source_value(source: str, session: Session, contact: Contact) -> str | None:
    kind, _, name = source.partition(".")
    value: Any
    if kind == "contact" and name.startswith("data."):
        value = (contact.data or {}).get(name.removeprefix("data."))
    elif kind == "contact":
        value = getattr(contact, name, None)
    else:
        value = getattr(session, name, None)
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
