"""Salesforce OAuth 2.0: web-server flow with PKCE, refresh, revoke, signed state.

Token persistence and single-flight refresh across processes live elsewhere; these
functions only speak the protocol. Every request is form-encoded, as Salesforce requires.
Nothing here logs, and no exception or ``repr`` carries a secret or a token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import httpx2

from baton.salesforce._http import error_details, error_for_details, error_from_transport, response_body
from baton.salesforce.errors import OAuthError, SalesforceError

__all__ = [
    "DEFAULT_SCOPES",
    "InvalidState",
    "TokenResponse",
    "build_authorize_url",
    "exchange_code",
    "generate_pkce",
    "pkce_challenge",
    "refresh_access_token",
    "revoke_token",
    "sign_state",
    "validate_login_url",
    "verify_state",
    "verify_token_signature",
]

DEFAULT_SCOPES: tuple[str, ...] = ("api", "refresh_token", "offline_access")

_LOOPBACK_NAMES = frozenset({"localhost"})
_FORM_HEADERS = {"Accept": "application/json"}


# --- login URL ---------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_login_url(url: str) -> str:
    """Check a Salesforce login/My Domain URL and return it normalised (no trailing slash).

    Tokens and client secrets are posted to this URL, so it must be https; plain http is
    accepted only for loopback hosts (a local emulator). Raises ``ValueError`` with a reason.
    """
    candidate = url.strip()
    if not candidate:
        raise ValueError("The login URL is empty.")
    try:
        parts = urlsplit(candidate)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"The login URL is not a valid URL ({exc}).") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("https", "http"):
        raise ValueError("The login URL must start with https://.")
    if not host:
        raise ValueError("The login URL has no host name.")
    if parts.username is not None or parts.password is not None:
        raise ValueError("The login URL must not contain a user name or password.")
    if parts.query or parts.fragment:
        raise ValueError("The login URL must not contain a query string or fragment.")
    if any(char.isspace() for char in candidate):
        raise ValueError("The login URL must not contain spaces.")
    if scheme == "http" and not _is_loopback(host):
        raise ValueError(
            "The login URL must use https:// (plain http:// is only allowed for localhost, 127.0.0.1 or ::1)."
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), "", ""))


# --- PKCE and the authorize URL ------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge for a verifier: base64url(sha256(verifier)), unpadded (RFC 7636)."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def generate_pkce() -> tuple[str, str]:
    """A fresh ``(code_verifier, code_challenge)`` pair; the verifier is 86 URL-safe characters."""
    verifier = _b64url(secrets.token_bytes(64))
    return verifier, pkce_challenge(verifier)


def build_authorize_url(
    login_url: str,
    client_id: str,
    redirect_uri: str,
    *,
    state: str,
    code_challenge: str,
    scopes: tuple[str, ...] | list[str] = DEFAULT_SCOPES,
    prompt: str | None = "login consent",
) -> str:
    """The ``/services/oauth2/authorize`` URL that starts the web-server flow with PKCE."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(scopes),
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    if prompt:
        params["prompt"] = prompt
    # quote (not quote_plus) so spaces in scope/prompt become %20, which every server reads.
    return f"{validate_login_url(login_url)}/services/oauth2/authorize?{urlencode(params, quote_via=quote)}"


# --- signed state ------------------------------------------------------------------------


class InvalidState(ValueError):
    """The OAuth ``state`` was malformed, tampered with or expired (see ``reason``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Invalid OAuth state: {reason}")
        self.reason = reason


_MIN_SECRET_BYTES = 16
# Tolerated clock difference between the process that signed and the one verifying.
_CLOCK_SKEW_SECONDS = 60


def _state_mac(secret: bytes, payload: str) -> str:
    return _b64url(hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest())


def _check_secret(secret: bytes) -> None:
    if len(secret) < _MIN_SECRET_BYTES:
        raise ValueError(f"The state signing secret must be at least {_MIN_SECRET_BYTES} bytes.")


def sign_state(secret: bytes, data: dict[str, Any], *, now: datetime) -> str:
    """Sign ``data`` (JSON-serialisable) with HMAC-SHA256 into a URL-safe ``state`` value.

    The result is ``<payload>.<mac>``, both base64url; the payload carries the issue time
    so ``verify_state`` can enforce a maximum age. It is signed, not encrypted: do not
    put secrets in ``data``.
    """
    _check_secret(secret)
    document = {"d": data, "iat": int(now.timestamp())}
    payload = _b64url(json.dumps(document, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{payload}.{_state_mac(secret, payload)}"


def verify_state(secret: bytes, state: str, *, max_age_seconds: int = 600, now: datetime) -> dict[str, Any]:
    """Return the data signed into ``state``; raise ``InvalidState`` if tampered or expired."""
    _check_secret(secret)
    payload, dot, mac = state.partition(".")
    if not dot or not payload or not mac:
        raise InvalidState("malformed")
    if not hmac.compare_digest(_state_mac(secret, payload), mac):
        raise InvalidState("signature mismatch (tampered or signed with another key)")
    try:
        document = json.loads(_b64url_decode(payload))
    except (ValueError, UnicodeDecodeError):
        raise InvalidState("malformed") from None
    if not isinstance(document, dict) or not isinstance(document.get("d"), dict):
        raise InvalidState("malformed")
    issued = document.get("iat")
    if not isinstance(issued, int):
        raise InvalidState("malformed")
    age = now.timestamp() - issued
    if age > max_age_seconds:
        raise InvalidState("expired; start the connection again")
    if age < -_CLOCK_SKEW_SECONDS:
        raise InvalidState("issued in the future")
    data: dict[str, Any] = document["d"]
    return data


# --- token endpoint ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TokenResponse:
    """A successful token-endpoint answer. ``repr`` hides both tokens and the signature.

    ``refresh_token`` is None on a refresh grant unless the app rotates refresh tokens;
    callers keep the old one in that case. Salesforce sends no ``expires_in``: the access
    token lives until the session times out, so refresh on 401 rather than on a timer.
    """

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    instance_url: str
    id_url: str | None
    issued_at: datetime | None
    scope: str | None
    signature: str | None = field(repr=False)

    def __repr__(self) -> str:
        return (
            f"TokenResponse(access_token=<redacted>, refresh_token="
            f"{'<redacted>' if self.refresh_token else None}, instance_url={self.instance_url!r}, "
            f"id_url={self.id_url!r}, issued_at={self.issued_at!r}, scope={self.scope!r})"
        )

    @classmethod
    def from_json(cls, data: Any) -> TokenResponse:
        """Parse a token response body; raise ``OAuthError('invalid_response')`` if unusable."""
        if not isinstance(data, dict):
            raise OAuthError("invalid_response", "token response is not a JSON object")
        access_token = data.get("access_token")
        instance_url = data.get("instance_url")
        if not isinstance(access_token, str) or not access_token:
            raise OAuthError("invalid_response", "token response has no access_token")
        if not isinstance(instance_url, str):
            raise OAuthError("invalid_response", "token response has no instance_url")
        try:
            # The bearer token is sent to instance_url on every call: hold it to the same rule.
            instance_url = validate_login_url(instance_url)
        except ValueError as exc:
            raise OAuthError("invalid_response", f"unusable instance_url: {exc}") from None
        return cls(
            access_token=access_token,
            refresh_token=_optional_str(data.get("refresh_token")),
            instance_url=instance_url,
            id_url=_optional_str(data.get("id")),
            issued_at=_parse_issued_at(data.get("issued_at")),
            scope=_optional_str(data.get("scope")),
            signature=_optional_str(data.get("signature")),
        )


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _parse_issued_at(value: Any) -> datetime | None:
    """``issued_at`` is epoch milliseconds as a string; tolerate a number, ignore junk."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        millis = int(value)
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def verify_token_signature(token: TokenResponse, client_secret: str) -> bool:
    """Check Salesforce's ``signature``: base64(HMAC-SHA256(client_secret, id + issued_at)).

    Proves the id URL (user and org) came from Salesforce for this app's secret.
    """
    if token.signature is None or token.id_url is None or token.issued_at is None:
        return False
    issued_at_ms = str(round(token.issued_at.timestamp() * 1000))
    digest = hmac.new(
        client_secret.encode("utf-8"), (token.id_url + issued_at_ms).encode("utf-8"), hashlib.sha256
    ).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode("ascii"), token.signature)


async def _post_form(
    http: httpx2.AsyncClient, login_url: str, path: str, form: dict[str, str], *, context: str
) -> httpx2.Response:
    url = f"{validate_login_url(login_url)}{path}"
    try:
        response = await http.post(url, data=form, headers=_FORM_HEADERS)
    except httpx2.TransportError as exc:
        raise error_from_transport(exc, method="POST", context=context) from None
    if response.is_success:
        return response
    raise _oauth_error(response, context=context)


def _oauth_error(response: httpx2.Response, *, context: str) -> SalesforceError:
    """``OAuthError`` for an OAuth error body; the REST family for anything else (5xx, proxies)."""
    body = response_body(response)
    status = response.status_code
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        description = body.get("error_description")
        error = OAuthError(
            body["error"],
            description if isinstance(description, str) else None,
            status=status,
            body={"error": body["error"], "error_description": description},
        )
        if status >= 500:
            # Salesforce outage dressed as OAuth JSON: still worth retrying.
            return error_for_details(status, [], body=error.body, write=True, context=context)
        return error
    if status >= 500 or status == 429:
        return error_for_details(status, error_details(body), body=body, write=True, context=context)
    return OAuthError("invalid_response", f"unexpected HTTP {status} from the token endpoint", status=status)


async def _token_request(
    http: httpx2.AsyncClient, login_url: str, form: dict[str, str], *, context: str
) -> TokenResponse:
    response = await _post_form(http, login_url, "/services/oauth2/token", form, context=context)
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise OAuthError(
            "invalid_response", "token response is not JSON", status=response.status_code
        ) from None
    return TokenResponse.from_json(data)


async def exchange_code(
    http: httpx2.AsyncClient,
    login_url: str,
    *,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    code_verifier: str,
) -> TokenResponse:
    """Trade the authorization ``code`` from the callback for tokens (``authorization_code`` grant)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    return await _token_request(http, login_url, form, context="Salesforce authorization code exchange")


async def refresh_access_token(
    http: httpx2.AsyncClient,
    login_url: str,
    *,
    client_id: str,
    client_secret: str,
    refresh_token: str,
) -> TokenResponse:
    """Get a new access token. With rotation on, the response carries a new refresh token
    and the old one stops working: persist it before using the access token."""
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    return await _token_request(http, login_url, form, context="Salesforce token refresh")


async def revoke_token(http: httpx2.AsyncClient, login_url: str, token: str) -> None:
    """Revoke an access or refresh token (revoking a refresh token revokes its access tokens)."""
    form = {"token": token}
    await _post_form(http, login_url, "/services/oauth2/revoke", form, context="Salesforce token revoke")
