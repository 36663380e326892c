"""Live-conversation state: MIAW streams owned through leases, and the events a customer's widget sees."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from baton.store.base import Base, BigIntPK, new_id, utcnow


class MessagingStream(Base):
    """One Messaging for In-App and Web identity (access token subject) and its SSE stream.

    Exactly one worker holds a stream at a time through ``lease_owner``/``lease_until``;
    when it dies the lease expires and another worker adopts the stream, resuming from
    ``last_event_id`` and reconciling through the conversation entries.
    """

    __tablename__ = "messaging_streams"
    __table_args__ = (Index("ix_messaging_streams_lease", "status", "lease_until"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)
    # The token's subject, e.g. v2/iamessage/AUTH/<keyset>/uid:<sub> or v2/iamessage/ANON/<id>.
    subject: Mapped[str | None] = mapped_column(String(255), default=None)
    authenticated: Mapped[bool] = mapped_column(default=False)
    access_token_encrypted: Mapped[str | None] = mapped_column(Text, default=None)
    token_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    last_event_id: Mapped[str | None] = mapped_column(String(64), default=None)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | closed
    lease_owner: Mapped[str | None] = mapped_column(String(128), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    reconnects: Mapped[int] = mapped_column(default=0)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LiveEvent(Base):
    """Something the customer's live channel should show that is not a message.

    Typing, a rep joining or leaving, the estimated wait, the chat ending. Ordered by id;
    a widget's event stream resumes from the last id it saw.
    """

    __tablename__ = "live_events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[str] = mapped_column(String(36), index=True)
    # typing | participant | wait | ended | handoff | system
    type: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
