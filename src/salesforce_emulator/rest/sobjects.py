"""sObject resources: create, retrieve, update, delete, upsert by External ID, describe."""

from __future__ import annotations

from typing import Any

from salesforce_emulator.errors import ApiError, json_parser_error, not_found
from salesforce_emulator.ids import canonical_id
from salesforce_emulator.records import MultipleMatches
from salesforce_emulator.rest.context import NO_BODY, RestContext, RestResult
from salesforce_emulator.rest.serialize import record_json, save_result
from salesforce_emulator.schema import SOBJECTS, FieldType, SObjectDef, sobject


def require_sobject(name: str) -> SObjectDef:
    definition = sobject(name)
    if definition is None:
        raise not_found()
    return definition


def require_object_body(body: Any) -> dict[str, Any]:
    if body is NO_BODY or body is None:
        raise json_parser_error("The request body is empty or does not contain a JSON object")
    if not isinstance(body, dict):
        raise json_parser_error(
            "Cannot deserialize instance of sObject from START_ARRAY value [line:1, column:1]"
        )
    return body


def record_id_for(definition: SObjectDef, raw_id: str) -> str:
    """The canonical id if ``raw_id`` names an existing record of ``definition``; 404 otherwise."""
    canonical = canonical_id(raw_id)
    if canonical is None or canonical[:3] != definition.key_prefix:
        raise not_found()
    return canonical


def list_sobjects(ctx: RestContext) -> RestResult:
    return RestResult(
        200,
        {
            "encoding": "UTF-8",
            "maxBatchSize": 200,
            "sobjects": [_describe_global(d, ctx.api_base) for d in SOBJECTS.values()],
        },
    )


def _describe_global(definition: SObjectDef, api_base: str) -> dict[str, Any]:
    base = f"{api_base}/sobjects/{definition.name}"
    return {
        "name": definition.name,
        "keyPrefix": definition.key_prefix,
        "createable": definition.createable,
        "queryable": True,
        "urls": {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"},
    }


def describe(ctx: RestContext, definition: SObjectDef) -> RestResult:
    fields = [
        {
            "name": f.name,
            "label": f.display_label,
            "type": f.type.value,
            "length": f.length or 0,
            "createable": f.createable,
            "updateable": f.updateable,
            "filterable": f.filterable,
            "nillable": not f.required and f.type is not FieldType.BOOLEAN,
            "externalId": f.external_id,
            "unique": f.unique,
            "referenceTo": [f.reference_to] if f.reference_to else [],
            "relationshipName": f.relationship_name,
            "restrictedPicklist": f.restricted_picklist,
            "picklistValues": [{"value": v, "label": v, "active": True} for v in f.picklist_values],
        }
        for f in definition.all_fields()
    ]
    child_relationships = [
        {"relationshipName": c.name, "childSObject": c.child_sobject, "field": c.field}
        for c in definition.child_relationships.values()
    ]
    body = _describe_global(definition, ctx.api_base) | {
        "fields": fields,
        "childRelationships": child_relationships,
    }
    return RestResult(200, body)


def sobject_info(ctx: RestContext, definition: SObjectDef) -> RestResult:
    recent = [
        record_json(definition, r, ctx.api_base, ["Id"])
        for r in list(ctx.org.table(definition).values())[-10:]
    ]
    return RestResult(
        200, {"objectDescribe": _describe_global(definition, ctx.api_base), "recentItems": recent}
    )


def create(ctx: RestContext, definition: SObjectDef, body: Any) -> RestResult:
    record_id = ctx.txn.create(definition, require_object_body(body))
    return RestResult(
        201, save_result(record_id), {"Location": f"{ctx.api_base}/sobjects/{definition.name}/{record_id}"}
    )


def retrieve(ctx: RestContext, definition: SObjectDef, raw_id: str, fields: str | None) -> RestResult:
    record_id = record_id_for(definition, raw_id)
    record = ctx.org.table(definition).get(record_id)
    if record is None:
        raise not_found()
    wanted = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
    return RestResult(200, record_json(definition, record, ctx.api_base, wanted))


def update(ctx: RestContext, definition: SObjectDef, raw_id: str, body: Any) -> RestResult:
    record_id = record_id_for(definition, raw_id)
    ctx.txn.update(definition, record_id, require_object_body(body))
    return RestResult(204)


def delete(ctx: RestContext, definition: SObjectDef, raw_id: str) -> RestResult:
    record_id = record_id_for(definition, raw_id)
    ctx.txn.delete(definition, record_id)
    return RestResult(204)


def _external_id_field(definition: SObjectDef, field_name: str) -> Any:
    field_def = definition.field(field_name)
    if field_def is None or not (field_def.external_id or field_def.type is FieldType.ID):
        raise ApiError(
            404,
            "NOT_FOUND",
            f"Provided external ID field does not exist or is not accessible: {field_name}",
            None,
        )
    return field_def


def upsert(ctx: RestContext, definition: SObjectDef, field_name: str, value: str, body: Any) -> RestResult:
    field_def = _external_id_field(definition, field_name)
    try:
        record_id, created = ctx.txn.upsert(definition, field_def, value, require_object_body(body))
    except MultipleMatches as exc:
        return RestResult(300, [f"{ctx.api_base}/sobjects/{definition.name}/{rid}" for rid in exc.record_ids])
    result = save_result(record_id, created=created)
    if created:
        return RestResult(201, result, {"Location": f"{ctx.api_base}/sobjects/{definition.name}/{record_id}"})
    return RestResult(200, result)


def retrieve_by_external_id(
    ctx: RestContext, definition: SObjectDef, field_name: str, value: str, fields: str | None
) -> RestResult:
    field_def = _external_id_field(definition, field_name)
    matches = ctx.txn.find_by_field(definition, field_def, value)
    if not matches:
        raise not_found()
    if len(matches) > 1:
        return RestResult(300, [f"{ctx.api_base}/sobjects/{definition.name}/{rid}" for rid in matches])
    return retrieve(ctx, definition, matches[0], fields)
