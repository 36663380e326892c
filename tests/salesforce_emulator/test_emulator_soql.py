"""The SOQL subset: parsing, type checks, filters, ordering and relationship fields."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from salesforce_emulator.clock import Clock
from salesforce_emulator.records import Transaction
from salesforce_emulator.schema import SOBJECTS
from salesforce_emulator.soql import SoqlError, parse_query, run_query
from salesforce_emulator.state import Org

API = "/services/data/v66.0"


@pytest.fixture
def org() -> Org:
    org = Org(Clock())
    rep = Transaction(org, org.rep_user_id)
    admin = Transaction(org, org.integration_user_id or "")
    case_def, comment_def = SOBJECTS["case"], SOBJECTS["casecomment"]
    first = rep.create(
        case_def, {"Subject": "Refund please", "OpenCX_Session_Id__c": "sess-1", "Priority": "High"}
    )
    second = rep.create(case_def, {"Subject": "50% off? it's_great", "Status": "Working"})
    rep.create(case_def, {"Subject": None, "Priority": "Low"})
    org.clock.advance(60)
    admin.create(comment_def, {"ParentId": first, "CommentBody": "from Baton", "IsPublished": False})
    org.clock.advance(60)
    rep.create(comment_def, {"ParentId": first, "CommentBody": "reply", "IsPublished": True})
    rep.create(comment_def, {"ParentId": second, "CommentBody": "other", "IsPublished": True})
    return org


def rows(org: Org, soql: str) -> list[dict[str, Any]]:
    return run_query(org, parse_query(soql), API).records


def error(org: Org, soql: str) -> SoqlError:
    with pytest.raises(SoqlError) as caught:
        run_query(org, parse_query(soql), API)
    return caught.value


def case_id(org: Org, session: str) -> str:
    [row] = rows(org, f"SELECT Id FROM Case WHERE OpenCX_Session_Id__c = '{session}'")
    return str(row["Id"])


def test_equality_on_text_ignores_case(org: Org) -> None:
    assert len(rows(org, "SELECT Id FROM Case WHERE OpenCX_Session_Id__c = 'SESS-1'")) == 1
    assert rows(org, "select id from case where opencx_session_id__c = 'nope'") == []


def test_records_carry_attributes_and_canonical_field_names(org: Org) -> None:
    [row] = rows(org, "select id, subject from case where opencx_session_id__c = 'sess-1'")
    assert list(row) == ["attributes", "Id", "Subject"]
    assert row["attributes"] == {"type": "Case", "url": f"{API}/sobjects/Case/{row['Id']}"}


def test_baton_reply_query_with_in_datetime_and_relationship(org: Org) -> None:
    parent = case_id(org, "sess-1")
    found = rows(
        org,
        "SELECT Id, ParentId, CommentBody, IsPublished, CreatedDate, CreatedById, CreatedBy.Name "
        "FROM CaseComment "
        f"WHERE ParentId IN ('{parent}', '{parent[:15]}') AND CreatedDate > 2000-01-01T00:00:00Z "
        "ORDER BY CreatedDate, Id",
    )
    assert [r["CommentBody"] for r in found] == ["from Baton", "reply"]
    assert found[1]["CreatedBy"]["Name"] == "Jane Rep"
    assert found[1]["CreatedBy"]["attributes"]["type"] == "User"
    assert found[1]["CreatedDate"].endswith("+0000")


def test_datetime_literals_with_offsets_and_milliseconds(org: Org) -> None:
    [first_comment] = rows(org, "SELECT CreatedDate FROM CaseComment WHERE CommentBody = 'from Baton'")
    stamp = first_comment["CreatedDate"]  # e.g. 2026-11-24T01:23:00.000+0000
    utc = stamp[:19] + "Z"
    assert len(rows(org, f"SELECT Id FROM CaseComment WHERE CreatedDate = {utc}")) == 1
    # The same instant written in another zone, with milliseconds.
    plus_two = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(timezone(timedelta(hours=2)))
    shifted = plus_two.strftime("%Y-%m-%dT%H:%M:%S.000+02:00")
    assert len(rows(org, f"SELECT Id FROM CaseComment WHERE CreatedDate = {shifted}")) == 1
    assert len(rows(org, f"SELECT Id FROM CaseComment WHERE CreatedDate >= {utc}")) == 3
    assert len(rows(org, f"SELECT Id FROM CaseComment WHERE CreatedDate > {utc}")) == 2


def test_relationship_field_in_where(org: Org) -> None:
    found = rows(
        org,
        "SELECT Id, Parent.OpenCX_Session_Id__c FROM CaseComment WHERE Parent.OpenCX_Session_Id__c != null",
    )
    assert len(found) == 2 and all(r["Parent"]["OpenCX_Session_Id__c"] == "sess-1" for r in found)


def test_null_relationship_is_null(org: Org) -> None:
    found = rows(org, "SELECT Contact.Name FROM Case LIMIT 1")
    assert found[0]["Contact"] is None


def test_like_with_wildcards_and_escapes(org: Org) -> None:
    assert len(rows(org, "SELECT Id FROM Case WHERE Subject LIKE 'refund%'")) == 1
    assert len(rows(org, "SELECT Id FROM Case WHERE Subject LIKE '50\\% off%'")) == 1
    assert len(rows(org, "SELECT Id FROM Case WHERE Subject LIKE '%it\\'s\\_great'")) == 1
    assert rows(org, "SELECT Id FROM Case WHERE Subject LIKE '50_ off'") == []


def test_boolean_null_not_and_parentheses(org: Org) -> None:
    assert len(rows(org, "SELECT Id FROM CaseComment WHERE IsPublished = true")) == 2
    assert len(rows(org, "SELECT Id FROM Case WHERE Subject = null")) == 1
    assert len(rows(org, "SELECT Id FROM Case WHERE Subject != null")) == 2
    assert len(rows(org, "SELECT Id FROM Case WHERE NOT Status = 'New'")) == 1
    both = "SELECT Id FROM Case WHERE (Priority = 'High' OR Priority = 'Low') AND Status = 'New'"
    assert len(rows(org, both)) == 2
    assert len(rows(org, "SELECT Id FROM Case WHERE Status NOT IN ('Working', 'Closed')")) == 2


def test_order_by_several_fields_with_nulls_and_limit_offset(org: Org) -> None:
    ordered = rows(org, "SELECT Subject FROM Case ORDER BY Subject ASC NULLS LAST")
    assert [r["Subject"] for r in ordered] == ["50% off? it's_great", "Refund please", None]
    default_nulls = rows(org, "SELECT Subject FROM Case ORDER BY Subject DESC")
    assert [r["Subject"] for r in default_nulls] == ["Refund please", "50% off? it's_great", None]
    paged = rows(org, "SELECT Subject FROM Case ORDER BY Priority DESC, Subject LIMIT 1 OFFSET 1")
    assert [r["Subject"] for r in paged] == [None]  # Priorities: Medium, Low, High


def test_count(org: Org) -> None:
    result = run_query(org, parse_query("SELECT COUNT() FROM CaseComment WHERE IsPublished = false"), API)
    assert (result.total_size, result.records) == (1, [])


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Nope FROM Case", "INVALID_FIELD"),
        ("SELECT Id FROM Account", "INVALID_TYPE"),
        ("SELECT Id FROM Case WHERE", "MALFORMED_QUERY"),
        ("SELECT Id Case", "MALFORMED_QUERY"),
        ("SELECT Id FROM Case WHERE Subject = 'a' AND Status = 'b' OR Priority = 'c'", "MALFORMED_QUERY"),
        ("SELECT Id FROM Case WHERE Subject = 'unterminated", "MALFORMED_QUERY"),
        ("SELECT Id FROM Case WHERE IsClosed = 'true'", "INVALID_FIELD"),
        ("SELECT Id FROM Case WHERE CreatedDate > '2026-01-01'", "INVALID_FIELD"),
        ("SELECT Id FROM Case WHERE CreatedDate > 2026-01-01", "INVALID_FIELD"),
        ("SELECT Id FROM Case WHERE Description = 'x'", "INVALID_FIELD"),
        ("SELECT Id FROM Case WHERE Id = 'nope'", "INVALID_QUERY_FILTER_OPERATOR"),
        ("SELECT Id FROM Case WHERE Subject = 5", "INVALID_FIELD"),
        ("SELECT Owner.Nope FROM Case", "INVALID_FIELD"),
        ("SELECT Nope.Name FROM Case", "INVALID_FIELD"),
        ("SELECT Id FROM Case WHERE CreatedDate > 2026-01-01T00:00:00", "MALFORMED_QUERY"),
    ],
)
def test_refused_queries(org: Org, soql: str, code: str) -> None:
    assert error(org, soql).error_code == code


def test_error_messages_point_at_the_column() -> None:
    soql = "SELECT Nope FROM Case"
    with pytest.raises(SoqlError) as caught:
        run_query(Org(Clock()), parse_query(soql), API)
    message = caught.value.message_for(soql)
    assert "ERROR at Row:1:Column:8" in message
    assert "No such column 'Nope' on entity 'Case'" in message
