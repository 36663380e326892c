"""Request helpers shared by the SCRT routes: JSON bodies, bearer tokens, 429s."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request

from salesforce_emulator.miaw.errors import ApiError
from salesforce_emulator.miaw.state import MiawState
from salesforce_emulator.miaw.tokens import AccessToken, TokenError

#: Lowercase RFC 4122 version 4, as Salesforce demands for conversationId.
UUID_V4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ANY_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


async def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or 400."""
    try:
        body = json.loads(await request.body())
    except ValueError as exc:
        raise ApiError(400, "The request body must be JSON.") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body


def raise_if_forced_429(state: MiawState) -> None:
    """Spend one injected 429, if any are pending."""
    if state.forced_429 > 0:
        state.forced_429 -= 1
        raise ApiError(429, "Too many requests.")


def bearer(request: Request, state: MiawState) -> AccessToken:
    """The caller's valid access token, or 401."""
    raise_if_forced_429(state)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "An access token is required.")
    try:
        access = state.tokens.verify(token.strip())
    except TokenError as exc:
        raise ApiError(401, str(exc)) from exc
    if access.es_developer_name not in state.deployments:
        raise ApiError(401, "The deployment of this access token no longer exists.")
    return access


def string_map(value: Any, name: str) -> dict[str, str]:
    """A flat object of strings (routing attributes), or 400."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ApiError(400, f"{name} must be an object of string values.")
    return dict(value)


def int_param(request: Request, name: str) -> int | None:
    """An optional integer query parameter, or 400."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise ApiError(400, f"{name} must be an integer.") from exc
