"""Bodies of the widget's browser API and of the org API for visitor identities."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from baton.conversations.service import MAX_MESSAGE_CHARS
from baton.widget.origins import normalize_origin


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class WidgetSessionCreate(Strict):
    identity_token: str | None = Field(default=None, max_length=4000)
    page_url: str | None = Field(default=None, max_length=2000)
    language: str | None = Field(default=None, max_length=16, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class WidgetSessionCreated(BaseModel):
    session_id: str
    visitor_token: str
    verified: bool
    state: dict[str, Any]


class WidgetMessageCreate(Strict):
    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)


class WidgetTyping(Strict):
    active: bool = True


class WidgetMessagesCreated(BaseModel):
    messages: list[dict[str, Any]]
    state: dict[str, Any]


class WidgetSessionState(BaseModel):
    state: dict[str, Any]
    messages: list[dict[str, Any]]
    handoff: dict[str, Any] | None
    cursor: str


class IdentityCreate(Strict):
    visitor_id: str = Field(
        min_length=1, max_length=200, description="The site's own, stable id of the visitor."
    )
    email: EmailStr | None = None
    name: str | None = Field(default=None, max_length=200)


class IdentityCreated(BaseModel):
    token: str
    expires_at: datetime


class WidgetOrgSettings(Strict):
    allowed_origins: list[str] = Field(
        default_factory=list, max_length=100, description="Sites that may embed the widget; empty = any."
    )

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, values: list[str]) -> list[str]:
        return sorted({normalize_origin(value) for value in values})
