"""Routing a REST call (path after ``/services/data/vNN.0``) to its resource.

Used by the HTTP endpoint and by composite subrequests alike, so both behave the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from salesforce_emulator.errors import ApiError, not_found
from salesforce_emulator.rest import collections, composite, query, sobjects, tree
from salesforce_emulator.rest.context import RestContext, RestResult


def dispatch(ctx: RestContext, method: str, path: str, params: Mapping[str, str], body: Any) -> RestResult:
    try:
        return _route(ctx, method, path.rstrip("/") or "/", params, body)
    except ApiError as exc:
        return RestResult.from_error(exc)


def _method_not_allowed(method: str, allowed: str) -> ApiError:
    return ApiError(
        405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are {allowed}", None
    )


def _route(ctx: RestContext, method: str, path: str, params: Mapping[str, str], body: Any) -> RestResult:
    parts = path.strip("/").split("/") if path != "/" else []
    if not parts:
        return (
            _resources(ctx)
            if method == "GET"
            else RestResult.from_error(_method_not_allowed(method, "GET,HEAD"))
        )
    head = parts[0]
    if head == "limits" and len(parts) == 1:
        return _limits(ctx)
    if head in ("query", "queryAll"):
        if method != "GET":
            raise _method_not_allowed(method, "GET,HEAD")
        if len(parts) == 1:
            return query.query(ctx, params.get("q"))
        if len(parts) == 2:
            return query.query_more(ctx, parts[1])
    if head == "sobjects":
        return _route_sobjects(ctx, method, parts[1:], params, body)
    if head == "composite":
        return _route_composite(ctx, method, parts[1:], body)
    raise not_found()


def _route_sobjects(
    ctx: RestContext, method: str, parts: list[str], params: Mapping[str, str], body: Any
) -> RestResult:
    if not parts:
        return sobjects.list_sobjects(ctx)
    definition = sobjects.require_sobject(parts[0])
    if len(parts) == 1:
        if method == "POST":
            return sobjects.create(ctx, definition, body)
        if method == "GET":
            return sobjects.sobject_info(ctx, definition)
        raise _method_not_allowed(method, "GET,HEAD,POST")
    if len(parts) == 2 and parts[1] == "describe":
        return sobjects.describe(ctx, definition)
    if len(parts) == 2:
        if method == "GET":
            return sobjects.retrieve(ctx, definition, parts[1], params.get("fields"))
        if method == "PATCH":
            return sobjects.update(ctx, definition, parts[1], body)
        if method == "DELETE":
            return sobjects.delete(ctx, definition, parts[1])
        raise _method_not_allowed(method, "GET,HEAD,PATCH,DELETE")
    if len(parts) >= 3:
        value = "/".join(parts[2:])
        if method == "PATCH":
            return sobjects.upsert(ctx, definition, parts[1], value, body)
        if method == "GET":
            return sobjects.retrieve_by_external_id(ctx, definition, parts[1], value, params.get("fields"))
        raise _method_not_allowed(method, "GET,HEAD,PATCH")
    raise not_found()


def _route_composite(ctx: RestContext, method: str, parts: list[str], body: Any) -> RestResult:
    if not parts:
        if method != "POST":
            raise _method_not_allowed(method, "POST")
        return composite.composite(ctx, body, dispatch)
    if parts[0] == "tree" and len(parts) == 2:
        if method != "POST":
            raise _method_not_allowed(method, "POST")
        return tree.create_tree(ctx, parts[1], body)
    if parts[0] == "sobjects" and len(parts) == 1:
        if method == "POST":
            return collections.create_records(ctx, body)
        if method == "PATCH":
            return collections.update_records(ctx, body)
        raise _method_not_allowed(method, "POST,PATCH")
    raise not_found()


def _resources(ctx: RestContext) -> RestResult:
    base = ctx.api_base
    names = ("sobjects", "query", "queryAll", "composite", "limits")
    return RestResult(200, {name: f"{base}/{name}" for name in names})


def _limits(ctx: RestContext) -> RestResult:
    limit = ctx.org.effective_api_limit
    return RestResult(
        200, {"DailyApiRequests": {"Max": limit, "Remaining": max(0, limit - ctx.org.api_usage)}}
    )
