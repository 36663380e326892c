"""What Baton writes on a Case, with the wire names configurable per org.

The defaults are the names an org already configured for the product we
re-implement uses (``Case_From__c = 'opencx'``, ``OpenCX_Session_Id__c``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SUBJECT_MAX = 255
DESCRIPTION_MAX = 32_000
SUPPLIED_MAX = 80


@dataclass(frozen=True)
class CaseFieldNames:
    from_field: str = "Case_From__c"
    from_value: str = "opencx"
    session_id_field: str = "OpenCX_Session_Id__c"
    origin: str = "Email"

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> CaseFieldNames:
        configured = settings.get("case_fields") or {}
        defaults = cls()
        return cls(
            from_field=str(configured.get("from_field", defaults.from_field)),
            from_value=str(configured.get("from_value", defaults.from_value)),
            session_id_field=str(configured.get("session_id_field", defaults.session_id_field)),
            origin=str(configured.get("origin", defaults.origin)),
        )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def case_fields(
    names: CaseFieldNames,
    *,
    session_id: str,
    subject: str | None,
    description: str,
    email: str | None,
    name: str | None,
    priority: str | None,
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "Subject": _clip(subject or "Conversation handed off", SUBJECT_MAX),
        "Description": _clip(description, DESCRIPTION_MAX),
        "Origin": names.origin,
        names.from_field: names.from_value,
        names.session_id_field: session_id,
    }
    if email:
        fields["SuppliedEmail"] = email[:SUPPLIED_MAX]
    if name:
        fields["SuppliedName"] = _clip(name, SUPPLIED_MAX)
    if priority:
        fields["Priority"] = priority
    return fields
