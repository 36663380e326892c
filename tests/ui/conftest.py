"""Fixtures for the UI: the real app with the UI mounted, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest
from pydantic import SecretStr
from ui_support import SECRET_KEY, UiApp, make_org, mount_ui

import baton.store.models  # noqa: F401  (registers every table)
from baton.app import create_app
from baton.services import build_services
from baton.settings import Settings
from baton.store.base import Base


@pytest.fixture
async def ui_app(database_url: str) -> AsyncIterator[UiApp]:
    settings = Settings(
        database_url=database_url, secret_key=SecretStr(SECRET_KEY), public_url="http://baton.test"
    )
    services = build_services(settings)
    async with services.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    try:
        acme = await make_org(services.session_factory, "Acme")
        globex = await make_org(services.session_factory, "Globex")
        app = mount_ui(create_app(settings, services=services, run_worker=False))
        yield UiApp(app=app, services=services, acme=acme, globex=globex)
    finally:
        await services.aclose()


@pytest.fixture
async def client(ui_app: UiApp) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=ui_app.app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://baton.test") as http:
        yield http
