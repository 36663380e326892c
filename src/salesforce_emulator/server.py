"""Building the emulator's ASGI app and serving it with uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from salesforce_emulator.admin import admin_routes
from salesforce_emulator.console import console_routes
from salesforce_emulator.fault_injection import FaultInjectionMiddleware
from salesforce_emulator.oauth.authorize import authorize
from salesforce_emulator.oauth.identity import identity, revoke, userinfo
from salesforce_emulator.oauth.token import token
from salesforce_emulator.rest.endpoint import rest_endpoint, versions
from salesforce_emulator.runtime import EmulatorOptions, EmulatorRuntime

_REST_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"]
# Paths the Messaging for In-App and Web (SCRT host) app answers, unchanged, when mounted.
MIAW_PATH_PREFIXES = ("/iamessage/", "/eventrouter/", "/_emulator/miaw", "/miaw-console")


async def _home(request: Request) -> Response:
    return RedirectResponse("/console", status_code=302)


def _routes() -> list[Route]:
    return [
        Route("/", _home, methods=["GET"]),
        Route("/services/oauth2/authorize", authorize, methods=["GET", "POST"]),
        Route("/services/oauth2/token", token, methods=["POST"]),
        Route("/services/oauth2/revoke", revoke, methods=["GET", "POST"]),
        Route("/services/oauth2/userinfo", userinfo, methods=["GET", "POST"]),
        Route("/id/{org_id}/{user_id}", identity, methods=["GET"]),
        Route("/services/data", versions, methods=["GET"]),
        Route("/services/data/", versions, methods=["GET"]),
        Route("/services/data/{rest:path}", rest_endpoint, methods=_REST_METHODS),
        *admin_routes(),
        *console_routes(),
    ]


class _MiawMount:
    """Sends MIAW paths to the MIAW app; everything else (and lifespan) goes to the org app."""

    def __init__(self, app: ASGIApp, miaw: ASGIApp) -> None:
        self.app = app
        self.miaw = miaw

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and str(scope["path"]).startswith(MIAW_PATH_PREFIXES):
            await self.miaw(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def create_app(options: EmulatorOptions | None = None, *, miaw_app: ASGIApp | None = None) -> Starlette:
    """The emulator as an ASGI app.

    ``miaw_app`` is the Messaging for In-App and Web (SCRT host) app from
    ``salesforce_emulator.miaw.create_miaw_app(...)``; when given, requests under
    ``/iamessage/``, ``/eventrouter/``, ``/_emulator/miaw`` and ``/miaw-console`` are passed
    to it with their paths unchanged,
    so one base URL serves both the My Domain host and the SCRT host.
    The runtime (org, options, Queueable worker) is ``app.state.emulator``.
    """
    runtime = EmulatorRuntime(options or EmulatorOptions())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await runtime.webhooks.start()
        try:
            yield
        finally:
            await runtime.webhooks.stop()

    middleware: Sequence[Middleware] = [Middleware(FaultInjectionMiddleware, runtime=runtime)]
    app = Starlette(routes=_routes(), middleware=middleware, lifespan=lifespan)
    app.state.emulator = runtime
    if miaw_app is not None:
        # Outermost, so MIAW traffic skips this app's fault injection (the MIAW app has its own).
        app.add_middleware(_MiawMount, miaw=miaw_app)
    return app


def serve(
    host: str = "127.0.0.1", port: int = 8765, public_url: str | None = None, **options: object
) -> None:
    """Run the emulator in the foreground (``python -m salesforce_emulator``)."""
    emulator_options = EmulatorOptions(public_url=public_url, **options)  # type: ignore[arg-type]
    uvicorn.run(create_app(emulator_options), host=host, port=port, log_level="info", ws="none")
