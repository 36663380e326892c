"""Map HTTP responses and httpx2 transport failures to the Salesforce error family.

Shared by the REST and OAuth clients so both classify failures the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx2

from baton.salesforce.errors import (
    AuthExpired,
    DuplicateValue,
    Permanent,
    RateLimited,
    SalesforceError,
    Transient,
)

# Request bodies never travel with these, so they cannot have been applied by the server.
_NEVER_SENT: tuple[type[httpx2.TransportError], ...] = (
    httpx2.ConnectError,
    httpx2.ConnectTimeout,
    httpx2.PoolTimeout,
    httpx2.LocalProtocolError,
    httpx2.ProxyError,
    httpx2.UnsupportedProtocol,
)

# Methods whose replay cannot change anything on the server.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# How much of a non-JSON body (an HTML error page from a proxy, say) to keep for debugging.
_TEXT_BODY_LIMIT = 500


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One entry of Salesforce's ``[{"message", "errorCode", "fields"}]`` error array."""

    message: str
    error_code: str | None
    fields: tuple[str, ...] = ()


def is_write(method: str) -> bool:
    """Whether a request with this method may change data in Salesforce."""
    return method.upper() not in _SAFE_METHODS


def response_body(response: httpx2.Response) -> Any:
    """The JSON body, else a truncated text body, else None (empty body)."""
    if not response.content:
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:_TEXT_BODY_LIMIT]


def error_details(body: Any) -> list[ErrorDetail]:
    """Salesforce error entries from a REST error body, tolerating odd shapes.

    The documented shape is a JSON array of objects; a single object, the tree/collection
    ``statusCode`` spelling, and plain text are accepted too.
    """
    entries: list[Any] = body if isinstance(body, list) else [body] if isinstance(body, dict) else []
    details: list[ErrorDetail] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        code = entry.get("errorCode") or entry.get("statusCode")
        fields = entry.get("fields") or []
        details.append(
            ErrorDetail(
                message=str(entry.get("message") or ""),
                error_code=str(code) if code else None,
                fields=tuple(str(field) for field in fields) if isinstance(fields, list) else (),
            )
        )
    if not details and isinstance(body, str) and body.strip():
        details.append(ErrorDetail(message=body.strip(), error_code=None))
    return details


def error_for_details(
    status: int | None,
    details: list[ErrorDetail],
    *,
    body: Any,
    write: bool,
    context: str,
) -> SalesforceError:
    """The exception for a failed call given its status and Salesforce's error entries."""
    first = details[0] if details else ErrorDetail(message="", error_code=None)
    code = first.error_code
    reason = "; ".join(
        f"{detail.error_code}: {detail.message}" if detail.error_code else detail.message
        for detail in details
        if detail.message or detail.error_code
    )
    message = f"{context} failed" + (f": {reason}" if reason else "")

    if status == 401:
        return AuthExpired(message, status=status, error_code=code, body=body)
    if status == 429 or code == "REQUEST_LIMIT_EXCEEDED":
        return RateLimited(message, status=status, error_code=code, body=body)
    if status is not None and status >= 500:
        # A 502/504 comes from a gateway that lost the upstream answer: the write may have
        # been applied. A 500/503 is Salesforce itself refusing or rolling back.
        ambiguous = write and status in (502, 504)
        return Transient(message, ambiguous=ambiguous, status=status, error_code=code, body=body)
    duplicate = next((detail for detail in details if detail.error_code == "DUPLICATE_VALUE"), None)
    if duplicate is not None:
        return DuplicateValue(message, status=status, body=body)
    return Permanent(message, status=status, error_code=code, body=body)


def error_from_response(response: httpx2.Response, *, context: str) -> SalesforceError:
    """Map a non-success REST response to the matching exception."""
    body = response_body(response)
    return error_for_details(
        response.status_code,
        error_details(body),
        body=body,
        write=is_write(response.request.method),
        context=context,
    )


def error_from_transport(exc: httpx2.TransportError, *, method: str, context: str) -> Transient:
    """Map an httpx2 transport failure (no usable response) to ``Transient``.

    Only the exception's class name goes into the message: transport errors can carry
    proxy URLs, and the request they hold carries the bearer token.
    """
    ambiguous = is_write(method) and not isinstance(exc, _NEVER_SENT)
    name = type(exc).__name__
    note = " (the request may have been applied)" if ambiguous else ""
    return Transient(f"{context} failed: {name}{note}", ambiguous=ambiguous, error_code=name)
