"""SalesforceRestClient against scripted Salesforce responses (httpx2.MockTransport)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from sf_fakes import API, INSTANCE_URL, FakeTokens, Scripted, make_client, sf_error, sf_json

from baton.salesforce.errors import AuthExpired, DuplicateValue, MultipleMatches, Permanent, Transient
from baton.salesforce.limits import ApiUsage
from baton.salesforce.rest import AccessToken, CallRecord, SalesforceRestClient, SaveResult, TreeResult

pytestmark = pytest.mark.anyio


# --- sObject rows --------------------------------------------------------------------------


async def test_create_posts_json_with_bearer_and_returns_id() -> None:
    script = Scripted(sf_json(201, {"id": "500000000000001AAA", "success": True, "errors": []}))
    client, http = make_client(script)
    async with http:
        record_id = await client.create("Case", {"Subject": "Refund"})
    assert record_id == "500000000000001AAA"
    request = script.requests[0]
    assert request.method == "POST"
    assert str(request.url) == f"{INSTANCE_URL}{API}/sobjects/Case"
    assert request.headers["Authorization"] == "Bearer token-0"
    assert json.loads(request.content) == {"Subject": "Refund"}


async def test_get_passes_fields_and_returns_record() -> None:
    script = Scripted(sf_json(200, {"Id": "500000000000001AAA", "Subject": "Refund"}))
    client, http = make_client(script)
    async with http:
        record = await client.get("Case", "500000000000001AAA", ["Subject", "Owner.Name"])
    assert record["Subject"] == "Refund"
    url = script.requests[0].url
    assert url.path == f"{API}/sobjects/Case/500000000000001AAA"
    assert url.params["fields"] == "Subject,Owner.Name"


async def test_update_patches_and_accepts_204() -> None:
    script = Scripted(sf_json(204))
    client, http = make_client(script)
    async with http:
        await client.update("Case", "500000000000001", {"Status": "Closed"})
    assert script.requests[0].method == "PATCH"
    assert script.requests[0].url.path == f"{API}/sobjects/Case/500000000000001"


@pytest.mark.parametrize(
    ("sobject", "record_id"),
    [("Case/../User", "500000000000001"), ("Case", "500/../../x"), ("Case", "short")],
)
async def test_path_segments_are_validated(sobject: str, record_id: str) -> None:
    client, http = make_client(Scripted())
    async with http:
        with pytest.raises(ValueError):
            await client.update(sobject, record_id, {})


# --- upsert --------------------------------------------------------------------------------


async def test_upsert_created() -> None:
    body = {"id": "500000000000001AAA", "success": True, "errors": [], "created": True}
    script = Scripted(sf_json(201, body))
    client, http = make_client(script)
    async with http:
        result = await client.upsert("Case", "OpenCX_Session_Id__c", "sess/42 a", {"Subject": "x"})
    assert (result.id, result.created) == ("500000000000001AAA", True)
    # The external id value is one path segment, whatever it contains.
    assert (
        script.requests[0].url.raw_path.decode() == f"{API}/sobjects/Case/OpenCX_Session_Id__c/sess%2F42%20a"
    )
    assert script.requests[0].method == "PATCH"


async def test_upsert_updated_200() -> None:
    body = {"id": "500000000000001AAA", "success": True, "errors": [], "created": False}
    client, http = make_client(Scripted(sf_json(200, body)))
    async with http:
        result = await client.upsert("Case", "OpenCX_Session_Id__c", "s1", {"Subject": "x"})
    assert (result.id, result.created) == ("500000000000001AAA", False)


async def test_upsert_updated_204_from_old_api_versions() -> None:
    client, http = make_client(Scripted(sf_json(204)))
    async with http:
        result = await client.upsert("Case", "OpenCX_Session_Id__c", "s1", {"Subject": "x"})
    assert (result.id, result.created) == (None, False)


async def test_upsert_multiple_matches_raises_permanent_with_matches() -> None:
    matches = [
        "/services/data/v66.0/sobjects/Case/500000000000001",
        "/services/data/v66.0/sobjects/Case/500000000000002",
    ]
    client, http = make_client(Scripted(sf_json(300, matches)))
    async with http:
        with pytest.raises(MultipleMatches) as info:
            await client.upsert("Case", "OpenCX_Session_Id__c", "s1", {})
    assert isinstance(info.value, Permanent)
    assert info.value.matches == matches
    assert info.value.status == 300


async def test_upsert_duplicate_value() -> None:
    message = (
        "duplicate value found: OpenCX_Session_Id__c duplicates value on record with id: 500000000000001AAA"
    )
    client, http = make_client(Scripted(sf_error(400, "DUPLICATE_VALUE", message)))
    async with http:
        with pytest.raises(DuplicateValue) as info:
            await client.upsert("Case", "OpenCX_Session_Id__c", "s1", {})
    assert info.value.existing_id == "500000000000001AAA"


# --- sObject Tree ----------------------------------------------------------------------------


def _tree(comments: int) -> list[dict[str, object]]:
    return [
        {
            "attributes": {"type": "Case", "referenceId": "case1"},
            "Subject": "Refund",
            "CaseComments": {
                "records": [
                    {
                        "attributes": {"type": "CaseComment", "referenceId": f"c{i}"},
                        "CommentBody": f"part {i}",
                    }
                    for i in range(comments)
                ]
            },
        }
    ]


async def test_create_tree_success() -> None:
    body = {
        "hasErrors": False,
        "results": [
            {"referenceId": "case1", "id": "500000000000001AAA"},
            {"referenceId": "c0", "id": "00a000000000001AAA"},
        ],
    }
    script = Scripted(sf_json(201, body))
    client, http = make_client(script)
    async with http:
        results = await client.create_tree("Case", _tree(1))
    assert results == [
        TreeResult("case1", "500000000000001AAA"),
        TreeResult("c0", "00a000000000001AAA"),
    ]
    assert script.requests[0].url.path == f"{API}/composite/tree/Case"
    assert script.json_body(0) == {"records": _tree(1)}


async def test_create_tree_failure_names_failing_refs() -> None:
    body = {
        "hasErrors": True,
        "results": [
            {
                "referenceId": "c3",
                "errors": [
                    {
                        "statusCode": "STRING_TOO_LONG",
                        "message": "Body: data value too large",
                        "fields": ["CommentBody"],
                    }
                ],
            }
        ],
    }
    client, http = make_client(Scripted(sf_json(400, body)))
    async with http:
        with pytest.raises(Permanent) as info:
            await client.create_tree("Case", _tree(5))
    assert info.value.error_code == "STRING_TOO_LONG"
    assert "c3" in info.value.message
    assert info.value.body == body


async def test_create_tree_duplicate_value_failure() -> None:
    body = {
        "hasErrors": True,
        "results": [
            {
                "referenceId": "case1",
                "errors": [
                    {
                        "statusCode": "DUPLICATE_VALUE",
                        "message": "duplicate value found: OpenCX_Session_Id__c duplicates value on record "
                        "with id: 500000000000009",
                        "fields": [],
                    }
                ],
            }
        ],
    }
    client, http = make_client(Scripted(sf_json(400, body)))
    async with http:
        with pytest.raises(DuplicateValue) as info:
            await client.create_tree("Case", _tree(1))
    assert info.value.existing_id == "500000000000009"


async def test_create_tree_malformed_request_uses_array_error_shape() -> None:
    client, http = make_client(Scripted(sf_error(400, "JSON_PARSER_ERROR", "Unexpected character")))
    async with http:
        with pytest.raises(Permanent) as info:
            await client.create_tree("Case", _tree(1))
    assert info.value.error_code == "JSON_PARSER_ERROR"


async def test_create_tree_counts_children_towards_the_200_limit() -> None:
    client, http = make_client(Scripted())
    async with http:
        with pytest.raises(ValueError, match="200"):
            await client.create_tree("Case", _tree(200))  # 1 Case + 200 comments


# --- sObject Collections and Composite ---------------------------------------------------------


async def test_create_collection_returns_results_in_order() -> None:
    body = [
        {"id": "00a000000000001AAA", "success": True, "errors": []},
        {
            "success": False,
            "errors": [{"statusCode": "STRING_TOO_LONG", "message": "too long", "fields": []}],
        },
    ]
    script = Scripted(sf_json(200, body))
    client, http = make_client(script)
    records = [{"attributes": {"type": "CaseComment"}, "CommentBody": str(i)} for i in range(2)]
    async with http:
        results = await client.create_collection(records, all_or_none=False)
    assert results == [
        SaveResult("00a000000000001AAA", True, []),
        SaveResult(None, False, [{"statusCode": "STRING_TOO_LONG", "message": "too long", "fields": []}]),
    ]
    assert script.requests[0].url.path == f"{API}/composite/sobjects"
    assert script.json_body(0) == {"allOrNone": False, "records": records}


async def test_create_collection_limits() -> None:
    client, http = make_client(Scripted())
    async with http:
        with pytest.raises(ValueError, match="200"):
            await client.create_collection([{"attributes": {"type": "CaseComment"}}] * 201, all_or_none=True)
        with pytest.raises(ValueError, match="attributes"):
            await client.create_collection([{"CommentBody": "x"}], all_or_none=True)
        assert await client.create_collection([], all_or_none=True) == []


async def test_composite_returns_subresponses_even_when_they_fail() -> None:
    body = {
        "compositeResponse": [
            {"body": {"id": "500000000000001AAA"}, "httpStatusCode": 201, "referenceId": "newCase"},
            {"body": [{"errorCode": "PROCESSING_HALTED"}], "httpStatusCode": 400, "referenceId": "c1"},
        ]
    }
    script = Scripted(sf_json(200, body))
    client, http = make_client(script)
    subrequests = [
        {"method": "POST", "url": f"{client.api_path}/sobjects/Case", "referenceId": "newCase", "body": {}},
        {
            "method": "POST",
            "url": f"{client.api_path}/sobjects/CaseComment",
            "referenceId": "c1",
            "body": {"ParentId": "@{newCase.id}"},
        },
    ]
    async with http:
        results = await client.composite(subrequests, all_or_none=True)
    assert [result["httpStatusCode"] for result in results] == [201, 400]
    assert script.json_body(0) == {"allOrNone": True, "compositeRequest": subrequests}
    with pytest.raises(ValueError, match="25"):
        await client.composite(subrequests * 13, all_or_none=True)


# --- SOQL --------------------------------------------------------------------------------


async def test_query_follows_next_records_url_across_three_pages() -> None:
    def page(n: int, done: bool) -> httpx2.Response:
        body: dict[str, object] = {
            "totalSize": 5,
            "done": done,
            "records": [{"attributes": {"type": "Case"}, "Id": f"50000000000000{n}"}],
        }
        if not done:
            body["nextRecordsUrl"] = f"{API}/query/01gRO0000016PIAYA2-{n}"
        return sf_json(200, body)

    script = Scripted(page(1, False), page(2, False), page(3, True))
    client, http = make_client(script)
    soql = "SELECT Id FROM Case WHERE Subject = 'x'"
    async with http:
        records = await client.query(soql)
    assert [record["Id"] for record in records] == ["500000000000001", "500000000000002", "500000000000003"]
    first, second, third = script.requests
    assert first.url.path == f"{API}/query"
    assert parse_qs(urlsplit(str(first.url)).query) == {"q": [soql]}
    assert str(second.url) == f"{INSTANCE_URL}{API}/query/01gRO0000016PIAYA2-1"
    assert str(third.url) == f"{INSTANCE_URL}{API}/query/01gRO0000016PIAYA2-2"


async def test_query_pages_yields_each_page() -> None:
    script = Scripted(
        sf_json(200, {"done": False, "nextRecordsUrl": f"{API}/query/x-1", "records": [{"Id": "a"}]}),
        sf_json(200, {"done": True, "records": [{"Id": "b"}, {"Id": "c"}]}),
    )
    client, http = make_client(script)
    async with http:
        pages = [page async for page in client.query_pages("SELECT Id FROM Case", include_deleted=True)]
    assert pages == [[{"Id": "a"}], [{"Id": "b"}, {"Id": "c"}]]
    assert script.requests[0].url.path == f"{API}/queryAll"


async def test_query_refuses_next_records_url_to_another_host() -> None:
    script = Scripted(
        sf_json(200, {"done": False, "nextRecordsUrl": "https://evil.example/steal", "records": []}),
    )
    client, http = make_client(script)
    async with http:
        with pytest.raises(Permanent, match="nextRecordsUrl"):
            await client.query("SELECT Id FROM Case")
    assert len(script.requests) == 1


async def test_malformed_query_is_permanent() -> None:
    client, http = make_client(Scripted(sf_error(400, "MALFORMED_QUERY", "unexpected token: FORM")))
    async with http:
        with pytest.raises(Permanent) as info:
            await client.query("SELECT Id FORM Case")
    assert info.value.error_code == "MALFORMED_QUERY"


# --- refresh and replay ------------------------------------------------------------------


async def test_401_refreshes_once_and_replays_with_new_token() -> None:
    script = Scripted(
        sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid"),
        sf_json(201, {"id": "500000000000001AAA", "success": True, "errors": []}),
    )
    tokens = FakeTokens()
    client, http = make_client(script, tokens=tokens)
    async with http:
        assert await client.create("Case", {"Subject": "x"}) == "500000000000001AAA"
    assert [request.headers["Authorization"] for request in script.requests] == [
        "Bearer token-0",
        "Bearer token-1",
    ]
    assert tokens.refreshed == [AccessToken("token-0", INSTANCE_URL)]
    assert script.requests[0].content == script.requests[1].content


async def test_second_401_raises_auth_expired_without_another_refresh() -> None:
    script = Scripted(
        sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid"),
        sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid"),
    )
    tokens = FakeTokens()
    client, http = make_client(script, tokens=tokens)
    async with http:
        with pytest.raises(AuthExpired) as info:
            await client.get("Case", "500000000000001")
    assert len(tokens.refreshed) == 1
    assert len(script.requests) == 2
    assert info.value.status == 401
    assert info.value.error_code == "INVALID_SESSION_ID"
    assert "token-" not in str(info.value) and "token-" not in repr(info.value)


async def test_refresh_uses_new_instance_url() -> None:
    class MovingTokens(FakeTokens):
        async def refresh(self, stale: AccessToken) -> AccessToken:
            self.instance_url = "https://acme2.my.salesforce.com"
            return await super().refresh(stale)

    script = Scripted(sf_error(401, "INVALID_SESSION_ID", "expired"), sf_json(204))
    client, http = make_client(script, tokens=MovingTokens())
    async with http:
        await client.update("Case", "500000000000001", {})
    assert script.requests[1].url.host == "acme2.my.salesforce.com"


async def test_other_errors_never_refresh_or_retry() -> None:
    script = Scripted(sf_error(503, "SERVER_UNAVAILABLE", "try later"))
    tokens = FakeTokens()
    client, http = make_client(script, tokens=tokens)
    async with http:
        with pytest.raises(Transient):
            await client.create("Case", {})
    assert tokens.refreshed == []
    assert len(script.requests) == 1


# --- CallRecord and limits --------------------------------------------------------------------


async def test_call_records_for_every_exchange_including_the_refused_one() -> None:
    script = Scripted(
        sf_error(401, "INVALID_SESSION_ID", "expired"),
        sf_json(
            200,
            {"done": True, "records": []},
            headers={"Sforce-Limit-Info": "api-usage=19/5000; per-app-api-usage=3/250(appName=baton)"},
        ),
    )
    records: list[CallRecord] = []
    client, http = make_client(script, records=records)
    async with http:
        await client.query("SELECT Id FROM Case WHERE SuppliedEmail = 'ada@example.com'")
    assert [(r.method, r.path, r.status, r.error_code) for r in records] == [
        ("GET", f"{API}/query", 401, "INVALID_SESSION_ID"),
        ("GET", f"{API}/query", 200, None),
    ]
    assert all(r.duration_ms >= 0 for r in records)
    assert records[1].api_usage is not None and records[1].api_usage.used == 19
    assert client.last_api_usage == records[1].api_usage
    assert client.last_api_usage is not None and client.last_api_usage.per_app is not None
    assert client.last_api_usage.per_app.app_name == "baton"


async def test_call_record_for_transport_failure() -> None:
    records: list[CallRecord] = []
    client, http = make_client(Scripted(httpx2.ConnectError("refused")), records=records)
    async with http:
        with pytest.raises(Transient):
            await client.create("Case", {})
    assert len(records) == 1
    assert (records[0].status, records[0].error_code, records[0].api_usage) == (None, "ConnectError", None)


async def test_missing_limit_header_keeps_previous_usage() -> None:
    script = Scripted(
        sf_json(204),
        httpx2.Response(204),
    )
    client, http = make_client(script)
    async with http:
        await client.update("Case", "500000000000001", {})
        await client.update("Case", "500000000000001", {})
    assert client.last_api_usage == ApiUsage(used=18, limit=5000)


async def test_failing_on_call_hook_does_not_fail_the_call(caplog: pytest.LogCaptureFixture) -> None:
    def broken(record: CallRecord) -> None:
        raise RuntimeError("hook broke")

    http = httpx2.AsyncClient(transport=httpx2.MockTransport(Scripted(sf_json(204))))
    client = SalesforceRestClient(http, FakeTokens(), on_call=broken)
    async with http:
        await client.update("Case", "500000000000001", {})
    assert "on_call hook failed" in caplog.text


def test_api_version_is_validated() -> None:
    with pytest.raises(ValueError, match="api_version"):
        SalesforceRestClient(httpx2.AsyncClient(), FakeTokens(), api_version="66.0")


async def test_plain_http_instance_url_is_refused_unless_loopback() -> None:
    client, http = make_client(Scripted(), tokens=FakeTokens("http://acme.my.salesforce.com"))
    async with http:
        with pytest.raises(Permanent, match="instance URL"):
            await client.create("Case", {})
    script = Scripted(sf_json(201, {"id": "500000000000001"}))
    client, http = make_client(script, tokens=FakeTokens("http://127.0.0.1:8765"))
    async with http:
        assert await client.create("Case", {}) == "500000000000001"


async def test_query_batch_size_header_on_every_page() -> None:
    script = Scripted(
        sf_json(200, {"done": False, "nextRecordsUrl": f"{API}/query/x-200", "records": [{"Id": "a"}]}),
        sf_json(200, {"done": True, "records": [{"Id": "b"}]}),
    )
    client, http = make_client(script)
    async with http:
        await client.query("SELECT Id FROM Case", batch_size=200)
        with pytest.raises(ValueError, match="batch_size"):
            await client.query("SELECT Id FROM Case", batch_size=100)
    assert [r.headers["Sforce-Query-Options"] for r in script.requests] == ["batchSize=200"] * 2
