"""Running the emulator on a real loopback socket for tests.

    with run_emulator() as base_url:
        httpx2.get(f"{base_url}/services/data")

The server runs uvicorn in a background thread with its own event loop, bound to
127.0.0.1 on a free port, and stops when the block exits.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from salesforce_emulator.runtime import EmulatorOptions
from salesforce_emulator.server import create_app

_STARTUP_TIMEOUT_SECONDS = 10.0


@contextmanager
def serve_app(app: ASGIApp) -> Iterator[str]:
    """Serve any ASGI app on ``127.0.0.1:<free port>`` in a background thread; yield its base URL."""
    with _bound_socket() as sock:
        base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with _serving(app, sock):
            yield base_url


@contextmanager
def run_emulator(options: EmulatorOptions | None = None, *, miaw_app: ASGIApp | None = None) -> Iterator[str]:
    """Serve a fresh emulator on ``127.0.0.1:<free port>`` and yield its base URL (no trailing slash).

    ``options.public_url`` is replaced by that base URL, which becomes ``instance_url``.
    """
    with _bound_socket() as sock:
        base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        effective = options or EmulatorOptions()
        effective = EmulatorOptions(**{**effective.__dict__, "public_url": base_url})
        with _serving(create_app(effective, miaw_app=miaw_app), sock):
            yield base_url


@contextmanager
def _bound_socket() -> Iterator[socket.socket]:
    # Binding before the server starts means the port is known and cannot be taken in between.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        yield sock
    finally:
        sock.close()


@contextmanager
def _serving(app: ASGIApp, sock: socket.socket) -> Iterator[None]:
    config = uvicorn.Config(app, log_level="warning", ws="none", lifespan="auto", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="asgi-test-server", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + _STARTUP_TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=_STARTUP_TIMEOUT_SECONDS)
