"""The one exception family raised by Baton's Salesforce REST and OAuth clients.

Callers (jobs, the settings API) decide what to do from the class alone:

- ``AuthExpired``  — the access token was refused even after one refresh; reconnect.
- ``RateLimited``  — the org's API allocation (or a per-minute limit) is exhausted; back off.
- ``Transient``    — worth retrying later; if ``ambiguous`` is true the write may already
  have been applied, so reconcile (e.g. upsert by external id) instead of blindly re-creating.
- ``Permanent``    — retrying the same request will fail the same way.
- ``OAuthError``   — the token endpoint refused a grant; ``admin_message`` says what to fix.

Messages are built from Salesforce's error codes and texts only: never from request
headers, form bodies or token responses, so they are safe to log and to show.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "AuthExpired",
    "DuplicateValue",
    "MultipleMatches",
    "OAuthError",
    "Permanent",
    "RateLimited",
    "SalesforceError",
    "Transient",
    "oauth_admin_message",
]


class SalesforceError(Exception):
    """Base class: a Salesforce call failed.

    ``status`` is the HTTP status (None when no response arrived), ``error_code`` the
    Salesforce ``errorCode`` (or OAuth ``error``, or the transport exception's name),
    ``message`` a human-readable sentence and ``body`` the parsed error body, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code
        self.body = body

    def __str__(self) -> str:
        details = ", ".join(
            part
            for part in (
                f"HTTP {self.status}" if self.status is not None else "",
                self.error_code or "",
            )
            if part
        )
        return f"{self.message} ({details})" if details else self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, status={self.status!r}, "
            f"error_code={self.error_code!r})"
        )


class AuthExpired(SalesforceError):
    """The access token was refused (401 INVALID_SESSION_ID) and a refresh did not help."""


class RateLimited(SalesforceError):
    """403 REQUEST_LIMIT_EXCEEDED or 429: the org or endpoint is over its limit."""


class Transient(SalesforceError):
    """A failure worth retrying later: 5xx, connection failures, timeouts.

    ``ambiguous`` is True when the request may have been applied by Salesforce (the
    request bytes may have left this process and no reliable answer came back).
    """

    def __init__(
        self,
        message: str,
        *,
        ambiguous: bool,
        status: int | None = None,
        error_code: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message, status=status, error_code=error_code, body=body)
        self.ambiguous = ambiguous

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, ambiguous={self.ambiguous!r})"


class Permanent(SalesforceError):
    """Salesforce rejected the request itself (validation, permissions, not found…)."""


# "duplicate value found: OpenCX_Session_Id__c duplicates value on record with id: 500xx000000001"
_DUPLICATE_ID = re.compile(r"record with id:\s*([A-Za-z0-9]{15,18})\b")


class DuplicateValue(Permanent):
    """A unique field already holds this value (DUPLICATE_VALUE).

    ``existing_id`` is the id of the record holding it, parsed from Salesforce's message
    when present, so callers can adopt that record instead of failing.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = "DUPLICATE_VALUE",
        body: Any = None,
    ) -> None:
        super().__init__(message, status=status, error_code=error_code, body=body)
        self.existing_id = parse_duplicate_id(message)


class MultipleMatches(Permanent):
    """Upsert found several records with the same external id (HTTP 300); nothing was written.

    ``matches`` lists what Salesforce returned for the candidates (usually record URLs).
    """

    def __init__(self, message: str, *, matches: list[Any], body: Any = None) -> None:
        super().__init__(message, status=300, error_code="MULTIPLE_CHOICES", body=body)
        self.matches = matches


def parse_duplicate_id(message: str) -> str | None:
    """The conflicting record's id from a DUPLICATE_VALUE message, or None."""
    match = _DUPLICATE_ID.search(message)
    return match.group(1) if match else None


_CONNECT_AGAIN = "Click Connect to Salesforce again."

# Salesforce's OAuth error codes (help: "OAuth 2.0 Authorization Errors") in words an
# admin can act on. Keyed by (error, description fragment) first, then by error alone.
_ADMIN_MESSAGES_BY_DESCRIPTION: dict[tuple[str, str], str] = {
    ("invalid_grant", "expired access/refresh token"): (
        "Salesforce refused the saved connection (the refresh token expired or was revoked). "
        + _CONNECT_AGAIN
    ),
    ("invalid_grant", "invalid authorization code"): (
        "The sign-in with Salesforce took too long or was already used. " + _CONNECT_AGAIN
    ),
    ("invalid_grant", "user hasn't approved this consumer"): (
        "The Salesforce user has not approved this app. Approve it (or pre-authorize the user's profile "
        "or permission set on the External Client App), then click Connect to Salesforce again."
    ),
    ("invalid_grant", "ip restricted"): (
        "Salesforce refused the connection because of IP restrictions on the user or the External Client "
        "App. Relax the IP policy on the app, then click Connect to Salesforce again."
    ),
}

_ADMIN_MESSAGES: dict[str, str] = {
    "invalid_grant": (
        "Salesforce refused the sign-in or the saved connection (expired, revoked or already used). "
        + _CONNECT_AGAIN
    ),
    "invalid_client_id": (
        "Salesforce does not recognise the Client ID (Consumer Key). Check that it was copied from the "
        "External Client App exactly; a newly created app can take 2–10 minutes before Salesforce accepts it."
    ),
    "invalid_client": (
        "Salesforce refused the client credentials. Check the Client Secret (Consumer Secret) of the "
        "External Client App."
    ),
    "redirect_uri_mismatch": (
        "The callback URL does not match the External Client App. The Callback URL on the app must be "
        "exactly Baton's callback URL shown on this page (same scheme, host, port and path)."
    ),
    "inactive_user": (
        "The Salesforce user who connected is inactive or frozen. Reactivate the user or connect with "
        "another user."
    ),
    "inactive_org": (
        "The Salesforce org is inactive, locked or its trial has expired. Reactivate the org, then "
        "click Connect to Salesforce again."
    ),
    "invalid_scope": (
        "The External Client App does not allow the requested OAuth scopes. Add 'Manage user data via "
        "APIs (api)' and 'Perform requests at any time (refresh_token, offline_access)' to the app."
    ),
    "unsupported_grant_type": (
        "The External Client App does not allow this OAuth flow. Enable the authorization code flow "
        "(and refresh tokens) on the app."
    ),
    "invalid_request": ("Salesforce rejected the sign-in request as malformed. " + _CONNECT_AGAIN),
    "rate_limit_exceeded": (
        "Salesforce is limiting sign-in requests for this org right now. Wait a few minutes and try again."
    ),
    "access_denied": ("The Salesforce sign-in was cancelled or access was denied. " + _CONNECT_AGAIN),
    "unsupported_response_type": ("Salesforce rejected the sign-in request. " + _CONNECT_AGAIN),
    "invalid_response": (
        "Salesforce answered the sign-in with something Baton could not understand. Check the login URL "
        "(it must be https://login.salesforce.com, https://test.salesforce.com or your My Domain URL)."
    ),
}


def oauth_admin_message(error: str, description: str | None) -> str:
    """A sentence a Salesforce admin understands for an OAuth ``error``/``error_description``."""
    lowered = (description or "").lower()
    for (code, fragment), text in _ADMIN_MESSAGES_BY_DESCRIPTION.items():
        if code == error and fragment in lowered:
            return text
    return _ADMIN_MESSAGES.get(
        error, f"Salesforce refused the connection ({error}). Check the External Client App settings."
    )


class OAuthError(SalesforceError):
    """The OAuth token or revoke endpoint refused the request.

    ``error`` and ``description`` are Salesforce's ``error``/``error_description``;
    ``admin_message`` explains what an admin should do about it.
    """

    def __init__(
        self,
        error: str,
        description: str | None = None,
        *,
        status: int | None = None,
        body: Any = None,
    ) -> None:
        self.error = error
        self.description = description
        self.admin_message = oauth_admin_message(error, description)
        text = f"Salesforce OAuth error {error}"
        if description:
            text += f": {description}"
        super().__init__(text, status=status, error_code=error, body=body)
