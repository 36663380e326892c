"""Call records reported to an ``on_call`` hook (debug events, metrics)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One HTTP exchange with the SCRT host.

    ``path`` never includes the query string and nothing here holds a token or
    message text, so records are safe to store as debug events.
    """

    operation: str
    method: str
    path: str
    status: int | None
    duration_ms: float
    error_code: str | None


OnCall = Callable[[CallRecord], None]


def report(hook: OnCall | None, record: CallRecord) -> None:
    """Hand ``record`` to ``hook``; a failing hook must never fail the call."""
    if hook is None:
        return
    try:
        hook(record)
    except Exception:
        logger.exception("on_call hook failed for %s %s", record.method, record.path)
