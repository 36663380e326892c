"""Which web sites may talk to the widget API, per organization.

Kept in the org's settings document under ``widget.allowed_origins``; an empty list
(the default) lets any site embed the widget. This is a browser-side fence, not
authentication: it stops other sites' pages from using an org's widget, while the
visitor token is what protects a conversation.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

SETTINGS_KEY = "widget"


def normalize_origin(value: str) -> str:
    """``https://Shop.Example.com:443/`` → ``https://shop.example.com``; ValueError if not an origin."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("an origin is scheme://host[:port], e.g. https://shop.example.com")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError("an origin has no path, query, fragment or user")
    default_port = 443 if parts.scheme == "https" else 80
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


def allowed_origins(org_settings: dict[str, Any] | None) -> list[str]:
    widget = (org_settings or {}).get(SETTINGS_KEY) or {}
    origins = widget.get("allowed_origins") or []
    return [str(origin) for origin in origins]


def origin_allowed(org_settings: dict[str, Any] | None, origin: str | None) -> bool:
    """No Origin header (a server, or a same-origin GET) and an empty list both pass."""
    allowed = allowed_origins(org_settings)
    if not allowed or origin is None:
        return True
    try:
        return normalize_origin(origin) in allowed
    except ValueError:
        return False
