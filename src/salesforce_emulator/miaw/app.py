"""``create_miaw_app``: the emulated SCRT host as one self-contained ASGI app."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from salesforce_emulator.miaw.admin_api import ADMIN_PREFIX, AdminEndpoints
from salesforce_emulator.miaw.config import MiawConfig
from salesforce_emulator.miaw.console import console_route
from salesforce_emulator.miaw.conversations_api import ConversationEndpoints
from salesforce_emulator.miaw.errors import ApiError
from salesforce_emulator.miaw.sse_api import SseEndpoint
from salesforce_emulator.miaw.state import MiawState
from salesforce_emulator.miaw.tokens_api import TokenEndpoints


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse({"message": exc.message}, status_code=exc.status_code)


async def _http_error(request: Request, exc: Exception) -> Response:
    # Unknown routes and wrong methods get the same JSON error body as the API.
    assert isinstance(exc, HTTPException)
    return JSONResponse({"message": exc.detail}, status_code=exc.status_code, headers=exc.headers)


#: Register these on a host app that includes ``miaw_routes`` directly.
EXCEPTION_HANDLERS = {ApiError: _api_error, HTTPException: _http_error}


def miaw_routes(state: MiawState) -> list[BaseRoute]:
    """All routes bound to ``state``, for apps that want to merge route lists."""
    tokens = TokenEndpoints(state)
    sse = SseEndpoint(state)
    routes: list[BaseRoute] = []
    routes += tokens.routes()
    routes += ConversationEndpoints(state).routes()
    routes += sse.routes()
    routes += AdminEndpoints(state, tokens, sse).routes()
    routes.append(console_route(ADMIN_PREFIX))
    return routes


def create_miaw_app(config: MiawConfig | None = None) -> Starlette:
    """The SCRT host: ``/iamessage/api/v2``, ``/eventrouter/v1/sse``, ``/_emulator/miaw``, ``/miaw-console``.

    Paths are absolute, so a host app mounts it at the root, after its own routes:
    ``Starlette(routes=[...their routes..., Mount("/", app=create_miaw_app(config))])``.
    The state is on ``app.state.miaw``.
    """
    state = MiawState(config or MiawConfig())
    app = Starlette(routes=miaw_routes(state), exception_handlers=EXCEPTION_HANDLERS)
    app.state.miaw = state
    return app
