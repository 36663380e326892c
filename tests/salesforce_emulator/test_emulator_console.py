"""The rep console: plain forms with stable ids, acting as Jane Rep."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from sfemu_support import Tokens, connect, create

pytestmark = pytest.mark.anyio


async def records(client: httpx2.AsyncClient, sobject: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (await client.get(f"/_emulator/records/{sobject}")).json()
    return rows


@pytest.fixture
async def tokens(client: httpx2.AsyncClient) -> Tokens:
    return await connect(client)


async def test_case_list_puts_batons_cases_first(client: httpx2.AsyncClient, tokens: Tokens) -> None:
    baton_case = await create(client, tokens, "Case", {"Subject": "From Baton", "Case_From__c": "opencx"})
    other = await create(client, tokens, "Case", {"Subject": "Walk-in"})
    page = (await client.get("/console")).text
    assert "id='case-list'" in page
    assert page.index(f"case-row-{baton_case}") < page.index(f"case-row-{other}")


async def test_case_page_shows_the_case_and_its_timeline(client: httpx2.AsyncClient, tokens: Tokens) -> None:
    case_id = await create(client, tokens, "Case", {"Subject": "Refund <now>", "Description": "Summary"})
    await create(
        client,
        tokens,
        "CaseComment",
        {"ParentId": case_id, "CommentBody": "transcript", "IsPublished": False},
    )
    page = (await client.get(f"/console/cases/{case_id}")).text
    assert "id='case-subject'>Refund &lt;now&gt;</h1>" in page
    assert "id='case-description'>Summary</pre>" in page
    assert "data-published='false'" in page and "transcript" in page
    for element in (
        "reply-kind-public",
        "reply-kind-internal",
        "reply-kind-email",
        "reply-body",
        "close-case",
    ):
        assert f"id='{element}'" in page
    assert (await client.get("/console/cases/500Q0000000000ZAAA")).status_code == 404


@pytest.mark.parametrize(("kind", "published"), [("public", True), ("internal", False)])
async def test_replying_with_a_comment(
    client: httpx2.AsyncClient, tokens: Tokens, kind: str, published: bool
) -> None:
    case_id = await create(client, tokens, "Case", {"Subject": "s"})
    response = await client.post(f"/console/cases/{case_id}/reply", data={"kind": kind, "body": "Hello"})
    assert response.status_code == 303
    [comment] = await records(client, "CaseComment")
    assert (comment["CommentBody"], comment["IsPublished"]) == ("Hello", published)
    jane = [
        u for u in (await client.get("/_emulator/users")).json() if u["Username"] == "jane.rep@emulator.test"
    ]
    assert comment["CreatedById"] == jane[0]["Id"]


async def test_replying_by_email_records_a_sent_email_and_the_outbox(
    client: httpx2.AsyncClient, tokens: Tokens
) -> None:
    case_id = await create(client, tokens, "Case", {"Subject": "Order", "SuppliedEmail": "cust@example.com"})
    await client.post(f"/console/cases/{case_id}/reply", data={"kind": "email", "body": "Shipped"})
    [email] = await records(client, "EmailMessage")
    assert (email["Incoming"], email["Status"], email["ToAddress"], email["TextBody"]) == (
        False,
        "3",
        "cust@example.com",
        "Shipped",
    )
    [sent] = (await client.get("/_emulator/sent-emails")).json()
    assert (sent["to_address"], sent["subject"], sent["email_message_id"]) == (
        "cust@example.com",
        "RE: Order",
        email["Id"],
    )


async def test_an_empty_reply_is_refused_and_close_closes(client: httpx2.AsyncClient, tokens: Tokens) -> None:
    case_id = await create(client, tokens, "Case", {"Subject": "s"})
    refused = await client.post(f"/console/cases/{case_id}/reply", data={"kind": "public", "body": " "})
    assert refused.status_code == 400 and "id='console-error'" in refused.text
    assert (await client.post(f"/console/cases/{case_id}/close")).status_code == 303
    [case] = await records(client, "Case")
    assert case["Status"] == "Closed" and case["IsClosed"] is True
    assert "id='close-case'" not in (await client.get(f"/console/cases/{case_id}")).text
