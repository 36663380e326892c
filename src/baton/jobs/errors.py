"""The two exceptions a job handler raises to steer the runner.

Any other exception is treated as transient: the job is retried with backoff
until ``max_attempts`` and only ``"TypeName: message"`` is kept as the error, so a
traceback (and whatever secrets its frames hold) never reaches the database.
"""

from __future__ import annotations

# Errors are shown in the inbox timeline; a bounded size keeps a huge response body out of the row.
MAX_ERROR_CHARS = 1000


class RetryLater(Exception):
    """A transient failure: retry after ``delay_seconds``, or after the runner's backoff when None."""

    def __init__(self, delay_seconds: float | None = None, reason: str = "") -> None:
        if delay_seconds is not None and delay_seconds < 0:
            raise ValueError("delay_seconds must be >= 0")
        super().__init__(reason)
        self.delay_seconds = delay_seconds
        self.reason = reason


class PermanentFailure(Exception):
    """A failure no retry can fix (bad configuration, rejected input): dead-letter the job at once."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def describe_error(exc: BaseException) -> str:
    """A short, single-line ``"TypeName: message"`` for ``last_error`` and attempt rows."""
    message = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    if len(text) > MAX_ERROR_CHARS:
        text = text[: MAX_ERROR_CHARS - 1] + "…"
    return text
