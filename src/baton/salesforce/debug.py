"""What a job records about its Salesforce calls in the session's debug timeline."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# Fields a call record may carry; the REST and Messaging clients each have their own record type.
_CALL_FIELDS = ("operation", "method", "path", "status", "duration_ms", "error_code")


def call_summaries(calls: Iterable[Any]) -> list[dict[str, Any]]:
    """The calls as JSON-ready dicts (no tokens, query strings or message text: the records hold none)."""
    summaries = []
    for call in calls:
        summary = {name: getattr(call, name) for name in _CALL_FIELDS if hasattr(call, name)}
        summary["duration_ms"] = round(float(summary["duration_ms"]), 1)
        summaries.append(summary)
    return summaries
