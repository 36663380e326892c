"""Organizations, people, sessions, messages and the debug timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from baton.store.base import Base, BigIntPK, new_id, utcnow


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    # Secret path segment of POST /webhooks/salesforce/{token}; rotatable.
    webhook_token: Mapped[str] = mapped_column(String(64), unique=True)
    next_ticket_number: Mapped[int] = mapped_column(default=10001)
    # Org-level documents edited through the API (handoff settings, routing, ...), by key.
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    # The first characters of the key, stored in clear to find the row; the rest only as a hash.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(default=list)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("org_id", "email"),
        UniqueConstraint("org_id", "phone"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    phone: Mapped[str | None] = mapped_column(String(32), default=None)
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    verified: Mapped[bool] = mapped_column(default=False)
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Session(Base):
    """One conversation on one channel, owned either by the AI or by a human."""

    __tablename__ = "sessions"
    __table_args__ = (
        UniqueConstraint("org_id", "ticket_number"),
        Index("ix_sessions_org_created", "org_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24), default="open")
    assignee: Mapped[str] = mapped_column(String(8), default="ai")
    subject: Mapped[str | None] = mapped_column(String(500), default=None)
    language: Mapped[str | None] = mapped_column(String(16), default=None)
    priority: Mapped[str | None] = mapped_column(String(16), default=None)
    sentiment: Mapped[str | None] = mapped_column(String(16), default=None)
    ticket_number: Mapped[int] = mapped_column()
    salesforce_case_id: Mapped[str | None] = mapped_column(String(18), default=None, index=True)
    salesforce_miaw_session_id: Mapped[str | None] = mapped_column(String(36), default=None, unique=True)
    # The handoff record: null until a handoff is requested.
    handoff_state: Mapped[str | None] = mapped_column(String(16), default=None)
    handoff_path: Mapped[str | None] = mapped_column(String(16), default=None)
    handoff_reasons: Mapped[list[str]] = mapped_column(default=list)
    handoff_summary: Mapped[str | None] = mapped_column(Text, default=None)
    handoff_sentiment: Mapped[str | None] = mapped_column(String(16), default=None)
    handoff_reasoning: Mapped[str | None] = mapped_column(Text, default=None)
    handoff_requested_at: Mapped[datetime | None] = mapped_column(default=None)
    handoff_error: Mapped[str | None] = mapped_column(Text, default=None)
    # Channel-specific state (e.g. the support address an email was written to).
    channel_data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("provider", "provider_message_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[str] = mapped_column(String(36), index=True)
    role: Mapped[str] = mapped_column(String(8))  # customer | ai | agent | system
    text: Mapped[str] = mapped_column(Text)
    author_name: Mapped[str | None] = mapped_column(String(200), default=None)
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    # Set for messages that came from (or were delivered through) another system; the dedupe key.
    provider: Mapped[str | None] = mapped_column(String(32), default=None)
    provider_message_id: Mapped[str | None] = mapped_column(String(255), default=None)
    # Internal notes (e.g. an unpublished CaseComment) are never sent to the customer.
    internal: Mapped[bool] = mapped_column(default=False)
    # The CaseComment that carries this message in Salesforce, once exported.
    salesforce_comment_id: Mapped[str | None] = mapped_column(String(18), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DebugEvent(Base):
    """One entry of the session's debug timeline in the inbox."""

    __tablename__ = "debug_events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[str] = mapped_column(String(36), index=True)
    type: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundEvent(Base):
    """A raw event received by a webhook or receiver, stored before any processing."""

    __tablename__ = "inbound_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    org_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)
    provider: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(255))
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Integration(Base):
    """A connection to another system; secrets are encrypted as one blob."""

    __tablename__ = "integrations"
    __table_args__ = (UniqueConstraint("org_id", "kind"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(48))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    secrets_encrypted: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(24), default="not_configured")
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    # Bumped on every token refresh: lets a refresher notice that another process already refreshed.
    token_generation: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EmailAddress(Base):
    """A support address customers write to; inbound mail to it belongs to the org."""

    __tablename__ = "email_addresses"

    address: Mapped[str] = mapped_column(String(320), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EmailMessageId(Base):
    """Every RFC 5322 Message-ID seen or sent on a session, for threading replies."""

    __tablename__ = "email_message_ids"
    __table_args__ = (UniqueConstraint("org_id", "message_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(String(36))
    message_id: Mapped[str] = mapped_column(String(998))
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # in | out
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SalesforceCase(Base):
    """A Case that Baton created, so returning contacts can be appended while it is open."""

    __tablename__ = "salesforce_cases"

    case_id: Mapped[str] = mapped_column(String(18), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    origin_session_id: Mapped[str] = mapped_column(String(36))
    is_closed: Mapped[bool] = mapped_column(default=False)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
