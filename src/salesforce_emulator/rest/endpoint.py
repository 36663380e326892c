"""The HTTP face of the REST API: versions, bearer auth, API counting, JSON in and out."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from salesforce_emulator.errors import (
    ApiError,
    invalid_session,
    json_parser_error,
    not_found,
    request_limit_exceeded,
)
from salesforce_emulator.http_helpers import bearer_token, json_response, runtime_of
from salesforce_emulator.records import Transaction
from salesforce_emulator.rest.context import NO_BODY, SUPPORTED_VERSIONS, RestContext
from salesforce_emulator.rest.dispatch import dispatch
from salesforce_emulator.state import Org

_VERSIONED_PATH = re.compile(r"^(v\d+\.\d+)(/.*)?$")
_RELEASE_NAMES = {
    60: "Spring '24",
    61: "Summer '24",
    62: "Winter '25",
    63: "Spring '25",
    64: "Summer '25",
    65: "Winter '26",
    66: "Spring '26",
    67: "Summer '26",
}


async def versions(request: Request) -> Response:
    """``GET /services/data``: not authenticated and not counted, like Salesforce."""
    body = [
        {"label": label, "url": f"/services/data/v{number}.0", "version": f"{number}.0"}
        for number, label in _RELEASE_NAMES.items()
    ]
    return json_response(body)


async def rest_endpoint(request: Request) -> Response:
    runtime = runtime_of(request)
    org = runtime.org
    match = _VERSIONED_PATH.match(request.path_params["rest"])
    if match is None or match.group(1) not in SUPPORTED_VERSIONS:
        return _error(org, not_found())
    version, path = match.group(1), match.group(2) or "/"

    token = bearer_token(request)
    access = org.tokens.valid_access_token(token, org.clock.now()) if token else None
    if access is None:
        return _error(org, invalid_session())
    if not {"api", "full"} & set(access.scopes):
        return _error(
            org,
            ApiError(401, "INVALID_SESSION_ID", "This session is not valid for use with the REST API", None),
        )
    if org.faults.rate_limited_until is not None and time.monotonic() < org.faults.rate_limited_until:
        return _error(org, request_limit_exceeded())
    if org.api_usage >= org.effective_api_limit:
        return _error(org, request_limit_exceeded())
    org.api_usage += 1

    try:
        body = await _read_json_body(request)
    except ApiError as exc:
        return _error(org, exc)

    async with org.lock:
        txn = Transaction(org, access.user_id)
        headers = {k.lower(): v for k, v in request.headers.items()}
        ctx = RestContext(org, txn, version, headers, runtime.commit)
        result = dispatch(ctx, request.method, path, dict(request.query_params), body)
        if result.status < 400:
            runtime.commit(txn)
        else:
            txn.rollback()

    response_headers = {**result.headers, "Sforce-Limit-Info": org.limit_info()}
    if result.body is NO_BODY:
        return Response(status_code=result.status, headers=response_headers)
    return json_response(result.body, result.status, response_headers)


def _error(org: Org, error: ApiError) -> Response:
    return json_response(error.body(), error.status, {"Sforce-Limit-Info": org.limit_info()})


async def _read_json_body(request: Request) -> Any:
    raw = await request.body()
    if request.method in ("GET", "DELETE", "HEAD") or not raw.strip():
        return NO_BODY
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise ApiError(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            f"Content-Type header specified in HTTP request is not supported: {content_type}",
            None,
        )
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise json_parser_error(f"Unexpected character: {exc}") from exc
