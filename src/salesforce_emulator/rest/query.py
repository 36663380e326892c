"""``/query``: SOQL with server-side cursors and ``nextRecordsUrl`` pagination."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from salesforce_emulator.errors import ApiError
from salesforce_emulator.ids import to_18
from salesforce_emulator.rest.context import RestContext, RestResult
from salesforce_emulator.soql import SoqlError, parse_query, run_query

DEFAULT_BATCH_SIZE = 2000
MIN_BATCH_SIZE = 200
MAX_BATCH_SIZE = 2000
_BATCH_SIZE_OPTION = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)
_LOCATOR = re.compile(r"^(01g[A-Za-z0-9]{15})-(\d+)$")


@dataclass
class QueryCursor:
    records: list[dict[str, Any]]
    total_size: int
    batch_size: int


def batch_size(ctx: RestContext, fallback: int = DEFAULT_BATCH_SIZE) -> int:
    """The page size from ``Sforce-Query-Options: batchSize=N``, held to Salesforce's 200–2000."""
    header = ctx.headers.get("sforce-query-options", "")
    match = _BATCH_SIZE_OPTION.search(header)
    if not match:
        return fallback
    return max(MIN_BATCH_SIZE, min(MAX_BATCH_SIZE, int(match.group(1))))


def query(ctx: RestContext, soql: str | None) -> RestResult:
    if not soql:
        raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified", None)
    try:
        result = run_query(ctx.org, parse_query(soql), ctx.api_base)
    except SoqlError as exc:
        raise ApiError(400, exc.error_code, exc.message_for(soql), None) from exc
    cursor = QueryCursor(result.records, result.total_size, batch_size(ctx))
    locator = to_18("01g" + "Q0" + secrets.token_hex(5).upper())
    return _page(ctx, locator, cursor, 0)


def query_more(ctx: RestContext, locator_text: str) -> RestResult:
    match = _LOCATOR.match(locator_text)
    cursor = ctx.org.query_cursors.get(match.group(1)) if match else None
    if match is None or not isinstance(cursor, QueryCursor):
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator", None)
    start = int(match.group(2))
    if start >= len(cursor.records):
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator", None)
    cursor.batch_size = batch_size(ctx, cursor.batch_size)
    return _page(ctx, match.group(1), cursor, start)


def _page(ctx: RestContext, locator: str, cursor: QueryCursor, start: int) -> RestResult:
    end = start + cursor.batch_size
    body: dict[str, Any] = {"totalSize": cursor.total_size, "done": end >= len(cursor.records)}
    if body["done"]:
        ctx.org.query_cursors.pop(locator, None)
    else:
        ctx.org.query_cursors[locator] = cursor
        body["nextRecordsUrl"] = f"{ctx.api_base}/query/{locator}-{end}"
    body["records"] = cursor.records[start:end]
    return RestResult(200, body)
