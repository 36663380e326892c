"""Helpers shared by Baton's tests (importable as ``baton_support`` from any test module)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import uvicorn
from starlette.types import ASGIApp

from baton.api.keys import create_api_key
from baton.conversations.service import create_organization
from baton.services import Services
from baton.settings import Settings

TEST_SECRET_KEY = "test-secret-key-for-baton"
T = TypeVar("T")


@dataclass
class OrgCredentials:
    org_id: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "secret_key": TEST_SECRET_KEY,
        "public_url": "http://baton.test",
        "job_poll_seconds": 0.05,
    }
    values.update(overrides)
    return Settings(**values)


async def create_org(services: Services, name: str = "Acme") -> OrgCredentials:
    async with services.session_factory() as db, db.begin():
        org = await create_organization(db, name)
        key = await create_api_key(db, org.id)
    return OrgCredentials(org_id=org.id, api_key=key)


# --- real servers on loopback ------------------------------------------------------------------

_STARTUP_SECONDS = 15.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_on_loopback(app_for_url: Callable[[str], ASGIApp]) -> Iterator[str]:
    """Bind a free loopback port, build the app knowing its own URL, serve it in a thread.

    The app runs in the thread's own event loop (as it would in its own process), so it
    must build its own database engine and clients: pass settings, not services.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(
        app_for_url(base_url), log_level="warning", ws="none", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="baton-server")
    thread.start()
    try:
        deadline = time.monotonic() + _STARTUP_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=_STARTUP_SECONDS)
        sock.close()


async def eventually(
    check: Callable[[], Awaitable[T | None]], *, timeout: float = 15.0, interval: float = 0.05
) -> T:
    """Poll ``check`` until it returns something other than None/False (tests never sleep blindly)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


# --- Debian's Chromium, driven by Playwright (browser downloads are not possible here) ----------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
