"""The org's data model: which sObjects exist and what their fields accept.

Field and object names are case-insensitive on the wire, as in Salesforce; the
canonical spelling is what the org answers with.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum


class FieldType(Enum):
    ID = "id"
    REFERENCE = "reference"
    STRING = "string"
    TEXTAREA = "textarea"
    PICKLIST = "picklist"
    EMAIL = "email"
    PHONE = "phone"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    DATE = "date"
    AUTONUMBER = "autonumber"

    @property
    def is_text(self) -> bool:
        return self in _TEXT_TYPES

    @property
    def is_id(self) -> bool:
        return self in (FieldType.ID, FieldType.REFERENCE)


_TEXT_TYPES = frozenset(
    {
        FieldType.STRING,
        FieldType.TEXTAREA,
        FieldType.PICKLIST,
        FieldType.EMAIL,
        FieldType.PHONE,
        FieldType.AUTONUMBER,
        FieldType.ID,
        FieldType.REFERENCE,
    }
)


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: FieldType
    label: str = ""
    length: int | None = None
    # CaseComment.CommentBody is limited in UTF-8 bytes, not characters.
    length_in_bytes: bool = False
    required: bool = False
    createable: bool = True
    updateable: bool = True
    filterable: bool = True
    default: object = None
    picklist_values: tuple[str, ...] = ()
    restricted_picklist: bool = False
    external_id: bool = False
    unique: bool = False
    reference_to: str | None = None
    relationship_name: str | None = None

    @property
    def display_label(self) -> str:
        return self.label or self.name


@dataclass(frozen=True)
class ChildRelationship:
    name: str
    child_sobject: str
    field: str


@dataclass
class SObjectDef:
    name: str
    key_prefix: str
    fields: dict[str, FieldDef]
    createable: bool = True
    child_relationships: dict[str, ChildRelationship] = field(default_factory=dict)

    def field(self, name: str) -> FieldDef | None:
        return self.fields.get(name.lower())

    def relationship(self, name: str) -> FieldDef | None:
        """The reference field behind a relationship name such as ``CreatedBy`` or ``Parent``."""
        lowered = name.lower()
        for candidate in self.fields.values():
            if candidate.relationship_name and candidate.relationship_name.lower() == lowered:
                return candidate
        return None

    def child_relationship(self, name: str) -> ChildRelationship | None:
        return self.child_relationships.get(name.lower())

    def all_fields(self) -> Iterator[FieldDef]:
        return iter(self.fields.values())


def _read_only(name: str, type_: FieldType, label: str, **options: str) -> FieldDef:
    return FieldDef(name, type_, label, createable=False, updateable=False, **options)  # type: ignore[arg-type]


def _system_fields() -> list[FieldDef]:
    return [
        _read_only("Id", FieldType.ID, "Record ID"),
        _read_only("IsDeleted", FieldType.BOOLEAN, "Deleted"),
        _read_only("CreatedDate", FieldType.DATETIME, "Created Date"),
        _read_only(
            "CreatedById",
            FieldType.REFERENCE,
            "Created By ID",
            reference_to="User",
            relationship_name="CreatedBy",
        ),
        _read_only("LastModifiedDate", FieldType.DATETIME, "Last Modified Date"),
        _read_only(
            "LastModifiedById",
            FieldType.REFERENCE,
            "Last Modified By ID",
            reference_to="User",
            relationship_name="LastModifiedBy",
        ),
        _read_only("SystemModstamp", FieldType.DATETIME, "System Modstamp"),
    ]


def _sobject(
    name: str,
    key_prefix: str,
    fields: list[FieldDef],
    *,
    createable: bool = True,
    children: list[ChildRelationship] | None = None,
) -> SObjectDef:
    all_fields = _system_fields() + fields
    return SObjectDef(
        name=name,
        key_prefix=key_prefix,
        fields={f.name.lower(): f for f in all_fields},
        createable=createable,
        child_relationships={c.name.lower(): c for c in children or []},
    )


CASE_STATUSES = ("New", "Working", "Escalated", "Closed")
CLOSED_STATUSES = frozenset({"Closed"})
EMAIL_STATUSES = ("0", "1", "2", "3", "4", "5")

_CASE = _sobject(
    "Case",
    "500",
    [
        FieldDef("CaseNumber", FieldType.AUTONUMBER, "Case Number", createable=False, updateable=False),
        FieldDef("Subject", FieldType.STRING, "Subject", length=255),
        FieldDef("Description", FieldType.TEXTAREA, "Description", length=32000, filterable=False),
        # Origin stays unrestricted: orgs add their own values (e.g. "Chat").
        FieldDef(
            "Origin", FieldType.PICKLIST, "Case Origin", picklist_values=("Email", "Phone", "Web", "Chat")
        ),
        FieldDef(
            "Status",
            FieldType.PICKLIST,
            "Status",
            default="New",
            picklist_values=CASE_STATUSES,
            restricted_picklist=True,
        ),
        FieldDef("IsClosed", FieldType.BOOLEAN, "Closed", createable=False, updateable=False),
        FieldDef("ClosedDate", FieldType.DATETIME, "Closed Date", createable=False, updateable=False),
        FieldDef(
            "Priority",
            FieldType.PICKLIST,
            "Priority",
            default="Medium",
            picklist_values=("High", "Medium", "Low"),
        ),
        FieldDef("SuppliedEmail", FieldType.EMAIL, "Web Email", length=80),
        FieldDef("SuppliedName", FieldType.STRING, "Web Name", length=80),
        FieldDef("SuppliedPhone", FieldType.PHONE, "Web Phone", length=40),
        FieldDef(
            "ContactId",
            FieldType.REFERENCE,
            "Contact ID",
            reference_to="Contact",
            relationship_name="Contact",
        ),
        FieldDef("OwnerId", FieldType.REFERENCE, "Owner ID", reference_to="User", relationship_name="Owner"),
        FieldDef("Case_From__c", FieldType.STRING, "Case From", length=255),
        FieldDef(
            "OpenCX_Session_Id__c",
            FieldType.STRING,
            "OpenCX Session Id",
            length=255,
            external_id=True,
            unique=True,
        ),
    ],
    children=[
        ChildRelationship("CaseComments", "CaseComment", "ParentId"),
        ChildRelationship("EmailMessages", "EmailMessage", "ParentId"),
    ],
)

_CASE_COMMENT = _sobject(
    "CaseComment",
    "00a",
    [
        FieldDef(
            "ParentId",
            FieldType.REFERENCE,
            "Parent ID",
            required=True,
            updateable=False,
            reference_to="Case",
            relationship_name="Parent",
        ),
        FieldDef("CommentBody", FieldType.TEXTAREA, "Body", length=4000, length_in_bytes=True),
        FieldDef("IsPublished", FieldType.BOOLEAN, "Published", default=False),
        FieldDef("IsNotificationSelected", FieldType.BOOLEAN, "Notification Selected", default=False),
    ],
)

_EMAIL_MESSAGE = _sobject(
    "EmailMessage",
    "02s",
    [
        FieldDef(
            "ParentId",
            FieldType.REFERENCE,
            "Parent ID",
            reference_to="Case",
            relationship_name="Parent",
        ),
        FieldDef("Subject", FieldType.STRING, "Subject", length=3000),
        FieldDef("TextBody", FieldType.TEXTAREA, "Text Body", length=32000, filterable=False),
        FieldDef("HtmlBody", FieldType.TEXTAREA, "HTML Body", length=32000, filterable=False),
        FieldDef("FromAddress", FieldType.EMAIL, "From Address", length=1000),
        FieldDef("FromName", FieldType.STRING, "From Name", length=1000),
        FieldDef("ToAddress", FieldType.STRING, "To Address", length=4000),
        FieldDef("CcAddress", FieldType.STRING, "CC Address", length=4000),
        FieldDef("BccAddress", FieldType.STRING, "BCC Address", length=4000),
        FieldDef("Incoming", FieldType.BOOLEAN, "Is Incoming", default=False),
        FieldDef(
            "Status",
            FieldType.PICKLIST,
            "Status",
            default="0",
            picklist_values=EMAIL_STATUSES,
            restricted_picklist=True,
        ),
        FieldDef("MessageDate", FieldType.DATETIME, "Message Date"),
        FieldDef("IsExternallyVisible", FieldType.BOOLEAN, "Externally Visible", default=True),
    ],
)

_CONTACT = _sobject(
    "Contact",
    "003",
    [
        FieldDef("FirstName", FieldType.STRING, "First Name", length=40),
        FieldDef("LastName", FieldType.STRING, "Last Name", length=80, required=True),
        FieldDef("Name", FieldType.STRING, "Full Name", length=121, createable=False, updateable=False),
        FieldDef("Email", FieldType.EMAIL, "Email", length=80),
        FieldDef("Phone", FieldType.PHONE, "Business Phone", length=40),
        # A non-unique External ID, so upserts can hit several records (HTTP 300).
        FieldDef("External_Id__c", FieldType.STRING, "External Id", length=255, external_id=True),
    ],
)

_USER = _sobject(
    "User",
    "005",
    [
        FieldDef("Username", FieldType.STRING, "Username", length=80),
        FieldDef("Name", FieldType.STRING, "Full Name", length=121, createable=False, updateable=False),
        FieldDef("FirstName", FieldType.STRING, "First Name", length=40),
        FieldDef("LastName", FieldType.STRING, "Last Name", length=80),
        FieldDef("Email", FieldType.EMAIL, "Email", length=128),
        FieldDef("IsActive", FieldType.BOOLEAN, "Active", default=True),
    ],
    # Users are seeded by the org; the REST API can read them but not create them here.
    createable=False,
)

SOBJECTS: dict[str, SObjectDef] = {
    s.name.lower(): s for s in (_CASE, _CASE_COMMENT, _EMAIL_MESSAGE, _CONTACT, _USER)
}
ORG_KEY_PREFIX = "00D"


def sobject(name: str) -> SObjectDef | None:
    return SOBJECTS.get(name.lower())


def sobject_for_id(record_id: str) -> SObjectDef | None:
    prefix = record_id[:3]
    for candidate in SOBJECTS.values():
        if candidate.key_prefix == prefix:
            return candidate
    return None
