"""What a support rep does on a Case, shared by the console and the admin API.

The rep is Jane Rep. Her writes go through the same transactions as API writes,
so Baton's Apex triggers fire for them.
"""

from __future__ import annotations

from collections.abc import Callable

from salesforce_emulator.errors import ApiError
from salesforce_emulator.ids import canonical_id
from salesforce_emulator.records import Transaction
from salesforce_emulator.runtime import EmulatorRuntime
from salesforce_emulator.schema import SOBJECTS
from salesforce_emulator.state import Org, Record, SentEmail

_CASE = SOBJECTS["case"]
_COMMENT = SOBJECTS["casecomment"]
_EMAIL = SOBJECTS["emailmessage"]


class CaseNotFound(Exception):
    pass


def find_case(org: Org, raw_id: str) -> Record:
    case_id = canonical_id(raw_id)
    case = org.records["Case"].get(case_id) if case_id else None
    if case is None:
        raise CaseNotFound(raw_id)
    return case


async def add_comment(runtime: EmulatorRuntime, raw_case_id: str, body: str, *, is_published: bool) -> str:
    org = runtime.org
    async with org.lock:
        case = find_case(org, raw_case_id)
        txn = Transaction(org, org.rep_user_id)
        comment_id = _in_transaction(
            runtime,
            txn,
            lambda: txn.create(
                _COMMENT, {"ParentId": case["Id"], "CommentBody": body, "IsPublished": is_published}
            ),
        )
    return comment_id


async def send_email(
    runtime: EmulatorRuntime,
    raw_case_id: str,
    body: str,
    *,
    subject: str | None = None,
    to_address: str | None = None,
) -> str:
    """Record an outgoing email on the Case (Status Sent) and put it in the outbox Salesforce mails from."""
    org = runtime.org
    async with org.lock:
        case = find_case(org, raw_case_id)
        rep = org.user(org.rep_user_id)
        assert rep is not None
        recipient = to_address or case.get("SuppliedEmail") or ""
        subject_line = subject or f"RE: {case.get('Subject') or ''}".strip()
        txn = Transaction(org, org.rep_user_id)
        email_id = _in_transaction(
            runtime,
            txn,
            lambda: txn.create(
                _EMAIL,
                {
                    "ParentId": case["Id"],
                    "Subject": subject_line,
                    "TextBody": body,
                    "FromAddress": rep["Email"],
                    "FromName": rep["Name"],
                    "ToAddress": recipient,
                    "Incoming": False,
                    "Status": "3",
                    "MessageDate": org.clock.now().isoformat(),
                },
            ),
        )
        org.sent_emails.append(
            SentEmail(email_id, case["Id"], str(rep["Email"]), recipient, subject_line, body, org.clock.now())
        )
    return email_id


async def close_case(runtime: EmulatorRuntime, raw_case_id: str) -> None:
    org = runtime.org
    async with org.lock:
        case = find_case(org, raw_case_id)
        txn = Transaction(org, org.rep_user_id)
        _in_transaction(runtime, txn, lambda: _update_status(txn, case["Id"]))


def _update_status(txn: Transaction, case_id: str) -> str:
    txn.update(_CASE, case_id, {"Status": "Closed"})
    return case_id


def _in_transaction(runtime: EmulatorRuntime, txn: Transaction, write: Callable[[], str]) -> str:
    try:
        result = write()
    except ApiError:
        txn.rollback()
        raise
    runtime.commit(txn)
    return str(result)
