"""Job kinds and their handlers.

A handler receives a :class:`JobContext` (ids, never payload copies of state that
lives elsewhere) and the application's ``services`` object, opens its own
transactions through them, and must be idempotent: a job can run more than once
when a worker dies after the side effect but before recording success.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class JobContext:
    """What one attempt of one job knows about itself."""

    job_id: int
    kind: str
    args: dict[str, Any]
    org_id: str | None
    session_id: str | None
    attempt: int
    max_attempts: int
    # The application's dependencies (session factory, HTTP clients, settings), passed to the Worker.
    services: Any
    worker_id: str = ""

    @property
    def is_last_attempt(self) -> bool:
        """True when a failure of this attempt dead-letters the job (handlers may record why)."""
        return self.attempt >= self.max_attempts


JobHandler = Callable[[JobContext], Awaitable[None]]


class JobRegistry:
    """Maps a job kind to its async handler. A worker only claims kinds it knows."""

    def __init__(self) -> None:
        self._handlers: dict[str, JobHandler] = {}

    def register(self, kind: str, handler: JobHandler) -> None:
        """Register ``handler`` for ``kind``; a kind has exactly one handler."""
        if not kind or len(kind) > 64:
            raise ValueError("job kind must be 1 to 64 characters")
        if kind in self._handlers:
            raise ValueError(f"a handler is already registered for job kind {kind!r}")
        self._handlers[kind] = handler

    def handler(self, kind: str) -> Callable[[JobHandler], JobHandler]:
        """Decorator form of :meth:`register`."""

        def decorate(func: JobHandler) -> JobHandler:
            self.register(kind, func)
            return func

        return decorate

    def get(self, kind: str) -> JobHandler | None:
        """The handler for ``kind``, or None."""
        return self._handlers.get(kind)

    def kinds(self) -> frozenset[str]:
        """Every registered kind."""
        return frozenset(self._handlers)

    def __contains__(self, kind: object) -> bool:
        return kind in self._handlers

    def __len__(self) -> int:
        return len(self._handlers)
