"""The org documents the agent reads: ``settings["handoff"]`` and ``settings["assistant"]``.

``HandoffSettings`` is the document behind ``GET/PUT /api/v1/settings/handoff``: strict
(unknown keys and bad values are refused with the field named), every key optional with
a default. ``AssistantSettings`` (instructions, tools, LLM provider) is read leniently:
a broken document must not take the agent down, so it falls back to defaults.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")


def minutes_of(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AdvancedToggles(_Strict):
    enabled: bool = True
    on_frustration: bool = True
    on_unproductive: bool = True
    on_human_request: bool = True
    on_low_confidence: bool = True


class OfficeHours(_Strict):
    timezone: str
    weekly: dict[Weekday, list[tuple[str, str]]] = Field(default_factory=dict)
    holidays_country: str | None = None
    extra_closed_dates: list[date] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown IANA time zone {value!r}") from error
        return value

    @field_validator("weekly")
    @classmethod
    def _valid_ranges(
        cls, value: dict[Weekday, list[tuple[str, str]]]
    ) -> dict[Weekday, list[tuple[str, str]]]:
        for day, ranges in value.items():
            previous_end = -1
            for start, end in sorted(ranges, key=lambda pair: pair[0]):
                if not _TIME.match(start) or not _TIME.match(end):
                    raise ValueError(f"{day}: times must be HH:MM (00:00 to 24:00), got {start!r}-{end!r}")
                if minutes_of(start) >= minutes_of(end):
                    raise ValueError(f"{day}: {start}-{end} ends before it starts")
                if minutes_of(start) < previous_end:
                    raise ValueError(f"{day}: {start}-{end} overlaps the previous range")
                previous_end = minutes_of(end)
        return value

    @field_validator("holidays_country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.upper()
        if code not in holidays.list_supported_countries():
            raise ValueError(f"unknown holidays country {value!r} (use an ISO 3166-1 alpha-2 code)")
        return code


class DataCollectionField(_Strict):
    field: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    required: bool = False


class PriorityRule(_Strict):
    """All the conditions given must hold; the first rule that matches sets the priority."""

    priority: str = Field(min_length=1, max_length=16)
    sentiment: Literal["angry", "neutral", "happy"] | None = None
    contact_data: dict[str, Any] | None = None  # e.g. {"vip": true} matches ContactInfo.data["vip"] == true
    keywords: list[str] | None = None  # any of them in the customer's messages
    channel: str | None = None

    @model_validator(mode="after")
    def _has_condition(self) -> PriorityRule:
        if self.sentiment is None and not self.contact_data and not self.keywords and self.channel is None:
            raise ValueError("a priority rule needs at least one condition")
        return self


DEFAULT_PRIORITY_RULES: list[dict[str, Any]] = [
    {"priority": "High", "sentiment": "angry"},
    {"priority": "High", "contact_data": {"vip": True}},
    {
        "priority": "High",
        "keywords": ["urgent", "asap", "emergency", "urgente", "urgence", "dringend", "عاجل"],
    },
]


class HandoffSettings(_Strict):
    mode: Literal["preset", "advanced"] = "preset"
    preset: Literal[0, 1, 2, 3] = 1
    advanced: AdvancedToggles = Field(default_factory=AdvancedToggles)
    prohibited_topics: list[str] = Field(default_factory=list, max_length=200)
    office_hours: OfficeHours | None = None
    data_collection: list[DataCollectionField] = Field(default_factory=list, max_length=20)
    priority_rules: list[PriorityRule] = Field(
        default_factory=lambda: [PriorityRule.model_validate(rule) for rule in DEFAULT_PRIORITY_RULES]
    )
    default_priority: str = Field(default="Medium", min_length=1, max_length=16)

    @field_validator("prohibited_topics")
    @classmethod
    def _clean_topics(cls, value: list[str]) -> list[str]:
        topics = [topic.strip() for topic in value if topic.strip()]
        for topic in topics:
            if len(topic) > 300:
                raise ValueError("a topic is one line of at most 300 characters")
        return topics


class ToolParameter(_Strict):
    pattern: str | None = None  # regex whose first group (or whole match) is taken from the message
    collected: str | None = None  # or the value of this data-collection field
    required: bool = True


class ToolSpec(_Strict):
    """An HTTP function the agent may call, e.g. an order lookup."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    description: str = ""
    url: str  # may contain {parameter} placeholders
    method: Literal["GET", "POST"] = "GET"
    triggers: list[str] = Field(default_factory=list)  # words that make the tool relevant
    parameters: dict[str, ToolParameter] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    answer_template: str = ""  # e.g. "Order {order_number} is {status}." with fields of the JSON response


class LLMSettings(_Strict):
    base_url: str
    model: str
    temperature: float = 0.0
    max_tokens: int = 600
    timeout_seconds: float = 20.0


class AssistantSettings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    instructions: str = ""  # tone and don'ts, in the org's words
    handoff_instructions: list[str] = Field(default_factory=list)  # "hand off when …" situations
    tools: list[ToolSpec] = Field(default_factory=list)
    llm: LLMSettings | None = None
    language: str = "en"  # the org's own language (summaries when summary_language == "org")
    summary_language: Literal["conversation", "org"] = "conversation"
    min_confidence: float = Field(default=0.6, ge=0, le=1)
    assistant_name: str = ""


def load_handoff_settings(document: Any) -> HandoffSettings:
    """The stored handoff document, or the defaults when it is missing or no longer valid."""
    if not isinstance(document, dict):
        return HandoffSettings()
    try:
        return HandoffSettings.model_validate(document)
    except ValidationError:
        return HandoffSettings()


def load_assistant_settings(document: Any) -> tuple[AssistantSettings, str | None]:
    """(settings, problem): a broken document yields the defaults and a description of what is wrong."""
    if not isinstance(document, dict):
        return AssistantSettings(), None
    try:
        return AssistantSettings.model_validate(document), None
    except ValidationError as error:
        return AssistantSettings(), str(error)
