"""Request and response bodies of the public API (the contract in docs/api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from baton.conversations.service import MAX_MESSAGE_CHARS
from baton.store.models import Contact, DebugEvent, Message, Session

Channel = Literal["email", "web", "sms", "whatsapp", "phone", "api"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ContactIn(Strict):
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=32, pattern=r"^\+?[0-9 ()\-.]{3,31}$")
    name: str | None = Field(default=None, max_length=200)


class SessionCreate(Strict):
    channel: Channel
    contact: ContactIn = Field(default_factory=ContactIn)
    subject: str | None = Field(default=None, max_length=500)
    language: str | None = Field(default=None, max_length=16, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class MessageCreate(Strict):
    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)


class HandoffCreate(Strict):
    reason: str | None = Field(default=None, max_length=2000)


class EmailChannelSettings(Strict):
    support_address: EmailStr

    @field_validator("support_address")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class ContactOut(BaseModel):
    id: str
    email: str | None
    phone: str | None
    name: str | None
    verified: bool


class HandoffOut(BaseModel):
    summary: str | None
    reasons: list[str]
    sentiment: str | None
    reasoning: str | None
    path: str | None
    state: str | None
    error: str | None
    requested_at: datetime | None


class SessionOut(BaseModel):
    id: str
    channel: str
    status: str
    assignee: str
    contact: ContactOut
    subject: str | None
    language: str | None
    priority: str | None
    sentiment: str | None
    ticket_number: int
    salesforce_case_id: str | None
    salesforce_miaw_session_id: str | None
    handoff: HandoffOut | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class MessageOut(BaseModel):
    id: int
    role: str
    text: str
    author_name: str | None
    internal: bool
    created_at: datetime


class EventOut(BaseModel):
    id: int
    type: str
    created_at: datetime
    data: dict[str, Any]


class SessionPage(BaseModel):
    items: list[SessionOut]
    next: str | None


class MessagesCreated(BaseModel):
    messages: list[MessageOut]
    session: SessionOut


def session_out(session: Session, contact: Contact) -> SessionOut:
    handoff = None
    if session.handoff_state is not None:
        handoff = HandoffOut(
            summary=session.handoff_summary,
            reasons=list(session.handoff_reasons or []),
            sentiment=session.handoff_sentiment,
            reasoning=session.handoff_reasoning,
            path=session.handoff_path,
            state=session.handoff_state,
            error=session.handoff_error,
            requested_at=session.handoff_requested_at,
        )
    return SessionOut(
        id=session.id,
        channel=session.channel,
        status=session.status,
        assignee=session.assignee,
        contact=ContactOut(
            id=contact.id,
            email=contact.email,
            phone=contact.phone,
            name=contact.name,
            verified=contact.verified,
        ),
        subject=session.subject,
        language=session.language,
        priority=session.priority,
        sentiment=session.sentiment,
        ticket_number=session.ticket_number,
        salesforce_case_id=session.salesforce_case_id,
        salesforce_miaw_session_id=session.salesforce_miaw_session_id,
        handoff=handoff,
        created_at=session.created_at,
        updated_at=session.updated_at,
        closed_at=session.closed_at,
    )


def message_out(message: Message) -> MessageOut:
    return MessageOut(
        id=message.id,
        role=message.role,
        text=message.text,
        author_name=message.author_name,
        internal=message.internal,
        created_at=message.created_at,
    )


def event_out(event: DebugEvent) -> EventOut:
    return EventOut(id=event.id, type=event.type, created_at=event.created_at, data=event.data)
