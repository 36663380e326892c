"""The admin and test API under ``/_emulator/``: configure the org, inspect it, act as the rep.

Not part of Salesforce; unauthenticated on purpose (a local tool).
"""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from salesforce_emulator.apex import NAMED_CREDENTIAL
from salesforce_emulator.errors import ApiError
from salesforce_emulator.faults import FaultSettings, FaultSettingsError, apply_fault_update
from salesforce_emulator.http_helpers import json_response, runtime_of
from salesforce_emulator.rep_actions import CaseNotFound, add_comment, close_case, send_email
from salesforce_emulator.schema import sobject
from salesforce_emulator.state import ConnectedApp, NamedCredential, public_record
from salesforce_emulator.values import format_iso_utc, to_json


class _BadInput(Exception):
    pass


async def _json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _BadInput(f"invalid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise _BadInput("expected a JSON object")
    return body


def _bad(message: str, status: int = 400) -> Response:
    return json_response({"error": message}, status)


async def faults(request: Request) -> Response:
    org = runtime_of(request).org
    if request.method == "DELETE":
        org.faults = FaultSettings()
    elif request.method == "POST":
        try:
            actions = apply_fault_update(org.faults, await _json_object(request), time.monotonic())
        except (FaultSettingsError, _BadInput) as exc:
            return _bad(str(exc))
        if "expire_tokens_now" in actions:
            org.tokens.expire_all_access_tokens()
    return json_response(org.faults.public_view(time.monotonic()))


async def apps(request: Request) -> Response:
    org = runtime_of(request).org
    if request.method == "GET":
        return json_response([app.public_view() for app in org.apps.values()])
    try:
        body = await _json_object(request)
        app = _app_from(body)
    except _BadInput as exc:
        return _bad(str(exc))
    org.apps[app.client_id] = app
    return json_response(app.public_view(), 201)


def _app_from(body: dict[str, Any]) -> ConnectedApp:
    client_id, client_secret, callbacks = (
        body.get("client_id"),
        body.get("client_secret"),
        body.get("callback_urls"),
    )
    if (
        not isinstance(client_id, str)
        or not client_id
        or not isinstance(client_secret, str)
        or not client_secret
    ):
        raise _BadInput("client_id and client_secret are required strings")
    if not isinstance(callbacks, list) or not all(isinstance(c, str) for c in callbacks):
        raise _BadInput("callback_urls must be a list of URLs")
    options: dict[str, Any] = {}
    for key, kind in (
        ("rotate_refresh_tokens", bool),
        ("require_secret", bool),
        ("name", str),
        ("client_credentials_username", str),
    ):
        if key in body:
            if body[key] is not None and not isinstance(body[key], kind):
                raise _BadInput(f"{key} has the wrong type")
            options[key] = body[key]
    if "scopes" in body:
        if not isinstance(body["scopes"], list) or not all(isinstance(s, str) for s in body["scopes"]):
            raise _BadInput("scopes must be a list of strings")
        options["scopes"] = tuple(body["scopes"])
    return ConnectedApp(
        client_id=client_id, client_secret=client_secret, callback_urls=list(callbacks), **options
    )


async def named_credentials(request: Request) -> Response:
    org = runtime_of(request).org
    if request.method == "GET":
        return json_response([{"name": c.name, "url": c.url} for c in org.named_credentials.values()])
    try:
        body = await _json_object(request)
    except _BadInput as exc:
        return _bad(str(exc))
    name, url, secret = body.get("name", NAMED_CREDENTIAL), body.get("url"), body.get("secret")
    if not (
        isinstance(name, str) and isinstance(url, str) and isinstance(secret, str) and name and url and secret
    ):
        return _bad("name, url and secret are required strings")
    org.named_credentials[name] = NamedCredential(name, url, secret)
    return json_response({"name": name, "url": url}, 201)


async def records(request: Request) -> Response:
    org = runtime_of(request).org
    definition = sobject(request.path_params["sobject"])
    if definition is None:
        return _bad("unknown sObject", 404)
    rows = [{k: to_json(v) for k, v in public_record(r).items()} for r in org.table(definition).values()]
    return json_response(rows)


async def users(request: Request) -> Response:
    org = runtime_of(request).org
    rows = [
        {k: to_json(v) for k, v in public_record(r).items()}
        | {"IsIntegrationUser": r["Id"] == org.integration_user_id}
        for r in org.records["User"].values()
    ]
    return json_response(rows)


async def integration_user(request: Request) -> Response:
    org = runtime_of(request).org
    try:
        body = await _json_object(request)
    except _BadInput as exc:
        return _bad(str(exc))
    user = org.user_by_username(str(body.get("username", "")))
    if user is None:
        return _bad("unknown username", 404)
    org.integration_user_id = user["Id"]
    org.integration_user_pinned = True
    return json_response({"integration_user_id": user["Id"], "username": user["Username"]})


async def webhook_log(request: Request) -> Response:
    runtime = runtime_of(request)
    return json_response(runtime.org.webhook_log)


async def wait_for_queueables(request: Request) -> Response:
    """Returns once every Queueable enqueued so far has run (tests use it instead of polling)."""
    runtime = runtime_of(request)
    await runtime.webhooks.wait_idle()
    return json_response(runtime.org.webhook_log)


async def api_usage(request: Request) -> Response:
    org = runtime_of(request).org
    return json_response({"used": org.api_usage, "max": org.effective_api_limit, "header": org.limit_info()})


async def reset(request: Request) -> Response:
    runtime_of(request).reset()
    return json_response({"reset": True})


async def advance_clock(request: Request) -> Response:
    runtime = runtime_of(request)
    try:
        body = await _json_object(request)
    except _BadInput as exc:
        return _bad(str(exc))
    seconds = body.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        return _bad("seconds must be a number")
    runtime.clock.advance(float(seconds))
    return json_response({"now": format_iso_utc(runtime.clock.now())})


async def case_comment(request: Request) -> Response:
    try:
        body = await _json_object(request)
        text, published = body.get("body"), body.get("is_published", True)
        if not isinstance(text, str) or not isinstance(published, bool):
            raise _BadInput("body (string) is required; is_published must be a boolean")
        comment_id = await add_comment(
            runtime_of(request), request.path_params["case_id"], text, is_published=published
        )
    except _BadInput as exc:
        return _bad(str(exc))
    except CaseNotFound:
        return _bad("case not found", 404)
    except ApiError as exc:
        return json_response(exc.body(), exc.status)
    return json_response({"id": comment_id}, 201)


async def case_email(request: Request) -> Response:
    try:
        body = await _json_object(request)
        text = body.get("body")
        subject, to_address = body.get("subject"), body.get("to_address")
        if not isinstance(text, str):
            raise _BadInput("body (string) is required")
        if not all(v is None or isinstance(v, str) for v in (subject, to_address)):
            raise _BadInput("subject and to_address must be strings")
        email_id = await send_email(
            runtime_of(request), request.path_params["case_id"], text, subject=subject, to_address=to_address
        )
    except _BadInput as exc:
        return _bad(str(exc))
    except CaseNotFound:
        return _bad("case not found", 404)
    except ApiError as exc:
        return json_response(exc.body(), exc.status)
    return json_response({"id": email_id}, 201)


async def case_close(request: Request) -> Response:
    try:
        await close_case(runtime_of(request), request.path_params["case_id"])
    except CaseNotFound:
        return _bad("case not found", 404)
    except ApiError as exc:
        return json_response(exc.body(), exc.status)
    return json_response({"closed": True})


async def sent_emails(request: Request) -> Response:
    org = runtime_of(request).org
    return json_response(
        [
            {
                "email_message_id": e.email_message_id,
                "case_id": e.case_id,
                "from_address": e.from_address,
                "to_address": e.to_address,
                "subject": e.subject,
                "text_body": e.text_body,
                "sent_at": format_iso_utc(e.sent_at),
            }
            for e in org.sent_emails
        ]
    )


def admin_routes() -> list[Route]:
    return [
        Route("/_emulator/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_emulator/apps", apps, methods=["GET", "POST"]),
        Route("/_emulator/named-credentials", named_credentials, methods=["GET", "POST"]),
        Route("/_emulator/records/{sobject}", records, methods=["GET"]),
        Route("/_emulator/users", users, methods=["GET"]),
        Route("/_emulator/integration-user", integration_user, methods=["POST"]),
        Route("/_emulator/webhook-log", webhook_log, methods=["GET"]),
        Route("/_emulator/webhook-log/wait", wait_for_queueables, methods=["POST"]),
        Route("/_emulator/api-usage", api_usage, methods=["GET"]),
        Route("/_emulator/reset", reset, methods=["POST"]),
        Route("/_emulator/clock/advance", advance_clock, methods=["POST"]),
        Route("/_emulator/cases/{case_id}/comments", case_comment, methods=["POST"]),
        Route("/_emulator/cases/{case_id}/emails", case_email, methods=["POST"]),
        Route("/_emulator/cases/{case_id}/close", case_close, methods=["POST"]),
        Route("/_emulator/sent-emails", sent_emails, methods=["GET"]),
    ]
