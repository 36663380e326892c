"""Parsing SSE envelopes and REST entries into typed events."""

from __future__ import annotations

import json
from typing import Any

from baton.salesforce.messaging.events import (
    CloseConversationEvent,
    MessageEvent,
    ParticipantChangedEvent,
    RoutingResultEvent,
    SessionStatusChangedEvent,
    TypingIndicatorEvent,
    UnknownEvent,
    event_from_entry,
    normalize_entry,
    parse_sse_event,
)

CONVERSATION = "0b7c4a52-51a5-4f4a-9a8e-0f9e3c1d2b3a"


def envelope(entry_type: str, payload: dict[str, Any], **entry: Any) -> str:
    conversation_entry = {
        "identifier": entry.pop("identifier", "entry-1"),
        "entryType": entry_type,
        "entryPayload": json.dumps({"entryType": entry_type, **payload}),
        "sender": entry.pop("sender", {"role": "Agent", "appType": "agent", "subject": "agent-subject"}),
        "senderDisplayName": entry.pop("senderDisplayName", "Jane (Support)"),
        "transcriptedTimestamp": 1_700_000_000_123,
        "clientTimestamp": 1_700_000_000_100,
        **entry,
    }
    return json.dumps(
        {
            "channelPlatformKey": "x",
            "channelType": "embedded_messaging",
            "channelAddressIdentifier": "0Mj",
            "conversationId": CONVERSATION,
            "conversationEntry": conversation_entry,
        }
    )


def text_payload(text: str) -> dict[str, Any]:
    return {
        "abstractMessage": {
            "messageType": "StaticContentMessage",
            "id": "m-1",
            "inReplyToMessageId": None,
            "staticContent": {"formatType": "Text", "text": text},
        }
    }


def test_message() -> None:
    event = parse_sse_event("CONVERSATION_MESSAGE", "1001", envelope("Message", text_payload("Hi there")))
    assert isinstance(event, MessageEvent)
    assert (event.text, event.sender_role, event.sender_display_name) == (
        "Hi there",
        "Agent",
        "Jane (Support)",
    )
    assert (event.identifier, event.message_id, event.event_id) == ("entry-1", "m-1", "1001")
    assert event.conversation_id == CONVERSATION
    assert (event.transcripted_timestamp, event.client_timestamp) == (1_700_000_000_123, 1_700_000_000_100)
    assert event.format_type == "Text"


def test_message_with_attachment() -> None:
    payload = {
        "abstractMessage": {
            "id": "m-2",
            "staticContent": {
                "formatType": "Attachments",
                "text": "see file",
                "attachments": [{"id": "f", "name": "a.pdf", "mimeType": "application/pdf", "url": "/x"}],
            },
        }
    }
    event = parse_sse_event("CONVERSATION_MESSAGE", "1", envelope("Message", payload))
    assert isinstance(event, MessageEvent)
    assert event.attachments[0].name == "a.pdf"


def test_participant_changed() -> None:
    change = {
        "operation": "add",
        "displayName": "Jane (Support)",
        "participant": {"role": "Agent", "appType": "agent", "subject": "s"},
    }
    event = parse_sse_event(
        "CONVERSATION_PARTICIPANT_CHANGED", "2", envelope("ParticipantChanged", {"entries": [change]})
    )
    assert isinstance(event, ParticipantChangedEvent)
    assert event.agent_joined is not None and event.agent_joined.display_name == "Jane (Support)"
    assert event.agent_left is None
    removal = {**change, "operation": "remove"}
    left = parse_sse_event(
        "CONVERSATION_PARTICIPANT_CHANGED", "3", envelope("ParticipantChanged", {"entries": [removal]})
    )
    assert isinstance(left, ParticipantChangedEvent) and left.agent_left is not None


def test_routing_result() -> None:
    payload = {
        "routingType": "Initial",
        "failureType": "None",
        "estimatedWaitTime": {"estimatedWaitTimeInSeconds": 120, "isEWTRequested": True},
    }
    event = parse_sse_event("CONVERSATION_ROUTING_RESULT", "4", envelope("RoutingResult", payload))
    assert isinstance(event, RoutingResultEvent)
    assert (event.estimated_wait_seconds, event.failed, event.routing_type) == (120, False, "Initial")
    failed = parse_sse_event(
        "CONVERSATION_ROUTING_RESULT",
        "5",
        envelope(
            "RoutingResult",
            {"failureType": "RoutingError", "estimatedWaitTime": {"estimatedWaitTimeInSeconds": None}},
        ),
    )
    assert isinstance(failed, RoutingResultEvent)
    assert failed.failed and failed.estimated_wait_seconds is None


def test_session_status_changed() -> None:
    payload = {"sessionStatus": "Ended", "sessionEndedByRole": "Agent"}
    event = parse_sse_event(
        "CONVERSATION_SESSION_STATUS_CHANGED", "6", envelope("SessionStatusChanged", payload)
    )
    assert isinstance(event, SessionStatusChangedEvent)
    assert (event.status, event.ended_by_role) == ("Ended", "Agent")


def test_typing() -> None:
    started = parse_sse_event(
        "CONVERSATION_TYPING_STARTED_INDICATOR", "7", envelope("TypingStartedIndicator", {})
    )
    stopped = parse_sse_event(
        "CONVERSATION_TYPING_STOPPED_INDICATOR", "8", envelope("TypingStoppedIndicator", {})
    )
    assert isinstance(started, TypingIndicatorEvent) and started.started
    assert isinstance(stopped, TypingIndicatorEvent) and not stopped.started


def test_close_conversation() -> None:
    event = parse_sse_event("CONVERSATION_CLOSE_CONVERSATION", "9", envelope("CloseConversation", {}))
    assert isinstance(event, CloseConversationEvent)


def test_unknown_types_are_kept_raw() -> None:
    event = parse_sse_event("CONVERSATION_QUEUE_POSITION", "10", envelope("QueuePosition", {"position": 3}))
    assert isinstance(event, UnknownEvent)
    assert event.entry_type == "QueuePosition"
    assert event.entry is not None and event.entry.payload["position"] == 3
    assert event.raw["conversationId"] == CONVERSATION


def test_unusable_frames_do_not_raise() -> None:
    assert parse_sse_event("ping", None, "0") is None
    garbage = parse_sse_event("CONVERSATION_MESSAGE", "11", "{not json")
    assert isinstance(garbage, UnknownEvent) and garbage.raw == {"data": "{not json"}
    no_entry = parse_sse_event("CONVERSATION_SOMETHING", "12", json.dumps({"foo": 1}))
    assert isinstance(no_entry, UnknownEvent) and no_entry.entry is None


def test_rest_entry_with_object_payload_matches_sse() -> None:
    sse = parse_sse_event("CONVERSATION_MESSAGE", "1", envelope("Message", text_payload("same")))
    rest_entry = json.loads(envelope("Message", text_payload("same")))["conversationEntry"]
    rest_entry["entryPayload"] = json.loads(rest_entry["entryPayload"])
    rest = event_from_entry(normalize_entry(CONVERSATION, rest_entry))
    assert isinstance(sse, MessageEvent) and isinstance(rest, MessageEvent)
    assert (rest.identifier, rest.text) == (sse.identifier, sse.text)
    assert rest.event_id is None
