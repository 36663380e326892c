"""``POST /services/oauth2/token``: authorization_code (+PKCE), refresh_token, client_credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from salesforce_emulator.errors import OAuthError
from salesforce_emulator.http_helpers import json_response, request_base_url, runtime_of
from salesforce_emulator.state import ConnectedApp, Org
from salesforce_emulator.tokens import AccessToken

_CODE_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
_REFRESH_SCOPES = frozenset({"refresh_token", "offline_access"})
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


async def token(request: Request) -> Response:
    runtime = runtime_of(request)
    org = runtime.org
    try:
        form = await _read_form(request)
        grant_type = form.get("grant_type")
        base_url = request_base_url(request)
        if grant_type == "authorization_code":
            body = _authorization_code(org, request, form, base_url)
        elif grant_type == "refresh_token":
            body = _refresh(org, request, form, base_url)
        elif grant_type == "client_credentials":
            body = _client_credentials(org, request, form, base_url)
        else:
            raise OAuthError("unsupported_grant_type", "grant type not supported")
    except OAuthError as exc:
        return json_response(exc.body(), exc.status, _NO_STORE)
    return json_response(body, 200, _NO_STORE)


async def _read_form(request: Request) -> dict[str, str]:
    """The form body; anything but ``application/x-www-form-urlencoded`` reads as no grant at all."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if content_type != "application/x-www-form-urlencoded":
        return {}
    return dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))


def _client(org: Org, request: Request, form: dict[str, str], *, always_require_secret: bool) -> ConnectedApp:
    """The calling app, from HTTP Basic credentials or ``client_id``/``client_secret`` in the body.

    The secret is optional only for the web-server and refresh flows of an app that does
    not tick "Require Secret" (PKCE alone then proves the caller).
    """
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic" and encoded:
        try:
            client_id, _, client_secret = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            raise OAuthError("invalid_client", "invalid client credentials") from None
    app = org.apps.get(client_id or "")
    if app is None:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if client_secret is None or client_secret == "":
        if always_require_secret or app.require_secret:
            raise OAuthError("invalid_client", "invalid client credentials")
    elif not hmac.compare_digest(client_secret, app.client_secret):
        raise OAuthError("invalid_client", "invalid client credentials")
    return app


def _authorization_code(org: Org, request: Request, form: dict[str, str], base_url: str) -> dict[str, Any]:
    app = _client(org, request, form, always_require_secret=False)
    code = org.tokens.take_code(form.get("code", ""), org.clock.now())
    if code is None or code.client_id != app.client_id:
        raise OAuthError("invalid_grant", "invalid authorization code")
    if form.get("redirect_uri") != code.redirect_uri:
        raise OAuthError("redirect_uri_mismatch", "redirect_uri must match configuration")
    verifier = form.get("code_verifier")
    if code.code_challenge is not None:
        # Salesforce: a missing verifier is invalid_grant, a wrong one invalid_request.
        if not verifier:
            raise OAuthError("invalid_grant", "invalid code verifier")
        if not _CODE_VERIFIER.match(verifier) or _challenge_for(verifier) != code.code_challenge:
            raise OAuthError("invalid_request", "invalid code verifier")
    if not org.integration_user_pinned:
        # The user who authorises the connection is the one whose writes Baton makes.
        org.integration_user_id = code.user_id
    refresh = None
    if _REFRESH_SCOPES & set(code.scopes):
        refresh = org.tokens.new_refresh_token(
            client_id=app.client_id, user_id=code.user_id, scopes=code.scopes
        )
    access = _issue(org, app, code.user_id, code.scopes, refresh.token if refresh else None)
    return _token_body(org, app, access, base_url, refresh.token if refresh else None)


def _refresh(org: Org, request: Request, form: dict[str, str], base_url: str) -> dict[str, Any]:
    app = _client(org, request, form, always_require_secret=False)
    refresh = org.tokens.refresh_tokens.get(form.get("refresh_token", ""))
    if refresh is None or refresh.revoked or refresh.client_id != app.client_id:
        raise OAuthError("invalid_grant", "expired access/refresh token")
    rotate = org.faults.rotate_refresh_tokens
    if rotate is None:
        rotate = app.rotate_refresh_tokens
    new_refresh = None
    if rotate:
        refresh.revoked = True
        new_refresh = org.tokens.new_refresh_token(
            client_id=app.client_id, user_id=refresh.user_id, scopes=refresh.scopes
        )
    current_refresh = new_refresh.token if new_refresh else refresh.token
    access = _issue(org, app, refresh.user_id, refresh.scopes, current_refresh)
    return _token_body(org, app, access, base_url, new_refresh.token if new_refresh else None)


def _client_credentials(org: Org, request: Request, form: dict[str, str], base_url: str) -> dict[str, Any]:
    app = _client(org, request, form, always_require_secret=True)
    user = org.user_by_username(app.client_credentials_username or "")
    if user is None:
        raise OAuthError("invalid_grant", "no client credentials user enabled")
    scopes = tuple(s for s in app.scopes if s not in _REFRESH_SCOPES)
    access = _issue(org, app, user["Id"], scopes, None)
    body = _token_body(org, app, access, base_url, None)
    body["api_instance_url"] = base_url
    return body


def _issue(
    org: Org, app: ConnectedApp, user_id: str, scopes: tuple[str, ...], refresh: str | None
) -> AccessToken:
    return org.tokens.new_access_token(
        client_id=app.client_id,
        user_id=user_id,
        scopes=scopes,
        now=org.clock.now(),
        lifetime=timedelta(seconds=org.access_token_lifetime_seconds),
        refresh_token=refresh,
    )


def _challenge_for(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _token_body(
    org: Org, app: ConnectedApp, access: AccessToken, base_url: str, refresh: str | None
) -> dict[str, Any]:
    identity_url = f"{base_url}/id/{org.org_id}/{access.user_id}"
    issued_at = str(int(access.issued_at.timestamp() * 1000))
    signature = base64.b64encode(
        hmac.new(app.client_secret.encode(), (identity_url + issued_at).encode(), hashlib.sha256).digest()
    ).decode()
    body: dict[str, Any] = {"access_token": access.token}
    if refresh is not None:
        body["refresh_token"] = refresh
    body.update(
        {
            "signature": signature,
            "scope": " ".join(access.scopes),
            "instance_url": base_url,
            "id": identity_url,
            "token_type": "Bearer",
            "issued_at": issued_at,
        }
    )
    return body
