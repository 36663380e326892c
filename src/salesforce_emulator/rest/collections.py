"""sObject Collections (``/composite/sobjects``): up to 200 records, per-record results."""

from __future__ import annotations

from typing import Any

from salesforce_emulator.errors import ApiError, ErrorItem
from salesforce_emulator.rest.context import RestContext, RestResult
from salesforce_emulator.rest.serialize import save_result
from salesforce_emulator.rest.sobjects import record_id_for, require_object_body
from salesforce_emulator.schema import sobject

MAX_RECORDS = 200
_ROLLED_BACK = ErrorItem(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone header",
    [],
)


def create_records(ctx: RestContext, body: Any) -> RestResult:
    return _save_records(ctx, body, updating=False)


def update_records(ctx: RestContext, body: Any) -> RestResult:
    return _save_records(ctx, body, updating=True)


def _save_records(ctx: RestContext, body: Any, *, updating: bool) -> RestResult:
    payload = require_object_body(body)
    all_or_none = payload.get("allOrNone", False)
    records = payload.get("records")
    if not isinstance(all_or_none, bool) or not isinstance(records, list) or not records:
        raise ApiError(400, "INVALID_FIELD", "Request must contain a non-empty 'records' array", None)
    if len(records) > MAX_RECORDS:
        raise ApiError(
            400,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
            None,
        )
    for record in records:
        record_type = record.get("attributes", {}).get("type") if isinstance(record, dict) else None
        if not isinstance(record_type, str):
            raise ApiError(400, "INVALID_TYPE", "Must send a concrete entity type.", None)

    results: list[dict[str, Any]] = []
    failed = False
    for record in records:
        savepoint = ctx.txn.savepoint()
        try:
            record_id = _save_one(ctx, record, updating=updating)
        except ApiError as exc:
            ctx.txn.rollback_to(savepoint)
            failed = True
            results.append({"success": False, "errors": [exc.item.as_collection()]})
        else:
            results.append(save_result(record_id))
    if failed and all_or_none:
        ctx.txn.rollback()
        results = [
            r if not r["success"] else {"success": False, "errors": [_ROLLED_BACK.as_collection()]}
            for r in results
        ]
    return RestResult(200, results)


def _save_one(ctx: RestContext, record: dict[str, Any], *, updating: bool) -> str:
    definition = sobject(record["attributes"]["type"])
    if definition is None:
        raise ApiError(
            400, "INVALID_TYPE", f"sObject type '{record['attributes']['type']}' is not supported.", None
        )
    values = {k: v for k, v in record.items() if k != "attributes"}
    if not updating:
        return ctx.txn.create(definition, values)
    raw_id = next((v for k, v in values.items() if k.lower() == "id"), None)
    if not isinstance(raw_id, str):
        raise ApiError(400, "MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
    try:
        record_id = record_id_for(definition, raw_id)
    except ApiError:
        raise ApiError(400, "MALFORMED_ID", f"malformed id {raw_id}", ["Id"]) from None
    if record_id not in ctx.org.table(definition):
        raise ApiError(400, "ENTITY_IS_DELETED", "entity is deleted", [])
    ctx.txn.update(definition, record_id, {k: v for k, v in values.items() if k.lower() != "id"})
    return record_id
