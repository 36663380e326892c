"""Composite (``/composite``): up to 25 subrequests with ``@{ref.field}`` references, one API call."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from salesforce_emulator.errors import ApiError
from salesforce_emulator.rest.context import NO_BODY, SUPPORTED_VERSIONS, RestContext, RestResult
from salesforce_emulator.rest.sobjects import require_object_body

MAX_SUBREQUESTS = 25
MAX_QUERY_OR_COLLECTION_OPS = 5
_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)\.([^}]+)\}")
_REFERENCE_ID = re.compile(r"^[A-Za-z0-9_]+$")
_SUBREQUEST_URL = re.compile(r"^/services/data/(v\d+\.\d+)(/.*)$")
_METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE"})
_ROLLED_BACK = "The transaction was rolled back since another operation in the same transaction failed."

Dispatch = Callable[[RestContext, str, str, Mapping[str, str], Any], RestResult]


class _UnresolvedReference(Exception):
    pass


def composite(ctx: RestContext, body: Any, dispatch: Dispatch) -> RestResult:
    payload = require_object_body(body)
    subrequests = payload.get("compositeRequest")
    all_or_none = payload.get("allOrNone", False)
    if not isinstance(subrequests, list) or not subrequests or not isinstance(all_or_none, bool):
        raise ApiError(400, "JSON_PARSER_ERROR", "compositeRequest must be a non-empty array", None)
    if len(subrequests) > MAX_SUBREQUESTS:
        raise ApiError(
            400,
            "LIMIT_EXCEEDED",
            f"Received {len(subrequests)} subrequests, but the limit is {MAX_SUBREQUESTS}.",
            None,
        )
    _validate_subrequests(subrequests)

    outputs: dict[str, Any] = {}
    responses: list[dict[str, Any]] = []
    halted = False
    for subrequest in subrequests:
        reference_id = subrequest["referenceId"]
        if halted:
            responses.append(_halted(reference_id, _ROLLED_BACK))
            continue
        sub_ctx = ctx if all_or_none else ctx.with_transaction(ctx.new_transaction())
        result = _run_one(sub_ctx, subrequest, outputs, dispatch)
        succeeded = result.status < 400
        if not all_or_none:
            if succeeded:
                ctx.on_commit(sub_ctx.txn)
            else:
                sub_ctx.txn.rollback()
        if succeeded:
            outputs[reference_id] = None if result.body is NO_BODY else result.body
        responses.append(_response(reference_id, result))
        if not succeeded and all_or_none:
            ctx.txn.rollback()
            halted = True
            responses = [
                r if r["referenceId"] == reference_id else _halted(r["referenceId"], _ROLLED_BACK)
                for r in responses
            ]
    return RestResult(200, {"compositeResponse": responses})


def _validate_subrequests(subrequests: list[Any]) -> None:
    seen: set[str] = set()
    heavy = 0
    for subrequest in subrequests:
        if not isinstance(subrequest, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Each subrequest must be a JSON object", None)
        method, url, reference_id = (
            subrequest.get("method"),
            subrequest.get("url"),
            subrequest.get("referenceId"),
        )
        if not isinstance(method, str) or method.upper() not in _METHODS:
            raise ApiError(400, "INVALID_INPUT", f"Invalid method: {method}", None)
        if not isinstance(url, str) or not url:
            raise ApiError(400, "INVALID_INPUT", "Each subrequest needs a url", None)
        if not isinstance(reference_id, str) or not _REFERENCE_ID.match(reference_id):
            raise ApiError(400, "INVALID_INPUT", f"Invalid referenceId: {reference_id}", None)
        if reference_id in seen:
            raise ApiError(
                400, "INVALID_INPUT", f"Duplicate referenceId provided in the request: {reference_id}", None
            )
        seen.add(reference_id)
        if "/query" in url or "/composite/sobjects" in url:
            heavy += 1
    if heavy > MAX_QUERY_OR_COLLECTION_OPS:
        raise ApiError(
            400,
            "LIMIT_EXCEEDED",
            f"A composite request may contain at most {MAX_QUERY_OR_COLLECTION_OPS} "
            "query or collection operations.",
            None,
        )


def _run_one(
    ctx: RestContext, subrequest: dict[str, Any], outputs: dict[str, Any], dispatch: Dispatch
) -> RestResult:
    try:
        url = _substitute_text(subrequest["url"], outputs)
        body = _substitute(subrequest["body"], outputs) if "body" in subrequest else NO_BODY
    except _UnresolvedReference as exc:
        return RestResult(400, [{"errorCode": "PROCESSING_HALTED", "message": str(exc)}])
    parts = urlsplit(url)
    match = _SUBREQUEST_URL.match(unquote(parts.path))
    if match is None:
        return RestResult(
            400, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
        )
    version, path = match.groups()
    if version not in SUPPORTED_VERSIONS:
        return RestResult(
            404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
        )
    if path.startswith("/composite") and not path.startswith("/composite/sobjects"):
        return RestResult(
            400, [{"errorCode": "INVALID_INPUT", "message": "Composite requests cannot be nested"}]
        )
    headers = dict(ctx.headers)
    extra_headers = subrequest.get("httpHeaders") or {}
    if isinstance(extra_headers, dict):
        headers.update({str(k).lower(): str(v) for k, v in extra_headers.items()})
    sub_ctx = RestContext(ctx.org, ctx.txn, version, headers, ctx.on_commit)
    return dispatch(sub_ctx, subrequest["method"].upper(), path, dict(parse_qsl(parts.query)), body)


def _resolve(reference_id: str, path: str, outputs: dict[str, Any]) -> Any:
    if reference_id not in outputs:
        raise _UnresolvedReference(
            f"Invalid reference specified. No value for {reference_id}.{path} found in {reference_id}. "
            "Provided referenceId ensure you are using the correct referenceId."
        )
    value = outputs[reference_id]
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        try:
            value = value[int(part[1:-1])] if part.startswith("[") else value[part]
        except (KeyError, IndexError, TypeError):
            raise _UnresolvedReference(
                f"Invalid reference specified. No value for {reference_id}.{path} found in {reference_id}. "
                "Provided referenceId ensure you are using the correct referenceId."
            ) from None
    return value


def _substitute_text(text: str, outputs: dict[str, Any]) -> str:
    return _REFERENCE.sub(lambda m: str(_resolve(m.group(1), m.group(2), outputs)), text)


def _substitute(value: Any, outputs: dict[str, Any]) -> Any:
    if isinstance(value, str):
        whole = _REFERENCE.fullmatch(value)
        if whole:
            return _resolve(whole.group(1), whole.group(2), outputs)
        return _substitute_text(value, outputs)
    if isinstance(value, list):
        return [_substitute(item, outputs) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, outputs) for key, item in value.items()}
    return value


def _response(reference_id: str, result: RestResult) -> dict[str, Any]:
    return {
        "body": None if result.body is NO_BODY else result.body,
        "httpHeaders": dict(result.headers),
        "httpStatusCode": result.status,
        "referenceId": reference_id,
    }


def _halted(reference_id: str, message: str) -> dict[str, Any]:
    return {
        "body": [{"errorCode": "PROCESSING_HALTED", "message": message}],
        "httpHeaders": {},
        "httpStatusCode": 400,
        "referenceId": reference_id,
    }
