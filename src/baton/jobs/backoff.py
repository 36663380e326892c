"""Exponential backoff with full jitter.

Full jitter (a uniform delay between 0 and the exponential ceiling) spreads the
retries of many jobs that failed together, e.g. when Salesforce was down, so they
do not hit it again in lockstep.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# 2**60 seconds is far beyond any sensible cap; bounding the exponent avoids float overflow.
_MAX_EXPONENT = 60


@dataclass(frozen=True)
class Backoff:
    """Delay before retry number ``attempt`` (1 = after the first failed attempt).

    ``rng`` is injectable so tests get deterministic delays.
    """

    base_seconds: float = 1.0
    cap_seconds: float = 300.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.base_seconds < 0 or self.cap_seconds < 0:
            raise ValueError("backoff base and cap must be >= 0")

    def ceiling(self, attempt: int) -> float:
        """The largest delay ``delay(attempt)`` can return."""
        exponent = min(max(attempt - 1, 0), _MAX_EXPONENT)
        return float(min(self.cap_seconds, self.base_seconds * 2**exponent))

    def delay(self, attempt: int) -> float:
        """A random delay in ``[0, ceiling(attempt)]``."""
        return self.rng.uniform(0.0, self.ceiling(attempt))
