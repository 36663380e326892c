"""Parse Salesforce's ``Sforce-Limit-Info`` response header.

Salesforce sends it on every REST response (except the version list), e.g.
``api-usage=18/5000; per-app-api-usage=17/250(appName=sample-connected-app); api-bursts=1/750``.
It is the only rate-limit signal Salesforce gives (no ``Retry-After``), so Baton keeps the
latest value to show how close an org is to its rolling 24-hour allocation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["LIMIT_INFO_HEADER", "ApiUsage", "AppApiUsage", "parse_limit_info"]

LIMIT_INFO_HEADER = "Sforce-Limit-Info"

_ENTRY = re.compile(r"^\s*([a-z-]+)\s*=\s*(\d+)\s*/\s*(\d+)\s*(?:\(\s*appName\s*=\s*([^)]*)\))?\s*$")


@dataclass(frozen=True, slots=True)
class AppApiUsage:
    """The calls made by one connected/external client app against its own allocation."""

    used: int
    limit: int
    app_name: str | None


@dataclass(frozen=True, slots=True)
class ApiUsage:
    """The org's API calls in the rolling 24 hours: ``used`` of ``limit``."""

    used: int
    limit: int
    per_app: AppApiUsage | None = None

    @property
    def remaining(self) -> int:
        """Calls left before Salesforce answers REQUEST_LIMIT_EXCEEDED (never negative)."""
        return max(self.limit - self.used, 0)


def parse_limit_info(header: str | None) -> ApiUsage | None:
    """Parse a ``Sforce-Limit-Info`` value; None when absent or without ``api-usage``.

    Unknown or malformed entries are ignored: the header is informational and must never
    turn a successful call into a failure.
    """
    if not header:
        return None
    org: tuple[int, int] | None = None
    per_app: AppApiUsage | None = None
    for part in header.split(";"):
        match = _ENTRY.match(part)
        if match is None:
            continue
        name, used, limit, app_name = match.groups()
        if name == "api-usage":
            org = (int(used), int(limit))
        elif name == "per-app-api-usage":
            per_app = AppApiUsage(int(used), int(limit), app_name.strip() if app_name else None)
    if org is None:
        return None
    return ApiUsage(used=org[0], limit=org[1], per_app=per_app)
