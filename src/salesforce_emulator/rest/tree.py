"""sObject Tree (``/composite/tree/{type}``): nested creates, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from salesforce_emulator.errors import ApiError
from salesforce_emulator.rest.context import RestContext, RestResult
from salesforce_emulator.rest.sobjects import require_object_body, require_sobject
from salesforce_emulator.schema import SObjectDef, sobject

MAX_RECORDS = 200
MAX_TYPES = 5
MAX_DEPTH = 5


@dataclass
class _TreeNode:
    definition: SObjectDef
    reference_id: str
    values: dict[str, Any]
    # (relationship field on the child, child nodes)
    children: list[tuple[str, list[_TreeNode]]]


def create_tree(ctx: RestContext, type_name: str, body: Any) -> RestResult:
    definition = require_sobject(type_name)
    payload = require_object_body(body)
    seen_refs: set[str] = set()
    types: set[str] = set()
    roots = _parse_records(payload.get("records"), definition, 1, seen_refs, types)
    if len(seen_refs) > MAX_RECORDS:
        raise ApiError(
            400,
            "LIMIT_EXCEEDED",
            f"The request contains {len(seen_refs)} records; the limit is {MAX_RECORDS}.",
            None,
        )
    if len(types) > MAX_TYPES:
        raise ApiError(
            400,
            "LIMIT_EXCEEDED",
            f"The request uses {len(types)} object types; the limit is {MAX_TYPES}.",
            None,
        )

    results: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    savepoint = ctx.txn.savepoint()
    _insert(ctx, roots, None, results, failures)
    if failures:
        ctx.txn.rollback_to(savepoint)
        return RestResult(400, {"hasErrors": True, "results": failures})
    return RestResult(201, {"hasErrors": False, "results": results})


def _parse_records(
    records: Any, definition: SObjectDef, depth: int, seen_refs: set[str], types: set[str]
) -> list[_TreeNode]:
    if depth > MAX_DEPTH:
        raise ApiError(400, "LIMIT_EXCEEDED", f"The tree is deeper than {MAX_DEPTH} levels.", None)
    if not isinstance(records, list) or not records:
        raise ApiError(400, "INVALID_INPUT", "The 'records' array is missing or empty.", None)
    nodes = []
    for record in records:
        if not isinstance(record, dict):
            raise ApiError(400, "INVALID_INPUT", "Each record must be a JSON object.", None)
        attributes = record.get("attributes")
        if not isinstance(attributes, dict) or not isinstance(attributes.get("type"), str):
            raise ApiError(400, "INVALID_INPUT", "Each record needs attributes.type.", None)
        if sobject(attributes["type"]) is not definition:
            raise ApiError(
                400,
                "INVALID_INPUT",
                f"Record type {attributes['type']} does not match the expected type {definition.name}.",
                None,
            )
        reference_id = attributes.get("referenceId")
        if not isinstance(reference_id, str) or not reference_id:
            raise ApiError(400, "INVALID_INPUT", "Each record needs attributes.referenceId.", None)
        if reference_id in seen_refs:
            raise ApiError(
                400, "INVALID_INPUT", f"Duplicate ReferenceId provided in the request: {reference_id}", None
            )
        seen_refs.add(reference_id)
        types.add(definition.name)
        values: dict[str, Any] = {}
        children: list[tuple[str, list[_TreeNode]]] = []
        for key, value in record.items():
            if key == "attributes":
                continue
            relationship = definition.child_relationship(key)
            if relationship is not None and isinstance(value, dict):
                child_def = sobject(relationship.child_sobject)
                assert child_def is not None
                children.append(
                    (
                        relationship.field,
                        _parse_records(value.get("records"), child_def, depth + 1, seen_refs, types),
                    )
                )
            else:
                values[key] = value
        nodes.append(_TreeNode(definition, reference_id, values, children))
    return nodes


def _insert(
    ctx: RestContext,
    nodes: list[_TreeNode],
    parent: tuple[str, str] | None,
    results: list[dict[str, Any]],
    failures: list[dict[str, Any]],
) -> None:
    for node in nodes:
        values = dict(node.values)
        if parent is not None:
            values[parent[0]] = parent[1]
        try:
            record_id = ctx.txn.create(node.definition, values)
        except ApiError as exc:
            failures.append({"referenceId": node.reference_id, "errors": [exc.item.as_collection()]})
            continue
        results.append({"referenceId": node.reference_id, "id": record_id})
        for field_name, child_nodes in node.children:
            _insert(ctx, child_nodes, (field_name, record_id), results, failures)
