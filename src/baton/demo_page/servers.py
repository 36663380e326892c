"""Ports and servers for the demo: every server runs in the caller's event loop.

Ports are bound before anything starts, so a port that is taken is reported at once,
by number, instead of as a stack trace from whichever server happened to start last.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

STARTUP_SECONDS = 20.0


class PortInUse(Exception):
    """A port the demo needs is taken; the message names it and the option that moves it."""

    def __init__(self, port: int, purpose: str) -> None:
        self.port = port
        self.purpose = purpose
        super().__init__(
            f"port {port} ({purpose}) is already in use: stop what uses it, or start the demo "
            f"on other ports with --port (the demo uses --port and the four ports after it)"
        )


def bind_listener(host: str, port: int, purpose: str) -> socket.socket:
    """A listening TCP socket on ``host:port`` for uvicorn to serve on.

    It listens at once: with SO_REUSEADDR, Linux lets two processes bind one port as long
    as neither listens yet, so only listening makes the port ours.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # Lets a restarted demo reuse ports still in TIME_WAIT, never a port someone listens on.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(socket.SOMAXCONN)
    except OSError as exc:
        sock.close()
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            raise PortInUse(port, purpose) from exc
        raise
    return sock


def check_port_free(host: str, port: int, purpose: str) -> None:
    """For servers that bind by themselves (SMTP): fail early and clearly if the port is taken."""
    bind_listener(host, port, purpose).close()


class _DemoServer(uvicorn.Server):
    """A uvicorn server that leaves signals alone: the demo stops all its servers on one Ctrl-C."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ServerGroup:
    """Several ASGI apps served by uvicorn as tasks of the current event loop."""

    def __init__(self) -> None:
        self._running: list[tuple[str, uvicorn.Server, asyncio.Task[None]]] = []

    async def start(self, name: str, app: ASGIApp, sock: socket.socket) -> None:
        """Serve ``app`` on ``sock`` and return once it accepts connections (its lifespan has run)."""
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, ws="none", timeout_graceful_shutdown=2
        )
        server = _DemoServer(config)
        task = asyncio.create_task(self._serve(server, sock), name=f"demo-{name}")
        self._running.append((name, server, task))
        async with asyncio.timeout(STARTUP_SECONDS):
            while not server.started:
                if task.done():
                    raise RuntimeError(f"the {name} server stopped while starting")
                await asyncio.sleep(0.02)

    @staticmethod
    async def _serve(server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            await server.serve(sockets=[sock])
        except SystemExit:
            # uvicorn exits like this when an app's startup fails; the caller sees the task end.
            pass
        finally:
            sock.close()

    async def stop(self) -> None:
        """Stop every server, newest first (Baton before the emulator it calls)."""
        while self._running:
            _name, server, task = self._running.pop()
            server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await task
