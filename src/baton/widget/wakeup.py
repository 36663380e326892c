"""In-process wake-up of open event streams when this process writes to a session.

Streams poll the database anyway (another process, e.g. the Salesforce relay in a
worker, may be the writer); this only shortens the wait for writes made here. The
signal is delivered with ``call_soon_threadsafe``, so it works from any thread or loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}


def wake_streams(session_id: str) -> None:
    """Tell every open stream of ``session_id`` in this process to look for news now."""
    with _lock:
        waiters = list(_waiters.get(session_id, ()))
    for loop, event in waiters:
        # A loop that closed without unregistering raises RuntimeError: nobody left to wake.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(event.set)


@contextlib.contextmanager
def stream_waiter(session_id: str) -> Iterator[asyncio.Event]:
    """An event that ``wake_streams(session_id)`` sets, registered for the ``with`` block."""
    item = (asyncio.get_running_loop(), asyncio.Event())
    with _lock:
        _waiters.setdefault(session_id, set()).add(item)
    try:
        yield item[1]
    finally:
        with _lock:
            waiters = _waiters.get(session_id)
            if waiters is not None:
                waiters.discard(item)
                if not waiters:
                    del _waiters[session_id]
