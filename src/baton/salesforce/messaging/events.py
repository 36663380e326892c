"""Conversation entries and SSE envelopes, parsed into typed events.

The same entry arrives two ways: from ``/entries`` with ``entryPayload`` as a
JSON object, and over SSE inside an envelope with ``entryPayload`` as a JSON
string. Both go through ``normalize_entry`` so callers see one shape and can
de-duplicate by ``identifier``. Unknown event types never raise: Salesforce
adds new ones at any time, so they become ``UnknownEvent`` with the raw data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, kw_only=True)
class ConversationEntry:
    """One conversation entry, payload always a dict."""

    conversation_id: str
    identifier: str
    entry_type: str
    payload: dict[str, Any]
    sender_role: str | None
    sender_subject: str | None
    sender_display_name: str | None
    transcripted_timestamp: int | None
    client_timestamp: int | None
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class MiawEvent:
    """Base of every event. ``event_id``/``event_name`` are set for SSE events only."""

    conversation_id: str | None
    entry: ConversationEntry | None
    event_id: str | None = None
    event_name: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def identifier(self) -> str | None:
        """The entry identifier: the key to de-duplicate SSE against ``/entries``."""
        return self.entry.identifier if self.entry else None


@dataclass(frozen=True, kw_only=True)
class Attachment:
    """A file attached to a message."""

    id: str | None
    name: str | None
    mime_type: str | None
    url: str | None


@dataclass(frozen=True, kw_only=True)
class MessageEvent(MiawEvent):
    """A message from the rep, a bot, the system, or an echo of our own (role EndUser)."""

    sender_role: str | None
    sender_display_name: str | None
    text: str
    message_id: str | None
    format_type: str | None
    attachments: tuple[Attachment, ...] = ()
    in_reply_to_message_id: str | None = None
    transcripted_timestamp: int | None = None
    client_timestamp: int | None = None


@dataclass(frozen=True, kw_only=True)
class ParticipantChange:
    """One participant joining (``add``) or leaving (``remove``)."""

    operation: str
    role: str | None
    display_name: str | None
    subject: str | None


@dataclass(frozen=True, kw_only=True)
class ParticipantChangedEvent(MiawEvent):
    """Participants joined or left; an Agent ``remove`` means the rep left."""

    changes: tuple[ParticipantChange, ...]

    @property
    def agent_joined(self) -> ParticipantChange | None:
        """The rep who joined, if this event is one."""
        return next((c for c in self.changes if c.operation == "add" and c.role == "Agent"), None)

    @property
    def agent_left(self) -> ParticipantChange | None:
        """The rep who left, if this event is one."""
        return next((c for c in self.changes if c.operation == "remove" and c.role == "Agent"), None)


@dataclass(frozen=True, kw_only=True)
class RoutingResultEvent(MiawEvent):
    """Omni-Channel's routing outcome, with the estimated wait when requested."""

    routing_type: str | None
    failure_type: str | None
    failure_reason: str | None
    estimated_wait_seconds: int | None

    @property
    def failed(self) -> bool:
        """True when routing reported a failure."""
        return self.failure_type not in (None, "None")


@dataclass(frozen=True, kw_only=True)
class SessionStatusChangedEvent(MiawEvent):
    """The session became Waiting, Active or Ended (a rep's End Chat shows up here)."""

    status: str | None
    ended_by_role: str | None


@dataclass(frozen=True, kw_only=True)
class TypingIndicatorEvent(MiawEvent):
    """Someone started or stopped typing."""

    started: bool
    sender_role: str | None
    sender_display_name: str | None


@dataclass(frozen=True, kw_only=True)
class CloseConversationEvent(MiawEvent):
    """The conversation was closed by the end user."""


@dataclass(frozen=True, kw_only=True)
class UnknownEvent(MiawEvent):
    """An event or entry type this client does not know; callers should ignore it."""

    entry_type: str | None


ConversationEvent = (
    MessageEvent
    | ParticipantChangedEvent
    | RoutingResultEvent
    | SessionStatusChangedEvent
    | TypingIndicatorEvent
    | CloseConversationEvent
    | UnknownEvent
)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def normalize_entry(conversation_id: str, raw: dict[str, Any]) -> ConversationEntry:
    """Normalise an entry whose ``entryPayload`` is an object (REST) or a JSON string (SSE)."""
    payload_raw = raw.get("entryPayload")
    if isinstance(payload_raw, str):
        try:
            payload_raw = json.loads(payload_raw) if payload_raw else {}
        except json.JSONDecodeError:
            payload_raw = {}
    payload = _dict(payload_raw)
    sender = _dict(raw.get("sender"))
    return ConversationEntry(
        conversation_id=conversation_id,
        identifier=str(raw.get("identifier") or payload.get("id") or ""),
        entry_type=str(raw.get("entryType") or payload.get("entryType") or ""),
        payload=payload,
        sender_role=_str(sender.get("role")),
        sender_subject=_str(sender.get("subject")),
        sender_display_name=_str(raw.get("senderDisplayName")),
        transcripted_timestamp=_int(raw.get("transcriptedTimestamp")),
        client_timestamp=_int(raw.get("clientTimestamp")),
        raw=raw,
    )


def event_from_entry(
    entry: ConversationEntry,
    *,
    event_id: str | None = None,
    event_name: str | None = None,
    raw: dict[str, Any] | None = None,
) -> ConversationEvent:
    """The typed event for one normalised entry."""
    common: dict[str, Any] = {
        "conversation_id": entry.conversation_id,
        "entry": entry,
        "event_id": event_id,
        "event_name": event_name,
        "raw": raw if raw is not None else entry.raw,
    }
    payload = entry.payload
    kind = entry.entry_type
    if kind == "Message":
        return _message(entry, common)
    if kind == "ParticipantChanged":
        changes = []
        for item in payload.get("entries") or []:
            if not isinstance(item, dict):
                continue
            participant = _dict(item.get("participant"))
            changes.append(
                ParticipantChange(
                    operation=str(item.get("operation") or ""),
                    role=_str(participant.get("role")),
                    display_name=_str(item.get("displayName")),
                    subject=_str(participant.get("subject")),
                )
            )
        return ParticipantChangedEvent(changes=tuple(changes), **common)
    if kind == "RoutingResult":
        wait = _dict(payload.get("estimatedWaitTime"))
        return RoutingResultEvent(
            routing_type=_str(payload.get("routingType")),
            failure_type=_str(payload.get("failureType")),
            failure_reason=_str(payload.get("failureReason")),
            estimated_wait_seconds=_int(wait.get("estimatedWaitTimeInSeconds")),
            **common,
        )
    if kind == "SessionStatusChanged":
        return SessionStatusChangedEvent(
            status=_str(payload.get("sessionStatus")),
            ended_by_role=_str(payload.get("sessionEndedByRole")),
            **common,
        )
    if kind in ("TypingStartedIndicator", "TypingStoppedIndicator"):
        return TypingIndicatorEvent(
            started=kind == "TypingStartedIndicator",
            sender_role=entry.sender_role,
            sender_display_name=entry.sender_display_name,
            **common,
        )
    if kind == "CloseConversation":
        return CloseConversationEvent(**common)
    return UnknownEvent(entry_type=kind or None, **common)


def _message(entry: ConversationEntry, common: dict[str, Any]) -> MessageEvent:
    message = _dict(entry.payload.get("abstractMessage"))
    content = _dict(message.get("staticContent"))
    attachments = tuple(
        Attachment(
            id=_str(a.get("id")),
            name=_str(a.get("name")),
            mime_type=_str(a.get("mimeType")),
            url=_str(a.get("url")),
        )
        for a in content.get("attachments") or []
        if isinstance(a, dict)
    )
    return MessageEvent(
        sender_role=entry.sender_role,
        sender_display_name=entry.sender_display_name,
        text=_str(content.get("text")) or "",
        message_id=_str(message.get("id")),
        format_type=_str(content.get("formatType")),
        attachments=attachments,
        in_reply_to_message_id=_str(message.get("inReplyToMessageId")),
        transcripted_timestamp=entry.transcripted_timestamp,
        client_timestamp=entry.client_timestamp,
        **common,
    )


def parse_sse_event(event_name: str, event_id: str | None, data: str) -> ConversationEvent | None:
    """Parse one SSE frame; None for keep-alives, UnknownEvent for anything unusable."""
    if event_name == "ping":
        return None
    try:
        envelope = json.loads(data) if data else {}
    except json.JSONDecodeError:
        envelope = {"data": data}
    if not isinstance(envelope, dict):
        envelope = {"data": envelope}
    conversation_id = _str(envelope.get("conversationId"))
    raw_entry = envelope.get("conversationEntry")
    if conversation_id is None or not isinstance(raw_entry, dict):
        return UnknownEvent(
            conversation_id=conversation_id,
            entry=None,
            entry_type=None,
            event_id=event_id,
            event_name=event_name,
            raw=envelope,
        )
    entry = normalize_entry(conversation_id, raw_entry)
    return event_from_entry(entry, event_id=event_id, event_name=event_name, raw=envelope)
