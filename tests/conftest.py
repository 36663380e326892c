"""Shared fixtures: real databases (SQLite and PostgreSQL), loopback servers."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx2
import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from baton.app import create_app
from baton.services import Services, build_services
from baton.store.base import Base
from baton.store.engine import create_engine
from baton_support import CHROMIUM, OrgCredentials, create_org, make_settings

POSTGRES_ADMIN_URL = os.environ.get(
    "BATON_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _postgres_available() -> bool:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str | None]:
    """The admin URL of a reachable PostgreSQL, or None (CI requires one)."""
    if _postgres_available():
        yield POSTGRES_ADMIN_URL
        return
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required in CI and is not reachable at {POSTGRES_ADMIN_URL}")
    yield None


def create_postgres_database(admin_url: str) -> str:
    name = f"baton_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}"


def drop_postgres_database(admin_url: str, url: str) -> None:
    name = url.rpartition("/")[2]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty database URL: every test that takes it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'baton.db'}"
        return
    admin = request.getfixturevalue("postgres_server")
    if admin is None:
        pytest.skip("PostgreSQL not reachable")
    url = create_postgres_database(admin)
    try:
        yield url
    finally:
        drop_postgres_database(admin, url)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a fresh database with every table created."""
    import baton.store.models  # noqa: F401  (registers every table)

    eng = create_engine(database_url)
    async with eng.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    try:
        yield eng
    finally:
        await eng.dispose()


# --- a Baton application on a fresh database -------------------------------------------------


@pytest.fixture
async def services(database_url: str) -> AsyncIterator[Services]:
    """Baton's process-wide services on a fresh database with every table created."""
    import baton.store.models  # noqa: F401  (registers every table)

    built = build_services(make_settings(database_url))
    async with built.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    try:
        yield built
    finally:
        await built.aclose()


@pytest.fixture
async def org(services: Services) -> OrgCredentials:
    return await create_org(services)


@pytest.fixture
async def client(services: Services) -> AsyncIterator[httpx2.AsyncClient]:
    """An HTTP client for Baton's ASGI app (no in-process worker: tests drive jobs themselves)."""
    app = create_app(services.settings, services=services, run_worker=False)
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://baton.test") as http:
        yield http


@pytest.fixture
def chromium() -> str:
    """Path of Debian's chromium: skipped locally when absent, required in CI."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is required in CI: apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")
    return CHROMIUM


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where layout screenshots go; set BATON_UI_SCREENSHOT_DIR to keep them."""
    directory = Path(os.environ.get("BATON_UI_SCREENSHOT_DIR") or tmp_path / "screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory
