"""A real Baton server on a loopback port, for the browser tests.

The server runs in its own thread and event loop with its own services (as
``baton serve`` would); the test seeds and inspects the same database through
separate services of its own. A stand-in for Salesforce's login host (authorize
page and token endpoint) is mounted on the same server: the real Salesforce is a
boundary these tests cannot run.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

import uvicorn
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import SecretStr
from ui_support import SECRET_KEY, mount_ui

from baton.app import create_app
from baton.settings import Settings

FAKE_SALESFORCE = "/fake-salesforce"
STARTUP_SECONDS = 20


@dataclass
class FakeSalesforce:
    """What the stand-in answers: approve (a code) or deny (an OAuth error)."""

    base_url: str
    approve: bool = True
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def router(self) -> APIRouter:
        router = APIRouter(prefix=FAKE_SALESFORCE)

        @router.get("/services/oauth2/authorize")
        async def authorize(request: Request) -> RedirectResponse:
            params = request.query_params
            if self.approve:
                answer = {"code": "fake-authorization-code", "state": params["state"]}
            else:
                answer = {
                    "error": "access_denied",
                    "error_description": "end-user denied authorization",
                    "state": params["state"],
                }
            return RedirectResponse(f"{params['redirect_uri']}?{urlencode(answer)}", status_code=302)

        @router.post("/services/oauth2/token")
        async def token(request: Request) -> JSONResponse:
            form = await request.form()
            self.token_requests.append({k: str(v) for k, v in form.items()})
            return JSONResponse(
                {
                    "access_token": "00Dfake!access-token",
                    "refresh_token": "fake-refresh-token",
                    "instance_url": self.base_url + FAKE_SALESFORCE,
                    "id": self.base_url + FAKE_SALESFORCE + "/id/00D000000000001AAA/005000000000001AAA",
                    "issued_at": str(int(time.time() * 1000)),
                    "token_type": "Bearer",
                    "scope": "api refresh_token offline_access",
                }
            )

        return router


@dataclass
class LiveServer:
    base_url: str
    settings: Settings
    fake_salesforce: FakeSalesforce


@contextlib.contextmanager
def live_server(database_url: str) -> Iterator[LiveServer]:
    # Bind first so the public URL (and with it the OAuth callback URL) is known before start.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(database_url=database_url, secret_key=SecretStr(SECRET_KEY), public_url=base_url)
    fake = FakeSalesforce(base_url=base_url)
    app: FastAPI = mount_ui(create_app(settings, run_worker=False))
    app.include_router(fake.router())
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the Baton server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(base_url=base_url, settings=settings, fake_salesforce=fake)
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_SECONDS)
        sock.close()
