"""Per-subject event log with monotonic ids, feeding the SSE streams.

Salesforce sends one stream per end-user subject carrying all of its
conversations, so events are kept per subject. Ids are global and increasing,
which is what ``Last-Event-Id`` is compared against.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class StoredEvent:
    """One SSE frame waiting to be (re)sent: ``event:``, ``id:`` and ``data:``."""

    event_id: int
    event_name: str
    data: str


class EventBus:
    """Retains recent events per subject and wakes the streams that wait on them."""

    def __init__(self, retained_per_subject: int, first_id: int = 1000) -> None:
        self._retained = retained_per_subject
        self._last_id = first_id
        self._events: dict[str, deque[StoredEvent]] = {}
        self._wakeups: dict[str, asyncio.Event] = {}
        #: Bumped to make every open stream end (fault injection, shutdown).
        self.generation = 0

    @property
    def last_id(self) -> int:
        """The id of the newest event published so far (what token responses report)."""
        return self._last_id

    def publish(self, subject: str, event_name: str, data: str) -> StoredEvent:
        """Append an event for ``subject`` and wake its streams."""
        self._last_id += 1
        event = StoredEvent(self._last_id, event_name, data)
        self._events.setdefault(subject, deque(maxlen=self._retained)).append(event)
        self._wake(subject)
        return event

    def events_after(self, subject: str, after_id: int) -> list[StoredEvent]:
        """Retained events of ``subject`` newer than ``after_id``, oldest first."""
        return [e for e in self._events.get(subject, ()) if e.event_id > after_id]

    def waiter(self, subject: str) -> asyncio.Event:
        """An event set on the next publish for ``subject`` (or on a drop)."""
        return self._wakeups.setdefault(subject, asyncio.Event())

    def drop_all_streams(self) -> None:
        """End every open stream; clients must reconnect."""
        self.generation += 1
        for subject in list(self._wakeups):
            self._wake(subject)

    def clear(self) -> None:
        """Forget every retained event and end every stream (ids keep increasing)."""
        self._events.clear()
        self.drop_all_streams()

    def _wake(self, subject: str) -> None:
        wakeup = self._wakeups.pop(subject, None)
        if wakeup is not None:
            wakeup.set()
