"""Field validation and transactions, straight against the in-memory org."""

from __future__ import annotations

from typing import Any

import pytest

from salesforce_emulator.clock import Clock
from salesforce_emulator.errors import ApiError
from salesforce_emulator.records import MultipleMatches, Transaction
from salesforce_emulator.schema import SOBJECTS
from salesforce_emulator.state import Org

CASE = SOBJECTS["case"]
COMMENT = SOBJECTS["casecomment"]
CONTACT = SOBJECTS["contact"]


@pytest.fixture
def org() -> Org:
    return Org(Clock())


@pytest.fixture
def txn(org: Org) -> Transaction:
    return Transaction(org, org.rep_user_id)


def error_of(call: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value


def test_a_new_case_gets_system_fields_and_defaults(org: Org, txn: Transaction) -> None:
    case_id = txn.create(CASE, {"Subject": "Refund"})
    case = org.records["Case"][case_id]
    assert case["Status"] == "New" and case["IsClosed"] is False and case["ClosedDate"] is None
    assert case["CreatedById"] == org.rep_user_id and case["OwnerId"] == org.rep_user_id
    assert case["CreatedDate"].microsecond == 0  # Salesforce keeps whole seconds
    assert case["CaseNumber"].isdigit()


def test_subject_over_255_characters_is_string_too_long(txn: Transaction) -> None:
    error = error_of(lambda: txn.create(CASE, {"Subject": "x" * 256}))
    assert (error.status, error.item.error_code, error.item.fields) == (400, "STRING_TOO_LONG", ["Subject"])
    assert "max length=255" in error.item.message


def test_comment_body_is_limited_in_utf8_bytes_not_characters(txn: Transaction) -> None:
    case_id = txn.create(CASE, {"Subject": "s"})
    txn.create(COMMENT, {"ParentId": case_id, "CommentBody": "é" * 2000})  # 4,000 bytes exactly
    error = error_of(lambda: txn.create(COMMENT, {"ParentId": case_id, "CommentBody": "é" * 2001}))
    assert error.item.error_code == "STRING_TOO_LONG"
    assert error.item.fields == ["CommentBody"]


def test_comment_needs_a_parent_case(txn: Transaction, org: Org) -> None:
    assert (
        error_of(lambda: txn.create(COMMENT, {"CommentBody": "x"})).item.error_code
        == "REQUIRED_FIELD_MISSING"
    )
    wrong_type = error_of(lambda: txn.create(COMMENT, {"ParentId": org.rep_user_id, "CommentBody": "x"}))
    assert wrong_type.item.error_code == "FIELD_INTEGRITY_EXCEPTION"
    malformed = error_of(lambda: txn.create(COMMENT, {"ParentId": "nope", "CommentBody": "x"}))
    assert malformed.item.error_code == "MALFORMED_ID"


def test_unknown_and_read_only_fields_are_refused(txn: Transaction) -> None:
    unknown = error_of(lambda: txn.create(CASE, {"Nope__c": "x"}))
    assert (unknown.item.error_code, unknown.item.message) == (
        "INVALID_FIELD",
        "No such column 'Nope__c' on sobject of type Case",
    )
    read_only = error_of(lambda: txn.create(CASE, {"CreatedDate": "2026-01-01T00:00:00Z"}))
    assert read_only.item.error_code == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert (
        error_of(lambda: txn.create(CASE, {"IsClosed": True})).item.error_code
        == "INVALID_FIELD_FOR_INSERT_UPDATE"
    )


def test_restricted_status_but_open_origin(txn: Transaction) -> None:
    txn.create(CASE, {"Origin": "Carrier Pigeon"})
    error = error_of(lambda: txn.create(CASE, {"Status": "Pending"}))
    assert error.item.error_code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_wrong_json_kinds_are_parser_errors(txn: Transaction) -> None:
    case_id = txn.create(CASE, {"Subject": "s"})
    error = error_of(lambda: txn.create(COMMENT, {"ParentId": case_id, "IsPublished": "true"}))
    assert error.item.error_code == "JSON_PARSER_ERROR"


def test_session_id_is_unique_case_insensitively_and_names_the_existing_record(txn: Transaction) -> None:
    first = txn.create(CASE, {"OpenCX_Session_Id__c": "sess-1"})
    error = error_of(lambda: txn.create(CASE, {"OpenCX_Session_Id__c": "SESS-1"}))
    assert error.item.error_code == "DUPLICATE_VALUE"
    assert error.item.message == (
        f"duplicate value found: OpenCX_Session_Id__c duplicates value on record with id: {first}"
    )


def test_closing_sets_is_closed_and_closed_date_and_reopening_clears_them(org: Org, txn: Transaction) -> None:
    case_id = txn.create(CASE, {"Subject": "s"})
    txn.update(CASE, case_id, {"Status": "Closed"})
    assert org.records["Case"][case_id]["IsClosed"] is True
    assert org.records["Case"][case_id]["ClosedDate"] is not None
    txn.update(CASE, case_id, {"Status": "Working"})
    assert org.records["Case"][case_id]["ClosedDate"] is None


def test_rollback_undoes_inserts_and_updates(org: Org, txn: Transaction) -> None:
    case_id = txn.create(CASE, {"Subject": "before"})
    savepoint = txn.savepoint()
    txn.update(CASE, case_id, {"Subject": "after"})
    txn.create(COMMENT, {"ParentId": case_id})
    txn.rollback_to(savepoint)
    assert org.records["Case"][case_id]["Subject"] == "before"
    assert org.records["CaseComment"] == {}
    txn.rollback()
    assert org.records["Case"] == {}


def test_upsert_creates_then_updates_and_reports_several_matches(txn: Transaction, org: Org) -> None:
    session_field = CASE.field("OpenCX_Session_Id__c")
    assert session_field is not None
    created_id, created = txn.upsert(CASE, session_field, "s-9", {"Subject": "one"})
    same_id, created_again = txn.upsert(CASE, session_field, "s-9", {"Subject": "two"})
    assert (created, created_again, same_id) == (True, False, created_id)
    assert org.records["Case"][created_id]["Subject"] == "two"

    external = CONTACT.field("External_Id__c")
    assert external is not None
    txn.create(CONTACT, {"LastName": "A", "External_Id__c": "dup"})
    txn.create(CONTACT, {"LastName": "B", "External_Id__c": "dup"})
    with pytest.raises(MultipleMatches):
        txn.upsert(CONTACT, external, "dup", {"FirstName": "x"})
