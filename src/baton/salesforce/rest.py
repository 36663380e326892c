"""Async client for the Salesforce REST API (sObjects, composite, tree, collections, SOQL).

The client takes an injected ``httpx2.AsyncClient`` and a ``TokenProvider``. It makes no
hidden retries: the only replay is one refresh-and-retry after a 401, which is safe
because Salesforce applied nothing. Everything else surfaces as the error family in
``baton.salesforce.errors`` for the job runner to decide on. Each HTTP exchange is
reported to ``on_call`` as a ``CallRecord`` (no query strings, no tokens).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

import httpx2

from baton.salesforce._http import (
    ErrorDetail,
    error_details,
    error_for_details,
    error_from_response,
    error_from_transport,
    is_write,
    response_body,
)
from baton.salesforce._soql import soql_date, soql_datetime, soql_in, soql_like, soql_quote
from baton.salesforce.errors import MultipleMatches, Permanent, Transient
from baton.salesforce.limits import LIMIT_INFO_HEADER, ApiUsage, parse_limit_info
from baton.salesforce.oauth import validate_login_url

__all__ = [
    "AccessToken",
    "CallRecord",
    "SalesforceRestClient",
    "SaveResult",
    "TokenProvider",
    "TreeResult",
    "UpsertResult",
    "soql_date",
    "soql_datetime",
    "soql_in",
    "soql_like",
    "soql_quote",
]

logger = logging.getLogger(__name__)

MAX_COMPOSITE_SUBREQUESTS = 25
MAX_COLLECTION_RECORDS = 200
MAX_TREE_RECORDS = 200
MIN_QUERY_BATCH = 200
MAX_QUERY_BATCH = 2000

_API_VERSION = re.compile(r"^v\d{2,3}\.\d$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")  # sObject and field API names
_FIELD_PATH = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")
_RECORD_ID = re.compile(r"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$")


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A bearer token and the org's instance URL it is valid for. ``repr`` hides the token."""

    access_token: str = field(repr=False)
    instance_url: str

    def __repr__(self) -> str:
        return f"AccessToken(access_token=<redacted>, instance_url={self.instance_url!r})"


class TokenProvider(Protocol):
    """Where the client gets tokens; the implementation persists and single-flights refreshes."""

    async def current(self) -> AccessToken:
        """The token to use now."""
        ...

    async def refresh(self, stale: AccessToken) -> AccessToken:
        """A fresh token replacing ``stale`` (which Salesforce just refused)."""
        ...


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One HTTP exchange with Salesforce, for debug events and per-handoff API counts.

    ``status`` is None when no response arrived; ``error_code`` is Salesforce's code or
    the transport exception's name; ``path`` never includes the query string.
    """

    method: str
    path: str
    status: int | None
    duration_ms: float
    error_code: str | None
    api_usage: ApiUsage | None


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """``id`` is None only if Salesforce answered 204 (API versions before 46.0)."""

    id: str | None
    created: bool


@dataclass(frozen=True, slots=True)
class TreeResult:
    reference_id: str
    id: str


@dataclass(frozen=True, slots=True)
class SaveResult:
    """One record of an sObject Collections call; ``errors`` as Salesforce sent them."""

    id: str | None
    success: bool
    errors: list[dict[str, Any]]


def _check_name(kind: str, value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(f"invalid {kind} name: {value!r}")
    return value


def _check_record_id(value: str) -> str:
    if not _RECORD_ID.match(value):
        raise ValueError(f"invalid Salesforce record id: {value!r}")
    return value


def _count_tree_records(records: Sequence[Mapping[str, Any]]) -> int:
    """Records in a tree payload, nested child relationships included (Salesforce's limit)."""
    total = 0
    for record in records:
        total += 1
        for value in record.values():
            if isinstance(value, Mapping) and isinstance(value.get("records"), list):
                total += _count_tree_records(value["records"])
    return total


def _tree_error_details(body: Any) -> list[ErrorDetail]:
    """Flatten a failed tree response into error details, naming each failing referenceId."""
    details: list[ErrorDetail] = []
    results = body.get("results") if isinstance(body, dict) else None
    for result in results if isinstance(results, list) else []:
        if not isinstance(result, dict):
            continue
        reference = result.get("referenceId", "?")
        for detail in error_details(result.get("errors") or []):
            details.append(ErrorDetail(f"{reference}: {detail.message}", detail.error_code, detail.fields))
    return details


def _first_error_code(body: Any) -> str | None:
    details = (
        _tree_error_details(body) if isinstance(body, dict) and "results" in body else error_details(body)
    )
    return next((detail.error_code for detail in details if detail.error_code), None)


class SalesforceRestClient:
    """Salesforce REST API calls for one org, authenticated through a ``TokenProvider``."""

    def __init__(
        self,
        http: httpx2.AsyncClient,
        tokens: TokenProvider,
        *,
        api_version: str = "v66.0",
        on_call: Callable[[CallRecord], None] | None = None,
    ) -> None:
        if not _API_VERSION.match(api_version):
            raise ValueError(f"api_version must look like 'v66.0', got {api_version!r}")
        self._http = http
        self._tokens = tokens
        self._on_call = on_call
        self.api_version = api_version
        self.last_api_usage: ApiUsage | None = None

    @property
    def api_path(self) -> str:
        """``/services/data/vXX.X``: the prefix for composite subrequest URLs."""
        return f"/services/data/{self.api_version}"

    # --- sObject rows ----------------------------------------------------------------

    async def create(self, sobject: str, fields: Mapping[str, Any]) -> str:
        """Insert one record; return its id."""
        path = f"{self.api_path}/sobjects/{_check_name('sObject', sobject)}"
        response = await self._call("POST", path, json=dict(fields), context=f"create {sobject}")
        body = self._json(response, context=f"create {sobject}")
        record_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(record_id, str):
            raise self._unreadable(response, f"create {sobject}")
        return record_id

    async def get(self, sobject: str, record_id: str, fields: list[str] | None = None) -> dict[str, Any]:
        """Read one record, optionally only ``fields``."""
        path = f"{self.api_path}/sobjects/{_check_name('sObject', sobject)}/{_check_record_id(record_id)}"
        params = None
        if fields:
            for name in fields:
                if not _FIELD_PATH.match(name):
                    raise ValueError(f"invalid field name: {name!r}")
            params = {"fields": ",".join(fields)}
        response = await self._call("GET", path, params=params, context=f"get {sobject}")
        body = self._json(response, context=f"get {sobject}")
        if not isinstance(body, dict):
            raise self._unreadable(response, f"get {sobject}")
        return body

    async def update(self, sobject: str, record_id: str, fields: Mapping[str, Any]) -> None:
        """Update one record's fields (PATCH, 204)."""
        path = f"{self.api_path}/sobjects/{_check_name('sObject', sobject)}/{_check_record_id(record_id)}"
        await self._call("PATCH", path, json=dict(fields), context=f"update {sobject}")

    async def upsert(
        self, sobject: str, external_field: str, value: str, fields: Mapping[str, Any]
    ) -> UpsertResult:
        """Create or update the record whose ``external_field`` equals ``value``.

        Idempotent by construction, which makes it the safe write to retry after an
        ambiguous failure. Several matches (HTTP 300) raise ``MultipleMatches``.
        """
        _check_name("sObject", sobject)
        _check_name("field", external_field)
        if not value:
            raise ValueError("upsert needs a non-empty external id value")
        path = f"{self.api_path}/sobjects/{sobject}/{external_field}/{quote(value, safe='')}"
        context = f"upsert {sobject} by {external_field}"
        response = await self._call("PATCH", path, json=dict(fields), context=context, extra_ok=(300,))
        if response.status_code == 300:
            matches = response_body(response)
            raise MultipleMatches(
                f"{context} failed: several records have this external id; nothing was written",
                matches=matches if isinstance(matches, list) else [matches],
                body=matches,
            )
        if response.status_code == 204:
            return UpsertResult(id=None, created=False)
        body = self._json(response, context=context)
        record_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(record_id, str):
            raise self._unreadable(response, context)
        created = response.status_code == 201 or body.get("created") is True
        return UpsertResult(id=record_id, created=created)

    # --- composite resources ----------------------------------------------------------

    async def create_tree(self, sobject: str, records: list[dict[str, Any]]) -> list[TreeResult]:
        """Create records with nested children in one all-or-nothing call (sObject Tree).

        Each record needs ``attributes: {"type", "referenceId"}``; at most 200 records in
        total, children included. On failure nothing is created and the raised error
        names the failing referenceIds.
        """
        _check_name("sObject", sobject)
        total = _count_tree_records(records)
        if total == 0:
            raise ValueError("create_tree needs at least one record")
        if total > MAX_TREE_RECORDS:
            raise ValueError(f"sObject Tree accepts at most {MAX_TREE_RECORDS} records, got {total}")
        path = f"{self.api_path}/composite/tree/{sobject}"
        context = f"create {sobject} tree"
        response = await self._call("POST", path, json={"records": records}, context=context, extra_ok=(400,))
        body = response_body(response)
        if isinstance(body, dict) and body.get("hasErrors") is False and response.is_success:
            try:
                return [TreeResult(str(item["referenceId"]), str(item["id"])) for item in body["results"]]
            except (KeyError, TypeError):
                raise self._unreadable(response, context) from None
        if isinstance(body, dict) and body.get("hasErrors") is True:
            raise error_for_details(
                response.status_code, _tree_error_details(body), body=body, write=True, context=context
            )
        raise error_from_response(response, context=context)

    async def create_collection(
        self, records: list[dict[str, Any]], *, all_or_none: bool
    ) -> list[SaveResult]:
        """Insert up to 200 records of any types in one call (sObject Collections).

        Returns one result per record in request order. Per-record failures do not raise:
        with ``all_or_none`` they mean nothing was saved.
        """
        if len(records) > MAX_COLLECTION_RECORDS:
            raise ValueError(f"sObject Collections accept at most {MAX_COLLECTION_RECORDS} records")
        if not records:
            return []
        for record in records:
            attributes = record.get("attributes")
            if not isinstance(attributes, Mapping) or not attributes.get("type"):
                raise ValueError('every collection record needs attributes: {"type": ...}')
        path = f"{self.api_path}/composite/sobjects"
        payload = {"allOrNone": all_or_none, "records": records}
        response = await self._call("POST", path, json=payload, context="create collection")
        body = self._json(response, context="create collection")
        if not isinstance(body, list) or len(body) != len(records):
            raise self._unreadable(response, "create collection")
        return [
            SaveResult(
                id=item.get("id") if isinstance(item.get("id"), str) else None,
                success=item.get("success") is True,
                errors=list(item.get("errors") or []),
            )
            for item in body
        ]

    async def composite(
        self, subrequests: list[dict[str, Any]], *, all_or_none: bool
    ) -> list[dict[str, Any]]:
        """Run up to 25 subrequests in one API call; return ``compositeResponse`` as sent.

        Salesforce answers 200 even when subrequests fail: inspect each ``httpStatusCode``.
        Subrequest URLs start with ``self.api_path``.
        """
        if not subrequests:
            raise ValueError("composite needs at least one subrequest")
        if len(subrequests) > MAX_COMPOSITE_SUBREQUESTS:
            raise ValueError(f"composite accepts at most {MAX_COMPOSITE_SUBREQUESTS} subrequests")
        payload = {"allOrNone": all_or_none, "compositeRequest": subrequests}
        response = await self._call("POST", f"{self.api_path}/composite", json=payload, context="composite")
        body = self._json(response, context="composite")
        results = body.get("compositeResponse") if isinstance(body, dict) else None
        if not isinstance(results, list):
            raise self._unreadable(response, "composite")
        return results

    # --- SOQL --------------------------------------------------------------------------

    async def query_pages(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Yield each page of records, following ``nextRecordsUrl`` until ``done``.

        Build ``soql`` with ``soql_quote``/``soql_in``/``soql_datetime`` for every value.
        ``batch_size`` (200–2,000) asks for smaller pages; Salesforce may return more or fewer.
        """
        headers = None
        if batch_size is not None:
            if not MIN_QUERY_BATCH <= batch_size <= MAX_QUERY_BATCH:
                raise ValueError(f"batch_size must be between {MIN_QUERY_BATCH} and {MAX_QUERY_BATCH}")
            headers = {"Sforce-Query-Options": f"batchSize={batch_size}"}
        resource = "queryAll" if include_deleted else "query"
        path: str = f"{self.api_path}/{resource}"
        params: dict[str, str] | None = {"q": soql}
        while True:
            response = await self._call("GET", path, params=params, headers=headers, context="query")
            body = self._json(response, context="query")
            if not isinstance(body, dict) or not isinstance(body.get("records"), list):
                raise self._unreadable(response, "query")
            yield body["records"]
            next_url = body.get("nextRecordsUrl")
            if body.get("done", True) or not next_url:
                return
            path, params = self._next_page_path(str(next_url)), None

    async def query(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> list[dict[str, Any]]:
        """All records matching ``soql`` (every page is one API call)."""
        records: list[dict[str, Any]] = []
        async for page in self.query_pages(soql, include_deleted=include_deleted, batch_size=batch_size):
            records.extend(page)
        return records

    def _next_page_path(self, next_url: str) -> str:
        # The bearer token follows this URL, so only accept a path on the same instance.
        if not next_url.startswith("/services/data/") or "//" in next_url:
            raise Permanent(f"query failed: unexpected nextRecordsUrl {next_url[:100]!r}")
        return next_url

    # --- transport ---------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        *,
        context: str,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        extra_ok: tuple[int, ...] = (),
    ) -> httpx2.Response:
        """Send with the current token; on 401 refresh once and replay once."""
        token = await self._tokens.current()
        response = await self._exchange(
            token, method, path, json=json, params=params, headers=headers, context=context
        )
        if response.status_code == 401:
            # Salesforce applied nothing, so replaying (even a POST) cannot duplicate.
            token = await self._tokens.refresh(token)
            response = await self._exchange(
                token, method, path, json=json, params=params, headers=headers, context=context
            )
        if response.is_success or response.status_code in extra_ok:
            return response
        raise error_from_response(response, context=context)

    async def _exchange(
        self,
        token: AccessToken,
        method: str,
        path: str,
        *,
        json: Any,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        context: str,
    ) -> httpx2.Response:
        try:
            base = validate_login_url(token.instance_url)
        except ValueError as exc:
            raise Permanent(f"{context} failed: unusable instance URL ({exc})") from None
        sent_headers = {
            **(headers or {}),
            "Authorization": f"Bearer {token.access_token}",
            "Accept": "application/json",
        }
        record_path = path.split("?", 1)[0]
        started = time.perf_counter()
        try:
            response = await self._http.request(
                method, base + path, json=json, params=params, headers=sent_headers
            )
        except httpx2.TransportError as exc:
            self._emit(CallRecord(method, record_path, None, _elapsed_ms(started), type(exc).__name__, None))
            raise error_from_transport(exc, method=method, context=context) from None
        usage = parse_limit_info(response.headers.get(LIMIT_INFO_HEADER))
        if usage is not None:
            self.last_api_usage = usage
        error_code = None if response.is_success else _first_error_code(response_body(response))
        self._emit(
            CallRecord(method, record_path, response.status_code, _elapsed_ms(started), error_code, usage)
        )
        return response

    def _emit(self, record: CallRecord) -> None:
        if self._on_call is None:
            return
        try:
            self._on_call(record)
        except Exception:
            # Bookkeeping must not turn a call Salesforce already applied into a failure
            # (the job would retry it and duplicate the write).
            logger.exception("on_call hook failed for %s %s", record.method, record.path)

    def _json(self, response: httpx2.Response, *, context: str) -> Any:
        if response.status_code == 204 or not response.content:
            raise self._unreadable(response, context)
        body = response_body(response)
        if isinstance(body, str):
            raise self._unreadable(response, context)
        return body

    @staticmethod
    def _unreadable(response: httpx2.Response, context: str) -> Transient:
        """A 2xx we cannot read: the write may have happened, so it is ambiguous."""
        return Transient(
            f"{context} failed: unexpected response body",
            ambiguous=is_write(response.request.method),
            status=response.status_code,
        )


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
