"""Conversation entries in Salesforce's wire shape.

Entries are stored with ``entryPayload`` as a JSON object, which is how the
``/entries`` REST endpoint returns them; the SSE envelope carries the same
payload serialised to a JSON string. Reproducing that asymmetry is deliberate.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

#: entryType -> SSE ``event:`` name.
EVENT_NAMES = {
    "Message": "CONVERSATION_MESSAGE",
    "ParticipantChanged": "CONVERSATION_PARTICIPANT_CHANGED",
    "RoutingResult": "CONVERSATION_ROUTING_RESULT",
    "SessionStatusChanged": "CONVERSATION_SESSION_STATUS_CHANGED",
    "TypingStartedIndicator": "CONVERSATION_TYPING_STARTED_INDICATOR",
    "TypingStoppedIndicator": "CONVERSATION_TYPING_STOPPED_INDICATOR",
    "CloseConversation": "CONVERSATION_CLOSE_CONVERSATION",
}

#: Entry types that belong in the transcript (typing indicators are transient).
PERSISTED_TYPES = frozenset(
    {"Message", "ParticipantChanged", "RoutingResult", "SessionStatusChanged", "CloseConversation"}
)


def participant(role: str, subject: str, app_type: str) -> dict[str, Any]:
    """The ``sender`` / ``participant`` object."""
    return {"role": role, "appType": app_type, "subject": subject, "clientIdentifier": subject}


def make_entry(
    entry_type: str,
    payload: dict[str, Any],
    *,
    sender: dict[str, Any],
    display_name: str,
    timestamp_ms: int,
    session_id: str,
    identifier: str | None = None,
) -> dict[str, Any]:
    """One conversation entry with its payload as an object."""
    ident = identifier or str(uuid.uuid4())
    return {
        "identifier": ident,
        "entryType": entry_type,
        "entryPayload": {"entryType": entry_type, "id": ident, **payload},
        "sender": sender,
        "senderDisplayName": display_name,
        "transcriptedTimestamp": timestamp_ms,
        "clientTimestamp": timestamp_ms,
        "clientDuration": 0,
        "relatedRecords": [session_id],
        "contextParamMap": {},
        "visibilityStrategy": "AllParticipants",
    }


def text_message_payload(message_id: str, text: str, in_reply_to: str | None = None) -> dict[str, Any]:
    """Payload of a ``StaticContentMessage`` with ``formatType: Text``."""
    return {
        "abstractMessage": {
            "messageType": "StaticContentMessage",
            "id": message_id,
            "inReplyToMessageId": in_reply_to,
            "references": [],
            "staticContent": {"formatType": "Text", "text": text},
        },
        "messageReason": None,
    }


def attachment_message_payload(
    message_id: str, caption: str, attachment: dict[str, Any], in_reply_to: str | None
) -> dict[str, Any]:
    """Payload of a ``StaticContentMessage`` with ``formatType: Attachments``."""
    return {
        "abstractMessage": {
            "messageType": "StaticContentMessage",
            "id": message_id,
            "inReplyToMessageId": in_reply_to,
            "references": [],
            "staticContent": {"formatType": "Attachments", "text": caption, "attachments": [attachment]},
        },
        "messageReason": None,
    }


def sse_envelope(
    entry: dict[str, Any], *, conversation_id: str, channel_platform_key: str, channel_address_identifier: str
) -> str:
    """The SSE ``data:`` JSON: the entry with ``entryPayload`` as a JSON string."""
    wire_entry = dict(entry)
    wire_entry["entryPayload"] = json.dumps(entry["entryPayload"], separators=(",", ":"))
    envelope = {
        "channelPlatformKey": channel_platform_key,
        "channelType": "embedded_messaging",
        "channelAddressIdentifier": channel_address_identifier,
        "conversationId": conversation_id,
        "conversationEntry": wire_entry,
    }
    return json.dumps(envelope, separators=(",", ":"))


def message_text(entry: dict[str, Any]) -> str:
    """Best-effort text of a Message entry, for the console."""
    content = entry["entryPayload"].get("abstractMessage", {}).get("staticContent", {})
    text = str(content.get("text") or "")
    for attachment in content.get("attachments", []):
        text = f"{text} [attachment: {attachment.get('name')}]".strip()
    return text
