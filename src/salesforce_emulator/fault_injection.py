"""ASGI middleware that makes the org slow, flaky or ambiguous on demand.

Applies to the REST API and the OAuth token, revoke and userinfo endpoints; the
admin API, the console and the authorize pages are never faulted.
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from salesforce_emulator.runtime import EmulatorRuntime

_FAULTED_PREFIXES = (
    "/services/data/",
    "/services/oauth2/token",
    "/services/oauth2/revoke",
    "/services/oauth2/userinfo",
)


class ConnectionDropped(Exception):
    """Raised after a partial response so the server closes the connection mid-body."""


class FaultInjectionMiddleware:
    def __init__(self, app: ASGIApp, runtime: EmulatorRuntime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(_FAULTED_PREFIXES):
            await self.app(scope, receive, send)
            return
        faults = self.runtime.org.faults
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.draw(faults.error_rate_5xx):
            # The request never reaches the org: nothing is applied.
            await _send_server_error(send, 503 if faults.rng.random() < 0.5 else 500)
            return
        ambiguous_allowed = faults.ambiguous_oauth_faults or not str(scope["path"]).startswith(
            "/services/oauth2/"
        )
        if ambiguous_allowed and faults.draw(faults.timeout_rate):
            # Hang past the client's patience, then carry on and apply the request. The body
            # is read first: a client that gave up must not stop the write from happening.
            receive = await _buffered(receive)
            await asyncio.sleep(faults.timeout_seconds)
        if not (ambiguous_allowed and faults.draw(faults.lost_response_rate)):
            await self.app(scope, receive, send)
            return
        # The request IS applied; only the answer is lost, so the client cannot tell.
        await self.app(scope, receive, _discard)
        if faults.rng.random() < 0.5:
            await _send(send, 502, b"<html><body>502 Bad Gateway</body></html>", b"text/html")
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"id":"', "more_body": True})
        raise ConnectionDropped("response dropped by fault injection")


async def _buffered(receive: Receive) -> Receive:
    """Read the whole request body now; the returned ``receive`` replays it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        return await receive()

    return replay


async def _discard(message: Message) -> None:
    return None


async def _send_server_error(send: Send, status: int) -> None:
    if status == 503:
        body = [
            {
                "errorCode": "SERVER_UNAVAILABLE",
                "message": "Server is temporarily unavailable. Try again later.",
            }
        ]
    else:
        body = [
            {
                "errorCode": "UNKNOWN_EXCEPTION",
                "message": "An unexpected error occurred. "
                "Please include this ErrorId if you contact support: "
                "1337-4242 (-20349)",
            }
        ]
    await _send(send, status, json.dumps(body).encode(), b"application/json;charset=UTF-8")


async def _send(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
