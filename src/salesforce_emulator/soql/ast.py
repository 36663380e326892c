"""The shape of a parsed SOQL query (names not yet checked against the schema)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal as TypingLiteral

LiteralKind = TypingLiteral["string", "number", "boolean", "null", "datetime", "date"]


@dataclass(frozen=True)
class FieldRef:
    path: tuple[str, ...]
    position: int

    @property
    def text(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Literal:
    kind: LiteralKind
    value: str | float | bool | datetime | date | None
    position: int


@dataclass(frozen=True)
class Comparison:
    field: FieldRef
    operator: str
    literal: Literal


@dataclass(frozen=True)
class InList:
    field: FieldRef
    negated: bool
    literals: tuple[Literal, ...]


@dataclass(frozen=True)
class Like:
    field: FieldRef
    pattern: str
    position: int


@dataclass(frozen=True)
class Not:
    operand: Condition


@dataclass(frozen=True)
class Junction:
    operator: TypingLiteral["AND", "OR"]
    operands: tuple[Condition, ...]


Condition = Comparison | InList | Like | Not | Junction


@dataclass(frozen=True)
class OrderItem:
    field: FieldRef
    descending: bool
    nulls_last: bool


@dataclass(frozen=True)
class Query:
    sobject: str
    sobject_position: int
    fields: tuple[FieldRef, ...]
    count_only: bool
    where: Condition | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None
