"""``/services/oauth2/authorize``: web-server flow with a login page and an approval page.

Errors about the client or its redirect URI are shown on a page (the redirect URI
cannot be trusted yet); every other error goes back to the callback as query
parameters, as Salesforce does.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from salesforce_emulator.html_pages import hidden_fields, page
from salesforce_emulator.http_helpers import runtime_of
from salesforce_emulator.state import ConnectedApp, Org

_OAUTH_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "login_hint",
    "display",
    "nonce",
)
_CODE_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_BAD_LOGIN = (
    "Please check your username and password. "
    "If you still can't log in, contact your Salesforce administrator."
)


class _PageError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class _RedirectError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def _validate(org: Org, params: dict[str, str]) -> tuple[ConnectedApp, tuple[str, ...]]:
    app = org.apps.get(params.get("client_id", ""))
    if app is None:
        raise _PageError("invalid_client_id", "client identifier invalid")
    if params.get("redirect_uri") not in app.callback_urls:
        raise _PageError("redirect_uri_mismatch", "redirect_uri must match configuration")
    if params.get("response_type") != "code":
        raise _RedirectError("unsupported_response_type", "response type not supported")
    requested = tuple(params.get("scope", "").split()) or app.scopes
    if not set(requested) <= set(app.scopes):
        raise _RedirectError("invalid_scope", "the requested scope is not allowed")
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    if method is not None and method != "S256":
        raise _RedirectError("invalid_request", "unsupported code challenge method")
    if challenge is not None and not _CODE_CHALLENGE.match(challenge):
        raise _RedirectError("invalid_request", "invalid code challenge")
    return app, requested


def _callback(redirect_uri: str, values: dict[str, str]) -> RedirectResponse:
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{urlencode(values)}", status_code=302)


def _error_redirect(params: dict[str, str], error: str, description: str) -> RedirectResponse:
    values = {"error": error, "error_description": description}
    if "state" in params:
        values["state"] = params["state"]
    return _callback(params["redirect_uri"], values)


def _error_page(error: _PageError) -> HTMLResponse:
    body = (
        f"<h1>OAuth Error</h1><p id='oauth-error' class='error'>error={escape(error.error)}"
        f"&amp;error_description={escape(error.description)}</p>"
        "<p>We can't authorize you because of an OAuth error. For more information, contact your Salesforce "
        "administrator.</p>"
    )
    return HTMLResponse(page("OAuth Error", body), status_code=400)


def _login_page(params: dict[str, str], error: str | None = None) -> HTMLResponse:
    message = f"<p id='error' class='error'>{escape(error)}</p>" if error else ""
    body = (
        f"<h1>Log In</h1>{message}<form method='post' action='/services/oauth2/authorize' id='login_form'>"
        f"{hidden_fields(params)}<input type='hidden' name='action' value='login'>"
        "<p><label for='username'>Username</label><br>"
        "<input id='username' name='username' type='email' "
        f"value='{escape(params.get('login_hint', ''))}'></p>"
        "<p><label for='password'>Password</label><br>"
        "<input id='password' name='password' type='password'></p>"
        "<p><button id='Login' type='submit'>Log In</button></p></form>"
    )
    return HTMLResponse(page("Log In", body), status_code=200 if error is None else 401)


def _approve_page(
    params: dict[str, str], app: ConnectedApp, ticket: str, user_name: str, scopes: tuple[str, ...]
) -> HTMLResponse:
    scope_items = "".join(f"<li>{escape(s)}</li>" for s in scopes)
    fields = hidden_fields({**params, "ticket": ticket})
    body = (
        f"<h1>Allow Access?</h1><p id='approve-prompt'>{escape(app.name)} is asking to access your data as "
        f"<strong>{escape(user_name)}</strong>.</p><ul id='scopes'>{scope_items}</ul>"
        f"<form method='post' action='/services/oauth2/authorize' id='approve_form'>{fields}"
        "<button id='oaapprove' name='action' value='approve' type='submit'>Allow</button> "
        "<button id='oadeny' name='action' value='deny' type='submit'>Deny</button></form>"
    )
    return HTMLResponse(page("Allow Access?", body))


async def authorize(request: Request) -> Response:
    org = runtime_of(request).org
    if request.method == "GET":
        params = {k: v for k, v in request.query_params.items() if k in _OAUTH_PARAMS}
        action = None
        form_values: dict[str, str] = {}
    else:
        form = await request.form()
        form_values = {k: v for k, v in form.items() if isinstance(v, str)}
        params = {k: v for k, v in form_values.items() if k in _OAUTH_PARAMS}
        action = form_values.get("action")
    try:
        app, scopes = _validate(org, params)
    except _PageError as exc:
        return _error_page(exc)
    except _RedirectError as exc:
        return _error_redirect(params, exc.error, exc.description)

    now = org.clock.now()
    if action is None:
        return _login_page(params)
    if action == "login":
        user = org.check_password(form_values.get("username", ""), form_values.get("password", ""))
        if user is None:
            return _login_page(params, _BAD_LOGIN)
        ticket = org.tokens.new_login_ticket(user["Id"], now)
        return _approve_page(params, app, ticket.ticket, str(user["Name"]), scopes)
    login = org.tokens.take_login_ticket(form_values.get("ticket", ""), now)
    if login is None:
        return _login_page(params, "Your session has expired. Please log in again.")
    if action == "deny":
        return _error_redirect(params, "access_denied", "end-user denied authorization")
    if action != "approve":
        return _login_page(params)
    code = org.tokens.new_code(
        client_id=app.client_id,
        redirect_uri=params["redirect_uri"],
        user_id=login.user_id,
        scopes=scopes,
        code_challenge=params.get("code_challenge"),
        now=now,
    )
    values = {"code": code.code}
    if "state" in params:
        values["state"] = params["state"]
    return _callback(params["redirect_uri"], values)
