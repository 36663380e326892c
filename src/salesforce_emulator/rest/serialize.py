"""Records as the REST API writes them."""

from __future__ import annotations

from typing import Any

from salesforce_emulator.errors import ApiError
from salesforce_emulator.schema import SObjectDef
from salesforce_emulator.soql.executor import record_attributes
from salesforce_emulator.state import Record
from salesforce_emulator.values import to_json


def record_json(
    definition: SObjectDef, record: Record, api_base: str, fields: list[str] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"attributes": record_attributes(definition, record["Id"], api_base)}
    if fields is None:
        names = [f.name for f in definition.all_fields()]
    else:
        names = []
        for requested in fields:
            field_def = definition.field(requested)
            if field_def is None:
                raise ApiError(
                    400,
                    "INVALID_FIELD",
                    f"No such column '{requested}' on entity '{definition.name}'. If you are attempting to "
                    "use a custom field, be sure to append the '__c' after the custom field name. Please "
                    "reference your WSDL or the describe call for the appropriate names.",
                    None,
                )
            names.append(field_def.name)
    for name in names:
        out[name] = to_json(record.get(name))
    return out


def save_result(record_id: str, *, created: bool | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": record_id, "success": True, "errors": []}
    if created is not None:
        body["created"] = created
    return body
