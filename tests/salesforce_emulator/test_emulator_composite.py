"""Composite, sObject Tree and sObject Collections: references, limits, all-or-none."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from sfemu_support import API, Tokens, connect

pytestmark = pytest.mark.anyio


@pytest.fixture
async def tokens(client: httpx2.AsyncClient) -> Tokens:
    return await connect(client)


async def records(client: httpx2.AsyncClient, sobject: str) -> list[dict[str, Any]]:
    response = await client.get(f"/_emulator/records/{sobject}")
    rows: list[dict[str, Any]] = response.json()
    return rows


def case_then_comment(all_or_none: bool, comment_body: str) -> dict[str, Any]:
    return {
        "allOrNone": all_or_none,
        "compositeRequest": [
            {
                "method": "POST",
                "url": f"{API}/sobjects/Case",
                "referenceId": "newCase",
                "body": {"Subject": "c"},
            },
            {
                "method": "POST",
                "url": f"{API}/sobjects/CaseComment",
                "referenceId": "newComment",
                "body": {"ParentId": "@{newCase.id}", "CommentBody": comment_body},
            },
            {
                "method": "GET",
                "url": f"{API}/sobjects/Case/@{{newCase.id}}?fields=Subject",
                "referenceId": "readCase",
            },
        ],
    }


async def test_composite_resolves_references_and_counts_one_call(
    client: httpx2.AsyncClient, tokens: Tokens
) -> None:
    response = await client.post(
        f"{API}/composite", json=case_then_comment(True, "hi"), headers=tokens.headers
    )
    assert response.status_code == 200
    assert response.headers["Sforce-Limit-Info"] == "api-usage=1/15000"
    results = response.json()["compositeResponse"]
    assert [r["httpStatusCode"] for r in results] == [201, 201, 200]
    [comment] = await records(client, "CaseComment")
    assert comment["ParentId"] == results[0]["body"]["id"]
    assert results[2]["body"]["Subject"] == "c"


async def test_all_or_none_rolls_back_and_marks_the_others(
    client: httpx2.AsyncClient, tokens: Tokens
) -> None:
    response = await client.post(
        f"{API}/composite", json=case_then_comment(True, "é" * 2001), headers=tokens.headers
    )
    assert response.status_code == 200
    results = response.json()["compositeResponse"]
    assert results[1]["httpStatusCode"] == 400 and results[1]["body"][0]["errorCode"] == "STRING_TOO_LONG"
    assert results[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert results[2]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert await records(client, "Case") == []


async def test_without_all_or_none_earlier_writes_stay(client: httpx2.AsyncClient, tokens: Tokens) -> None:
    response = await client.post(
        f"{API}/composite", json=case_then_comment(False, "é" * 2001), headers=tokens.headers
    )
    results = response.json()["compositeResponse"]
    assert [r["httpStatusCode"] for r in results] == [201, 400, 200]
    assert len(await records(client, "Case")) == 1


async def test_composite_refuses_more_than_25_subrequests(client: httpx2.AsyncClient, tokens: Tokens) -> None:
    subrequests = [{"method": "GET", "url": f"{API}/limits", "referenceId": f"r{i}"} for i in range(26)]
    response = await client.post(
        f"{API}/composite", json={"compositeRequest": subrequests}, headers=tokens.headers
    )
    assert response.status_code == 400


def tree(comment_bodies: list[str]) -> dict[str, Any]:
    return {
        "records": [
            {
                "attributes": {"type": "Case", "referenceId": "case1"},
                "Subject": "Refund request",
                "Origin": "Chat",
                "CaseComments": {
                    "records": [
                        {"attributes": {"type": "CaseComment", "referenceId": f"c{i}"}, "CommentBody": body}
                        for i, body in enumerate(comment_bodies)
                    ]
                },
            }
        ]
    }


async def test_tree_creates_a_case_with_its_comments(client: httpx2.AsyncClient, tokens: Tokens) -> None:
    response = await client.post(
        f"{API}/composite/tree/Case", json=tree(["one", "two"]), headers=tokens.headers
    )
    assert response.status_code == 201
    body = response.json()
    assert body["hasErrors"] is False
    assert [r["referenceId"] for r in body["results"]] == ["case1", "c0", "c1"]
    comments = await records(client, "CaseComment")
    assert {c["ParentId"] for c in comments} == {body["results"][0]["id"]}


async def test_tree_is_all_or_nothing_and_reports_only_failures(
    client: httpx2.AsyncClient, tokens: Tokens
) -> None:
    response = await client.post(
        f"{API}/composite/tree/Case", json=tree(["fine", "x" * 4001]), headers=tokens.headers
    )
    assert response.status_code == 400
    assert response.json() == {
        "hasErrors": True,
        "results": [{"referenceId": "c1", "errors": [response.json()["results"][0]["errors"][0]]}],
    }
    assert response.json()["results"][0]["errors"][0]["statusCode"] == "STRING_TOO_LONG"
    assert await records(client, "Case") == [] and await records(client, "CaseComment") == []


async def test_tree_refuses_more_than_200_records(client: httpx2.AsyncClient, tokens: Tokens) -> None:
    response = await client.post(f"{API}/composite/tree/Case", json=tree(["x"] * 200), headers=tokens.headers)
    assert response.status_code == 400
    assert await records(client, "Case") == []


async def test_collections_report_per_record_and_honour_all_or_none(
    client: httpx2.AsyncClient, tokens: Tokens
) -> None:
    batch = [
        {"attributes": {"type": "Case"}, "Subject": "ok"},
        {"attributes": {"type": "Case"}, "Status": "Bogus"},
    ]
    partial = await client.post(
        f"{API}/composite/sobjects", json={"allOrNone": False, "records": batch}, headers=tokens.headers
    )
    assert partial.status_code == 200
    first, second = partial.json()
    assert first["success"] is True and second["success"] is False
    assert second["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert len(await records(client, "Case")) == 1

    strict = await client.post(
        f"{API}/composite/sobjects", json={"allOrNone": True, "records": batch}, headers=tokens.headers
    )
    first, second = strict.json()
    assert first["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert len(await records(client, "Case")) == 1


async def test_collections_refuse_more_than_200_records(client: httpx2.AsyncClient, tokens: Tokens) -> None:
    batch = [{"attributes": {"type": "Case"}, "Subject": "x"}] * 201
    response = await client.post(f"{API}/composite/sobjects", json={"records": batch}, headers=tokens.headers)
    assert response.status_code == 400 and response.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
