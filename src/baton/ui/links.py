"""Links from the inbox into Salesforce."""

from __future__ import annotations

import ipaddress
from urllib.parse import quote, urlsplit


def _is_local(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def salesforce_case_url(instance_url: str | None, case_id: str | None) -> str | None:
    """The Case record page: Lightning in a real org, the console page of the local emulator.

    None when either part is unknown (no connection yet), so the page shows the id without a link.
    """
    if not instance_url or not case_id:
        return None
    base = instance_url.rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("https", "http"):
        return None  # never turn a stored value into a javascript: or data: link
    safe_id = quote(case_id, safe="")
    if _is_local((parts.hostname or "").lower()):
        return f"{base}/console/cases/{safe_id}"
    return f"{base}/lightning/r/Case/{safe_id}/view"
