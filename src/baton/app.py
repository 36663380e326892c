"""The ASGI application: API, webhooks, OAuth callback, and (optionally) an in-process worker."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from baton import __version__
from baton.api import channels, salesforce_email, salesforce_messaging, sessions, webhooks
from baton.services import Services, build_services
from baton.settings import Settings, get_settings
from baton.ui import routes as ui_routes
from baton.widget import include_widget

OPTIONAL_ROUTERS = (
    "baton.api.knowledge",
    "baton.api.handoff_settings",
    "baton.api.analytics",
)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Validation errors as ``{field, reason}``: the field named with dots, the reason in words."""
    errors = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        errors.append({"field": ".".join(location) or "body", "reason": str(error.get("msg", "invalid"))})
    return errors


def _include_optional(api: FastAPI) -> None:
    import importlib

    for module_name in OPTIONAL_ROUTERS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        api.include_router(module.router, prefix="/api/v1")


def create_app(
    settings: Settings | None = None, *, services: Services | None = None, run_worker: bool = True
) -> FastAPI:
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        active = services or build_services(settings)
        app.state.services = active
        stop = asyncio.Event()
        background: list[asyncio.Task[None]] = []
        receiver = None
        if run_worker:
            from baton.worker import run_worker as worker_loop

            background.append(asyncio.create_task(worker_loop(active, stop), name="baton-in-process-worker"))
        if settings.smtp_listen:
            from baton.conversations.smtp_inbound import start_smtp_receiver

            receiver = await start_smtp_receiver(active, settings.smtp_listen)
        try:
            yield
        finally:
            stop.set()
            if receiver is not None:
                await receiver.stop()
            for task in background:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if owned:
                await active.aclose()

    app = FastAPI(
        title="Baton",
        version=__version__,
        description="Hands AI customer-support conversations to human reps in Salesforce.",
        lifespan=lifespan,
    )
    if services is not None:
        app.state.services = services

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        return JSONResponse(status_code=422, content={"detail": detail, "errors": errors})

    for router in (sessions.router, channels.router, salesforce_email.router, salesforce_messaging.router):
        app.include_router(router, prefix="/api/v1")
    # Before webhooks.router, which would take /webhooks/salesforce/messaging for a webhook token.
    app.include_router(salesforce_messaging.public_router)
    app.include_router(webhooks.router)
    app.include_router(salesforce_email.callback_router)
    app.include_router(ui_routes.router)
    app.mount("/ui/static", StaticFiles(directory=ui_routes.STATIC_DIR), name="ui-static")
    _include_optional(app)
    include_widget(app)

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/ui/sessions")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
