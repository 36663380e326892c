"""``/query`` pagination with server-side cursors."""

from __future__ import annotations

import httpx2
import pytest
from sfemu_support import API, Tokens, connect, query

pytestmark = pytest.mark.anyio


async def test_pages_follow_next_records_url_with_the_requested_batch_size(
    client: httpx2.AsyncClient,
) -> None:
    tokens: Tokens = await connect(client)
    for chunk in range(2):
        batch = [{"attributes": {"type": "Case"}, "Subject": f"case {chunk}-{i:03d}"} for i in range(150)]
        response = await client.post(
            f"{API}/composite/sobjects", json={"records": batch}, headers=tokens.headers
        )
        assert all(r["success"] for r in response.json())

    first = await query(
        client, tokens, "SELECT Id FROM Case ORDER BY Id", **{"Sforce-Query-Options": "batchSize=200"}
    )
    body = first.json()
    assert (body["totalSize"], body["done"], len(body["records"])) == (300, False, 200)
    assert body["nextRecordsUrl"].startswith(f"{API}/query/01g")
    second = await client.get(body["nextRecordsUrl"], headers=tokens.headers)
    rest = second.json()
    assert (rest["done"], len(rest["records"]), "nextRecordsUrl" in rest) == (True, 100, False)
    ids = [r["Id"] for r in body["records"] + rest["records"]]
    assert len(set(ids)) == 300 and ids == sorted(ids)
    assert second.headers["Sforce-Limit-Info"] == "api-usage=4/15000"  # 2 collections, 2 pages

    everything = await query(client, tokens, "SELECT Id FROM Case")
    assert everything.json()["done"] is True and len(everything.json()["records"]) == 300


async def test_unknown_locator_and_bad_query_are_400(client: httpx2.AsyncClient) -> None:
    tokens = await connect(client)
    locator = await client.get(f"{API}/query/01gQ0000000000AAAA-200", headers=tokens.headers)
    assert locator.status_code == 400 and locator.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"
    malformed = await query(client, tokens, "SELECT FROM Case")
    assert malformed.status_code == 400
    assert malformed.json()[0]["errorCode"] == "MALFORMED_QUERY"
    assert "ERROR at Row:1:Column:8" in malformed.json()[0]["message"]
