"""MIAW failures, mapped onto Baton's Salesforce error family.

The SCRT host answers errors as ``{"message": ...}`` (not REST's error array),
so the mapping lives here; the classes are those of ``baton.salesforce.errors``
plus a few MIAW-specific ones callers act on.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2

from baton.salesforce.errors import AuthExpired, Permanent, RateLimited, SalesforceError, Transient

__all__ = [
    "AlreadyExists",
    "AuthExpired",
    "IdentityNotVerified",
    "NoActiveSession",
    "Permanent",
    "RateLimited",
    "SalesforceError",
    "Transient",
    "error_for_response",
    "error_for_transport",
]

# Failures where the request cannot have reached the server.
_NEVER_SENT: tuple[type[httpx2.TransportError], ...] = (
    httpx2.ConnectError,
    httpx2.ConnectTimeout,
    httpx2.PoolTimeout,
    httpx2.LocalProtocolError,
    httpx2.UnsupportedProtocol,
)


class NoActiveSession(Permanent):
    """HTTP 417: the conversation has no messaging session; resend with a new session."""


class AlreadyExists(Permanent):
    """HTTP 409: the conversation or message id is already taken (a retried write landed)."""


class IdentityNotVerified(Permanent):
    """An identity token was sent but Salesforce answered with a guest (ANON) subject."""


def _body(response: httpx2.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:500]


def error_for_response(response: httpx2.Response, operation: str) -> SalesforceError:
    """The error for a non-2xx answer; tolerates bodies that are not JSON."""
    body = _body(response)
    detail = body.get("message") if isinstance(body, dict) else None
    status = response.status_code
    message = f"MIAW {operation} failed: {detail or response.reason_phrase or 'HTTP error'}"
    kwargs: dict[str, Any] = {"status": status, "error_code": None, "body": body}
    if status == 401:
        return AuthExpired(message, **kwargs)
    if status == 429:
        return RateLimited(message, **kwargs)
    if status == 417:
        return NoActiveSession(message, **kwargs)
    if status == 409:
        return AlreadyExists(message, **kwargs)
    if status >= 500 or status == 408:
        # The server may have applied the write before failing.
        return Transient(message, ambiguous=response.request.method != "GET", **kwargs)
    return Permanent(message, **kwargs)


def error_for_transport(exc: httpx2.TransportError, operation: str, method: str) -> Transient:
    """A transport failure; ``ambiguous`` when a write may have reached the server."""
    sent = not isinstance(exc, _NEVER_SENT)
    return Transient(
        f"MIAW {operation} failed: {type(exc).__name__}",
        ambiguous=sent and method.upper() != "GET",
        error_code=type(exc).__name__,
    )
