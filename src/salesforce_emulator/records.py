"""Writing records: validation like Salesforce's and transactions that can roll back.

A ``Transaction`` journals every change so that ``allOrNone`` requests, sObject
Tree and failed subrequests can undo exactly what they wrote. After commit the
journal tells the Apex layer which records were inserted or updated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from salesforce_emulator.errors import ApiError, json_parser_error, not_found
from salesforce_emulator.ids import canonical_id
from salesforce_emulator.schema import CLOSED_STATUSES, FieldDef, FieldType, SObjectDef, sobject
from salesforce_emulator.state import Org, Record
from salesforce_emulator.values import CoercionError, from_json, is_valid_email

_SYSTEM_READ_ONLY_MESSAGE = (
    "Unable to create/update fields: {fields}. Please check the security settings of this field "
    "and verify that it is read/write for your profile or permission set."
)


@dataclass(frozen=True)
class JournalEntry:
    kind: Literal["insert", "update", "delete"]
    sobject: str
    record_id: str
    before: Record | None


class MultipleMatches(Exception):
    """An upsert's external id value matched several records (HTTP 300)."""

    def __init__(self, record_ids: list[str]) -> None:
        super().__init__(f"{len(record_ids)} records match")
        self.record_ids = record_ids


class Transaction:
    """One database transaction of the org, performed as ``user_id``."""

    def __init__(self, org: Org, user_id: str) -> None:
        self.org = org
        self.user_id = user_id
        self.journal: list[JournalEntry] = []

    # savepoints --------------------------------------------------------------

    def savepoint(self) -> int:
        return len(self.journal)

    def rollback_to(self, savepoint: int) -> None:
        while len(self.journal) > savepoint:
            entry = self.journal.pop()
            table = self.org.records[entry.sobject]
            if entry.kind == "insert":
                table.pop(entry.record_id, None)
            elif entry.before is not None:
                table[entry.record_id] = entry.before

    def rollback(self) -> None:
        self.rollback_to(0)

    # writes --------------------------------------------------------------------

    def create(self, definition: SObjectDef, body: dict[str, Any]) -> str:
        if not definition.createable:
            raise ApiError(
                400,
                "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY",
                f"entity type cannot be inserted: {definition.name}",
            )
        values = self._coerce(definition, body, inserting=True)
        for field_def in definition.all_fields():
            if field_def.name not in values and field_def.default is not None:
                values[field_def.name] = field_def.default
        missing = [f.name for f in definition.all_fields() if f.required and values.get(f.name) in (None, "")]
        if missing:
            raise ApiError(
                400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing
            )
        self._check_unique(definition, values, None)
        now = self.org.clock.now().replace(microsecond=0)  # Salesforce keeps whole seconds
        record_id = self.org.new_id(definition)
        record: Record = {f.name: None for f in definition.all_fields()}
        record.update(values)
        record.update(
            {
                "Id": record_id,
                "IsDeleted": False,
                "CreatedDate": now,
                "CreatedById": self.user_id,
                "LastModifiedDate": now,
                "LastModifiedById": self.user_id,
                "SystemModstamp": now,
            }
        )
        self._derive(definition, record, None)
        self.org.table(definition)[record_id] = record
        self.journal.append(JournalEntry("insert", definition.name, record_id, None))
        return record_id

    def update(self, definition: SObjectDef, record_id: str, body: dict[str, Any]) -> None:
        table = self.org.table(definition)
        current = table.get(record_id)
        if current is None:
            raise not_found()
        values = self._coerce(definition, body, inserting=False)
        required_cleared = [
            f.name
            for f in definition.all_fields()
            if f.required and f.name in values and values[f.name] in (None, "")
        ]
        if required_cleared:
            raise ApiError(
                400,
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(required_cleared)}]",
                required_cleared,
            )
        self._check_unique(definition, values, record_id)
        before = dict(current)
        updated = dict(current)
        updated.update(values)
        now = self.org.clock.now().replace(microsecond=0)
        updated.update({"LastModifiedDate": now, "LastModifiedById": self.user_id, "SystemModstamp": now})
        self._derive(definition, updated, before)
        table[record_id] = updated
        self.journal.append(JournalEntry("update", definition.name, record_id, before))

    def delete(self, definition: SObjectDef, record_id: str) -> None:
        table = self.org.table(definition)
        if record_id not in table:
            raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted", [])
        for relationship in definition.child_relationships.values():
            child_def = sobject(relationship.child_sobject)
            assert child_def is not None
            children = [
                cid
                for cid, child in self.org.table(child_def).items()
                if child[relationship.field] == record_id
            ]
            for child_id in children:
                self.delete(child_def, child_id)
        before = table.pop(record_id)
        self.journal.append(JournalEntry("delete", definition.name, record_id, before))

    def upsert(
        self, definition: SObjectDef, id_field: FieldDef, value: str, body: dict[str, Any]
    ) -> tuple[str, bool]:
        """Update the record whose external id is ``value`` or create it; returns (id, created)."""
        in_body = {k: v for k, v in body.items() if k.lower() == id_field.name.lower()}
        if any(v != value for v in in_body.values()):
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"The value of {id_field.name} in the request body does not match the value in the URL",
                [id_field.name],
            )
        body = {k: v for k, v in body.items() if k.lower() != id_field.name.lower()}
        matches = self.find_by_field(definition, id_field, value)
        if len(matches) > 1:
            raise MultipleMatches(matches)
        if matches:
            self.update(definition, matches[0], body)
            return matches[0], False
        if id_field.type is FieldType.ID:
            raise not_found()
        return self.create(definition, {**body, id_field.name: value}), True

    def find_by_field(self, definition: SObjectDef, field_def: FieldDef, value: str) -> list[str]:
        if field_def.type is FieldType.ID:
            canonical = canonical_id(value)
            return [canonical] if canonical and canonical in self.org.table(definition) else []
        wanted = value.casefold()
        return [
            record_id
            for record_id, record in self.org.table(definition).items()
            if isinstance(record.get(field_def.name), str) and record[field_def.name].casefold() == wanted
        ]

    # validation --------------------------------------------------------------

    def _coerce(self, definition: SObjectDef, body: dict[str, Any], *, inserting: bool) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key, raw in body.items():
            if key == "attributes":
                continue
            field_def = definition.field(key)
            if field_def is None:
                raise ApiError(
                    400,
                    "INVALID_FIELD",
                    f"No such column '{key}' on sobject of type {definition.name}",
                    [key],
                )
            if field_def.name == "Id" and inserting:
                raise ApiError(400, "INVALID_FIELD", "Record ID: cannot specify Id in an insert call", ["Id"])
            allowed = field_def.createable if inserting else field_def.updateable
            if not allowed:
                raise ApiError(
                    400,
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    _SYSTEM_READ_ONLY_MESSAGE.format(fields=field_def.name),
                    [field_def.name],
                )
            try:
                value = from_json(field_def.type, raw)
            except CoercionError as exc:
                raise json_parser_error(f"{exc} at [line:1, column:1]") from exc
            values[field_def.name] = self._validate(field_def, value)
        return values

    def _validate(self, field_def: FieldDef, value: Any) -> Any:
        if value is None or (value == "" and field_def.type.is_text):
            # Salesforce stores an empty text value as null.
            return None
        label = field_def.display_label
        if field_def.type.is_id:
            return self._validate_reference(field_def, value)
        if isinstance(value, str) and field_def.length is not None:
            size = len(value.encode("utf-8")) if field_def.length_in_bytes else len(value)
            if size > field_def.length:
                shown = value if len(value) <= 40 else value[:40] + "..."
                raise ApiError(
                    400,
                    "STRING_TOO_LONG",
                    f"{label}: data value too large: {shown} (max length={field_def.length})",
                    [field_def.name],
                )
        if field_def.type is FieldType.EMAIL and value != "" and not is_valid_email(value):
            raise ApiError(
                400, "INVALID_EMAIL_ADDRESS", f"{label}: invalid email address: {value}", [field_def.name]
            )
        if field_def.restricted_picklist and value not in field_def.picklist_values:
            raise ApiError(
                400,
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{label}: bad value for restricted picklist field: {value}",
                [field_def.name],
            )
        return value

    def _validate_reference(self, field_def: FieldDef, value: str) -> str | None:
        if value == "":
            return None
        canonical = canonical_id(value)
        label = field_def.display_label
        if canonical is None:
            raise ApiError(
                400, "MALFORMED_ID", f"{label}: id value of incorrect type: {value}", [field_def.name]
            )
        target = sobject(field_def.reference_to or "")
        if target is None or canonical[:3] != target.key_prefix:
            raise ApiError(
                400,
                "FIELD_INTEGRITY_EXCEPTION",
                f"{label}: id value of incorrect type: {value}",
                [field_def.name],
            )
        if canonical not in self.org.table(target):
            raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [])
        return canonical

    def _check_unique(self, definition: SObjectDef, values: dict[str, Any], own_id: str | None) -> None:
        for field_def in definition.all_fields():
            value = values.get(field_def.name)
            if not field_def.unique or not isinstance(value, str) or value == "":
                continue
            for other_id in self.find_by_field(definition, field_def, value):
                if other_id != own_id:
                    raise ApiError(
                        400,
                        "DUPLICATE_VALUE",
                        f"duplicate value found: {field_def.name} duplicates value "
                        f"on record with id: {other_id}",
                        [],
                    )

    def _derive(self, definition: SObjectDef, record: Record, before: Record | None) -> None:
        """Fields Salesforce computes: IsClosed/ClosedDate, CaseNumber, OwnerId, Contact.Name."""
        if definition.name == "Case":
            closed = record.get("Status") in CLOSED_STATUSES
            record["IsClosed"] = closed
            was_closed = bool(before and before.get("IsClosed"))
            if closed and not was_closed:
                record["ClosedDate"] = record["LastModifiedDate"]
            elif not closed:
                record["ClosedDate"] = None
            if before is None:
                record["CaseNumber"] = self.org.next_case_number()
                record["OwnerId"] = record.get("OwnerId") or self.user_id
        elif definition.name == "Contact":
            parts = [record.get("FirstName"), record.get("LastName")]
            record["Name"] = " ".join(p for p in parts if p)
