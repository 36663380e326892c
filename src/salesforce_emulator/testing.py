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
def run_emulator(options: EmulatorOptions | None = None, *, miaw_app: ASGIApp | None = None) -> Iterator[str]:
    """Serve a fresh emulator on ``127.0.0.1:<free port>`` and yield its base URL (no trailing slash).

    ``options.public_url`` is ignored: instance URLs are the loopback base URL.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    effective = options or EmulatorOptions()
    effective = EmulatorOptions(**{**effective.__dict__, "public_url": base_url})
    app = create_app(effective, miaw_app=miaw_app)
    config = uvicorn.Config(app, log_level="warning", ws="none", lifespan="on", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"salesforce-emulator-{port}"
    )
    thread.start()
    try:
        deadline = time.monotonic() + _STARTUP_TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Salesforce emulator did not start")
            time.sleep(0.01)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=_STARTUP_TIMEOUT_SECONDS)
        sock.close()
