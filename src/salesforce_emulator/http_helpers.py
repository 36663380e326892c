"""Small helpers shared by the HTTP endpoints."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from salesforce_emulator.runtime import EmulatorRuntime


def runtime_of(request: Request) -> EmulatorRuntime:
    runtime: EmulatorRuntime = request.app.state.emulator
    return runtime


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        media_type="application/json;charset=UTF-8",
        headers=headers,
    )


def bearer_token(request: Request) -> str | None:
    """The token from ``Authorization: Bearer …`` (Salesforce also accepts the ``OAuth`` scheme)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() in ("bearer", "oauth") and token.strip():
        return token.strip()
    return None


def request_base_url(request: Request) -> str:
    return runtime_of(request).base_url(str(request.base_url))
