"""The behaviour of Baton's Apex triggers, evaluated when a transaction commits.

After insert on CaseComment and EmailMessage, and after update on Case when it
becomes closed: for Cases that carry ``OpenCX_Session_Id__c``, the record ids of
one transaction are batched into ONE Queueable callout through the Named
Credential ``OpenCX_Integration``. Records written by the integration user (the
user who authorised Baton) are skipped so Baton never hears its own writes.
"""

from __future__ import annotations

from typing import Any

from salesforce_emulator.records import Transaction
from salesforce_emulator.state import Org, Record
from salesforce_emulator.values import format_iso_utc

NAMED_CREDENTIAL = "OpenCX_Integration"
SESSION_FIELD = "OpenCX_Session_Id__c"


def webhook_events(org: Org, txn: Transaction) -> list[dict[str, Any]]:
    """The events Baton's triggers would send for a committed transaction, in write order."""
    if txn.user_id == org.integration_user_id:
        return []
    events: list[dict[str, Any]] = []
    for entry in txn.journal:
        record = org.records[entry.sobject].get(entry.record_id)
        if record is None:
            continue
        if entry.kind == "insert" and entry.sobject == "CaseComment":
            event = _comment_event(org, record)
        elif entry.kind == "insert" and entry.sobject == "EmailMessage":
            event = _email_event(org, record)
        elif entry.kind == "update" and entry.sobject == "Case":
            event = _closed_event(org, record, entry.before)
        else:
            event = None
        if event is not None:
            events.append(event)
    return events


def _session_case(org: Org, case_id: str | None) -> Record | None:
    case = org.records["Case"].get(case_id) if case_id else None
    return case if case is not None and case.get(SESSION_FIELD) else None


def _user_name(org: Org, user_id: str | None) -> str | None:
    user = org.user(user_id) if user_id else None
    return None if user is None else str(user["Name"])


def _comment_event(org: Org, comment: Record) -> dict[str, Any] | None:
    case = _session_case(org, comment.get("ParentId"))
    if case is None:
        return None
    return {
        "type": "case_comment.created",
        "id": comment["Id"],
        "case_id": case["Id"],
        "session_id": case[SESSION_FIELD],
        "body": comment.get("CommentBody"),
        "is_published": bool(comment.get("IsPublished")),
        "author_name": _user_name(org, comment.get("CreatedById")),
        "created_at": format_iso_utc(comment["CreatedDate"]),
    }


def _email_event(org: Org, email: Record) -> dict[str, Any] | None:
    case = _session_case(org, email.get("ParentId"))
    if case is None or email.get("Incoming"):
        return None
    return {
        "type": "email_message.created",
        "id": email["Id"],
        "case_id": case["Id"],
        "session_id": case[SESSION_FIELD],
        "body": email.get("TextBody"),
        "is_published": True,
        "author_name": _user_name(org, email.get("CreatedById")),
        "created_at": format_iso_utc(email["CreatedDate"]),
    }


def _closed_event(org: Org, case: Record, before: Record | None) -> dict[str, Any] | None:
    became_closed = case.get("IsClosed") and not (before or {}).get("IsClosed")
    if not became_closed or not case.get(SESSION_FIELD):
        return None
    closed_at = format_iso_utc(case["ClosedDate"])
    return {
        "type": "case.closed",
        "id": f"{case['Id']}:closed:{closed_at}",
        "case_id": case["Id"],
        "session_id": case[SESSION_FIELD],
        "body": None,
        "is_published": True,
        "author_name": _user_name(org, case.get("LastModifiedById")),
        "created_at": closed_at,
    }
