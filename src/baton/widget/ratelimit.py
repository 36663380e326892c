"""A small in-process limiter for the public endpoints (a sliding one-minute window per key).

Per process, not shared: it bounds what one anonymous page can do cheaply; a determined
flood needs the reverse proxy's limits as well (see docs/channels/webchat.md).
"""

from __future__ import annotations

import time
from collections import deque


class WindowLimiter:
    def __init__(self, per_minute: int, *, max_keys: int = 50_000) -> None:
        self.per_minute = per_minute
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys:
                self._forget_idle(now)
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - 60:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return False
        hits.append(now)
        return True

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - 60]:
            del self._hits[key]
