"""Running a parsed query against the org: name resolution, type checks, filtering, sorting."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from salesforce_emulator.ids import canonical_id
from salesforce_emulator.schema import FieldDef, FieldType, SObjectDef, sobject
from salesforce_emulator.soql.ast import (
    Comparison,
    Condition,
    FieldRef,
    InList,
    Junction,
    Like,
    Literal,
    Not,
    Query,
)
from salesforce_emulator.soql.errors import SoqlError
from salesforce_emulator.state import Org, Record
from salesforce_emulator.values import to_json

_NO_SUCH_COLUMN = (
    "No such column '{name}' on entity '{entity}'. If you are attempting to use a custom field, be sure to "
    "append the '__c' after the custom field name. Please reference your WSDL or the describe call for the "
    "appropriate names."
)
_NO_SUCH_RELATIONSHIP = (
    "Didn't understand relationship '{name}' in field path. If you are attempting to use a custom "
    "relationship, be sure to append the '__r' after the custom relationship name. Please reference your "
    "WSDL or the describe call for the appropriate names."
)
_NOT_SUPPORTED_TYPE = (
    "sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to append "
    "the '__c' after the entity name. Please reference your WSDL or the describe call for the "
    "appropriate names."
)


@dataclass(frozen=True)
class ResolvedField:
    """A field path resolved to the chain of reference fields and the final field."""

    ref: FieldRef
    hops: tuple[FieldDef, ...]
    target: FieldDef
    target_sobject: SObjectDef
    # Canonical spelling of each relationship name and the final field name.
    canonical_path: tuple[str, ...]


@dataclass(frozen=True)
class QueryResult:
    sobject: SObjectDef
    total_size: int
    records: list[dict[str, Any]]


def run_query(org: Org, query: Query, api_base: str) -> QueryResult:
    definition = sobject(query.sobject)
    if definition is None:
        raise SoqlError(
            "INVALID_TYPE", _NOT_SUPPORTED_TYPE.format(name=query.sobject), query.sobject_position
        )
    selected = [_resolve(definition, ref) for ref in query.fields]
    seen: set[str] = set()
    for field in selected:
        key = ".".join(field.canonical_path).lower()
        if key in seen:
            raise SoqlError(
                "MALFORMED_QUERY", f"duplicate field selected: {field.ref.text}", field.ref.position
            )
        seen.add(key)
    predicate = _compile(definition, query.where) if query.where is not None else None
    order = [(_resolve(definition, item.field), item) for item in query.order_by]
    for resolved, _ in order:
        if not resolved.target.filterable:
            raise SoqlError(
                "INVALID_FIELD",
                f"field '{resolved.target.name}' can not be sorted in a query call",
                resolved.ref.position,
            )

    rows = [r for r in org.table(definition).values() if predicate is None or predicate(org, r)]
    if order:

        def compare(left: Record, right: Record) -> int:
            for resolved, item in order:
                result = _compare_for_sort(
                    _value(org, left, resolved), _value(org, right, resolved), item.nulls_last
                )
                if result:
                    # NULLS FIRST/LAST holds whatever the direction.
                    return result if isinstance(result, _NullOrder) or not item.descending else -result
            return 0

        rows.sort(key=functools.cmp_to_key(compare))
    rows = rows[query.offset or 0 :]
    if query.limit is not None:
        rows = rows[: query.limit]
    if query.count_only:
        return QueryResult(definition, len(rows), [])
    records = [_project(org, definition, row, selected, api_base) for row in rows]
    return QueryResult(definition, len(records), records)


# name resolution -----------------------------------------------------------


def _resolve(definition: SObjectDef, ref: FieldRef) -> ResolvedField:
    current = definition
    hops: list[FieldDef] = []
    canonical: list[str] = []
    *relationships, last = ref.path
    for name in relationships:
        reference = current.relationship(name)
        target = sobject(reference.reference_to or "") if reference else None
        if reference is None or target is None:
            raise SoqlError("INVALID_FIELD", _NO_SUCH_RELATIONSHIP.format(name=name), ref.position)
        hops.append(reference)
        canonical.append(reference.relationship_name or name)
        current = target
    field = current.field(last)
    if field is None:
        raise SoqlError(
            "INVALID_FIELD", _NO_SUCH_COLUMN.format(name=ref.text, entity=definition.name), ref.position
        )
    canonical.append(field.name)
    return ResolvedField(ref, tuple(hops), field, current, tuple(canonical))


def _value(org: Org, record: Record | None, field: ResolvedField) -> Any:
    for hop in field.hops:
        if record is None:
            return None
        target_id = record.get(hop.name)
        target = sobject(hop.reference_to or "")
        record = org.table(target).get(target_id) if target is not None and target_id else None
    return None if record is None else record.get(field.target.name)


# WHERE ---------------------------------------------------------------------

Predicate = Any  # Callable[[Org, Record], bool]; kept loose for the closures below


def _compile(definition: SObjectDef, condition: Condition) -> Predicate:
    if isinstance(condition, Junction):
        parts = [_compile(definition, operand) for operand in condition.operands]
        if condition.operator == "AND":
            return lambda org, record: all(p(org, record) for p in parts)
        return lambda org, record: any(p(org, record) for p in parts)
    if isinstance(condition, Not):
        inner = _compile(definition, condition.operand)
        return lambda org, record: not inner(org, record)
    if isinstance(condition, Like):
        field = _filterable(definition, condition.field)
        if not field.target.type.is_text or field.target.type.is_id:
            raise SoqlError(
                "INVALID_FIELD",
                f"invalid operator on {field.target.type.value} field: LIKE",
                condition.position,
            )
        regex = re.compile(condition.pattern, re.IGNORECASE | re.DOTALL)

        def like(org: Org, record: Record) -> bool:
            value = _value(org, record, field)
            return isinstance(value, str) and regex.fullmatch(value) is not None

        return like
    if isinstance(condition, InList):
        field = _filterable(definition, condition.field)
        wanted = [_typed_literal(field, literal) for literal in condition.literals]
        negated = condition.negated

        def in_list(org: Org, record: Record) -> bool:
            value = _value(org, record, field)
            found = any(_equal(value, candidate) for candidate in wanted)
            return not found if negated else found

        return in_list
    assert isinstance(condition, Comparison)
    return _compile_comparison(definition, condition)


def _compile_comparison(definition: SObjectDef, condition: Comparison) -> Predicate:
    field = _filterable(definition, condition.field)
    literal = _typed_literal(field, condition.literal)
    operator = condition.operator
    if literal is None and operator not in ("=", "!="):
        raise SoqlError(
            "MALFORMED_QUERY", f"invalid operator for null: {operator}", condition.literal.position
        )
    if field.target.type is FieldType.BOOLEAN and operator not in ("=", "!="):
        raise SoqlError(
            "INVALID_FIELD",
            f"invalid operator on boolean field: {operator}",
            condition.literal.position,
        )

    def compare(org: Org, record: Record) -> bool:
        value = _value(org, record, field)
        if operator == "=":
            return _equal(value, literal)
        if operator == "!=":
            return not _equal(value, literal)
        if value is None:
            return False
        ordering = _compare_values(value, literal)
        return {"<": ordering < 0, ">": ordering > 0, "<=": ordering <= 0, ">=": ordering >= 0}[operator]

    return compare


def _filterable(definition: SObjectDef, ref: FieldRef) -> ResolvedField:
    field = _resolve(definition, ref)
    if not field.target.filterable:
        raise SoqlError(
            "INVALID_FIELD", f"field '{field.target.name}' can not be filtered in a query call", ref.position
        )
    return field


_TYPE_NAMES = {FieldType.BOOLEAN: "boolean", FieldType.DATETIME: "dateTime", FieldType.DATE: "date"}


def _typed_literal(field: ResolvedField, literal: Literal) -> Any:
    """The literal's value, checked against the field's type as Salesforce does."""
    field_type = field.target.type
    if literal.kind == "null":
        return None
    name = field.target.name
    if field_type.is_text:
        if literal.kind != "string":
            raise SoqlError(
                "INVALID_FIELD",
                f"value of filter criterion for field '{name}' must be of type string "
                "and should be enclosed in quotes",
                literal.position,
            )
        assert isinstance(literal.value, str)
        if field_type.is_id:
            canonical = canonical_id(literal.value)
            if canonical is None:
                raise SoqlError(
                    "INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {literal.value}", literal.position
                )
            return canonical
        return literal.value
    expected = {FieldType.BOOLEAN: "boolean", FieldType.DATETIME: "datetime", FieldType.DATE: "date"}[
        field_type
    ]
    if literal.kind != expected:
        raise SoqlError(
            "INVALID_FIELD",
            f"value of filter criterion for field '{name}' must be of type {_TYPE_NAMES[field_type]} "
            "and should not be enclosed in quotes",
            literal.position,
        )
    return literal.value


def _equal(value: Any, literal: Any) -> bool:
    if value is None or literal is None:
        return value is None and literal is None
    if isinstance(value, str) and isinstance(literal, str):
        # Text comparisons in SOQL ignore case.
        return value.casefold() == literal.casefold()
    return bool(value == literal)


def _compare_values(left: Any, right: Any) -> int:
    if isinstance(left, str) and isinstance(right, str):
        left, right = left.casefold(), right.casefold()
    return int(left > right) - int(left < right)


class _NullOrder(int):
    """A comparison result decided by NULLS FIRST/LAST, which DESC must not flip."""


def _compare_for_sort(left: Any, right: Any, nulls_last: bool) -> int:
    if left is None and right is None:
        return 0
    if left is None or right is None:
        left_first = (left is None) != nulls_last
        return _NullOrder(-1 if left_first else 1)
    return _compare_values(left, right)


# projection ----------------------------------------------------------------


def record_attributes(definition: SObjectDef, record_id: str, api_base: str) -> dict[str, str]:
    return {"type": definition.name, "url": f"{api_base}/sobjects/{definition.name}/{record_id}"}


def _project(
    org: Org, definition: SObjectDef, record: Record, selected: list[ResolvedField], api_base: str
) -> dict[str, Any]:
    out: dict[str, Any] = {"attributes": record_attributes(definition, record["Id"], api_base)}
    for field in selected:
        target: dict[str, Any] | None = out
        source: Record | None = record
        for hop, name in zip(field.hops, field.canonical_path, strict=False):
            assert target is not None
            target_def = sobject(hop.reference_to or "")
            assert target_def is not None
            related_id = source.get(hop.name) if source else None
            related = org.table(target_def).get(related_id) if isinstance(related_id, str) else None
            if related is None:
                target.setdefault(name, None)
                target = None
                break
            if target.get(name) is None:
                target[name] = {"attributes": record_attributes(target_def, related["Id"], api_base)}
            target = target[name]
            source = related
        if target is not None and source is not None:
            target[field.target.name] = to_json(source.get(field.target.name))
    return out
