"""sObject CRUD, upsert, versions, auth and limits over a real socket."""

from __future__ import annotations

import httpx2
import pytest
from sfemu_support import API, Tokens, connect, create

pytestmark = pytest.mark.anyio


@pytest.fixture
async def tokens(client: httpx2.AsyncClient) -> Tokens:
    return await connect(client)


async def test_create_read_update_delete_a_case(client: httpx2.AsyncClient, tokens: Tokens) -> None:
    created = await client.post(f"{API}/sobjects/Case", json={"Subject": "Refund"}, headers=tokens.headers)
    assert created.status_code == 201
    body = created.json()
    assert (
        body["success"] is True
        and body["errors"] == []
        and body["id"].startswith("500")
        and len(body["id"]) == 18
    )
    case_url = f"{API}/sobjects/Case/{body['id']}"

    read = await client.get(case_url, params={"fields": "Subject,Status,CreatedDate"}, headers=tokens.headers)
    assert read.json() == {
        "attributes": {"type": "Case", "url": case_url},
        "Subject": "Refund",
        "Status": "New",
        "CreatedDate": read.json()["CreatedDate"],
    }
    assert read.json()["CreatedDate"].endswith(".000+0000")

    updated = await client.patch(case_url, json={"Status": "Closed"}, headers=tokens.headers)
    assert updated.status_code == 204 and updated.content == b""
    closed = (await client.get(case_url, headers=tokens.headers)).json()
    assert closed["IsClosed"] is True and closed["ClosedDate"] is not None

    assert (await client.delete(case_url, headers=tokens.headers)).status_code == 204
    gone = await client.get(case_url, headers=tokens.headers)
    assert gone.status_code == 404 and gone.json()[0]["errorCode"] == "NOT_FOUND"


async def test_validation_errors_are_json_arrays(client: httpx2.AsyncClient, tokens: Tokens) -> None:
    response = await client.post(f"{API}/sobjects/Case", json={"Subject": "x" * 256}, headers=tokens.headers)
    assert response.status_code == 400
    [error] = response.json()
    assert error["errorCode"] == "STRING_TOO_LONG" and error["fields"] == ["Subject"]
    unknown = await client.post(f"{API}/sobjects/Case", json={"Bogus": 1}, headers=tokens.headers)
    assert unknown.json()[0]["errorCode"] == "INVALID_FIELD"


async def test_non_json_bodies_are_refused(client: httpx2.AsyncClient, tokens: Tokens) -> None:
    form = await client.post(f"{API}/sobjects/Case", data={"Subject": "x"}, headers=tokens.headers)
    assert form.status_code == 415
    broken = await client.post(
        f"{API}/sobjects/Case",
        content=b"{nope",
        headers=tokens.headers | {"Content-Type": "application/json"},
    )
    assert broken.status_code == 400 and broken.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


async def test_upsert_by_session_id_creates_then_updates(client: httpx2.AsyncClient, tokens: Tokens) -> None:
    url = f"{API}/sobjects/Case/OpenCX_Session_Id__c/sess-42"
    first = await client.patch(url, json={"Subject": "one"}, headers=tokens.headers)
    assert first.status_code == 201 and first.json()["created"] is True
    second = await client.patch(url, json={"Subject": "two"}, headers=tokens.headers)
    assert second.status_code == 200
    assert second.json() == {"id": first.json()["id"], "success": True, "errors": [], "created": False}
    not_external = await client.patch(f"{API}/sobjects/Case/Subject/x", json={}, headers=tokens.headers)
    assert not_external.status_code == 404


async def test_upsert_with_several_matches_is_300_and_writes_nothing(
    client: httpx2.AsyncClient, tokens: Tokens
) -> None:
    first = await create(client, tokens, "Contact", {"LastName": "A", "External_Id__c": "dup"})
    second = await create(client, tokens, "Contact", {"LastName": "B", "External_Id__c": "dup"})
    response = await client.patch(
        f"{API}/sobjects/Contact/External_Id__c/dup", json={"FirstName": "Z"}, headers=tokens.headers
    )
    assert response.status_code == 300
    assert sorted(response.json()) == sorted(f"{API}/sobjects/Contact/{i}" for i in (first, second))
    contacts = (await client.get("/_emulator/records/Contact")).json()
    assert all(c["FirstName"] is None for c in contacts)


async def test_ids_are_accepted_in_15_and_18_character_form(
    client: httpx2.AsyncClient, tokens: Tokens
) -> None:
    case_id = await create(client, tokens, "Case", {"Subject": "s"})
    for form in (case_id[:15], case_id.lower()):
        response = await client.get(f"{API}/sobjects/Case/{form}", headers=tokens.headers)
        assert response.status_code == 200 and response.json()["Id"] == case_id


async def test_unsupported_versions_and_unknown_objects_are_404(
    client: httpx2.AsyncClient, tokens: Tokens
) -> None:
    for path in ("/services/data/v59.0/limits", "/services/data/v68.0/limits", f"{API}/sobjects/Account"):
        response = await client.get(path, headers=tokens.headers)
        assert response.status_code == 404 and response.json()[0]["errorCode"] == "NOT_FOUND"
    assert (await client.get("/services/data/v60.0/limits", headers=tokens.headers)).status_code == 200


async def test_missing_or_bad_bearer_token_is_invalid_session(client: httpx2.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}):
        response = await client.get(f"{API}/limits", headers=headers)
        assert response.status_code == 401
        assert response.json() == [
            {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
        ]


async def test_every_call_is_counted_and_the_daily_limit_refuses(
    client: httpx2.AsyncClient, tokens: Tokens
) -> None:
    first = await client.get(f"{API}/limits", headers=tokens.headers)
    assert first.headers["Sforce-Limit-Info"] == "api-usage=1/15000"
    await client.post("/_emulator/faults", json={"daily_api_limit": 3})
    second = await client.get(f"{API}/limits", headers=tokens.headers)
    third = await client.get(f"{API}/limits", headers=tokens.headers)
    assert (second.headers["Sforce-Limit-Info"], third.headers["Sforce-Limit-Info"]) == (
        "api-usage=2/3",
        "api-usage=3/3",
    )
    refused = await client.get(f"{API}/limits", headers=tokens.headers)
    assert refused.status_code == 403
    assert refused.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert refused.headers["Sforce-Limit-Info"] == "api-usage=3/3"
    assert (await client.get("/_emulator/api-usage")).json()["used"] == 3


async def test_versions_list_needs_no_token(client: httpx2.AsyncClient) -> None:
    response = await client.get("/services/data")
    assert response.status_code == 200
    assert {"label": "Summer '26", "url": "/services/data/v67.0", "version": "67.0"} in response.json()
