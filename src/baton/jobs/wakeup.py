"""In-process wake-up of idle workers after jobs are committed.

Workers poll every ``poll_interval`` anyway; this only cuts latency when the
enqueuing code and the worker share a process (``baton serve`` with an embedded
worker, tests). Each worker registers its own loop and event, and the signal is
delivered with ``call_soon_threadsafe``, so it is safe from any thread or loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

_lock = threading.Lock()
_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()


def wake_workers() -> None:
    """Tell every worker in this process to look for due jobs now."""
    with _lock:
        waiters = list(_waiters)
    for loop, event in waiters:
        # A loop closed without unregistering raises RuntimeError: nothing left to wake there.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(event.set)


def register_waiter(event: asyncio.Event) -> None:
    """Have ``wake_workers()`` set ``event`` on the running loop."""
    with _lock:
        _waiters.add((asyncio.get_running_loop(), event))


def unregister_waiter(event: asyncio.Event) -> None:
    """Undo :func:`register_waiter`."""
    with _lock:
        for item in [w for w in _waiters if w[1] is event]:
            _waiters.discard(item)
