"""The SSE event router: headers, frames, the handoff sequence, replay and drops."""

from __future__ import annotations

import json
import uuid

import pytest
from miaw_emulator_helpers import (
    DEPLOYMENT,
    ORG_ID_18,
    Emulator,
    Frame,
    new_conversation_id,
    open_stream,
    text_message,
)

pytestmark = pytest.mark.anyio

SSE = "/eventrouter/v1/sse"
BASE = "/iamessage/api/v2/conversation"


def entry_of(frame: Frame) -> dict[str, object]:
    entry: dict[str, object] = frame.envelope()["conversationEntry"]
    return entry


def payload_of(frame: Frame) -> dict[str, object]:
    raw = entry_of(frame)["entryPayload"]
    assert isinstance(raw, str), "over SSE entryPayload is a JSON string"
    payload: dict[str, object] = json.loads(raw)
    return payload


@pytest.mark.parametrize("missing", ["Authorization", "X-Org-Id", "Last-Event-Id"])
async def test_required_headers(emulator: Emulator, missing: str) -> None:
    grant = await emulator.guest_token()
    headers = {
        "Authorization": f"Bearer {grant['accessToken']}",
        "X-Org-Id": ORG_ID_18,
        "Last-Event-Id": grant["lastEventId"],
    }
    del headers[missing]
    response = await emulator.http.get(SSE, headers=headers)
    assert response.status_code == (401 if missing == "Authorization" else 400)
    assert response.json()["message"]


async def test_wrong_org_is_rejected(emulator: Emulator) -> None:
    grant = await emulator.guest_token()
    headers = {
        "Authorization": f"Bearer {grant['accessToken']}",
        "X-Org-Id": "00D000000000001",
        "Last-Event-Id": grant["lastEventId"],
    }
    assert (await emulator.http.get(SSE, headers=headers)).status_code == 400


async def test_full_handoff_sequence(emulator: Emulator) -> None:
    grant = await emulator.guest_token()
    token = grant["accessToken"]
    auth = {"Authorization": f"Bearer {token}"}
    conversation_id = new_conversation_id()
    async with open_stream(emulator.http, token, grant["lastEventId"], org_id=ORG_ID_18) as stream:
        body = {"conversationId": conversation_id, "esDeveloperName": DEPLOYMENT}
        await emulator.http.post(BASE, json=body, headers=auth)
        routing = await stream.next()
        assert routing.event == "CONVERSATION_ROUTING_RESULT"
        assert routing.envelope()["conversationId"] == conversation_id
        assert payload_of(routing)["estimatedWaitTime"] == {
            "estimatedWaitTimeInSeconds": 60,
            "isEWTRequested": True,
        }

        message_id = str(uuid.uuid4())
        await emulator.http.post(
            f"{BASE}/{conversation_id}/message", json=text_message("hi", message_id), headers=auth
        )
        echo = await stream.next()
        assert echo.event == "CONVERSATION_MESSAGE"
        assert entry_of(echo)["identifier"] == message_id
        assert entry_of(echo)["sender"] == {
            "role": "EndUser",
            "appType": "iamessage",
            "subject": grant["context"]["endUser"]["subject"],
            "clientIdentifier": grant["context"]["endUser"]["subject"],
        }

        await emulator.admin(
            "POST", f"/conversations/{conversation_id}/accept", {"displayName": "Jane (Support)"}
        )
        joined = await stream.next()
        assert joined.event == "CONVERSATION_PARTICIPANT_CHANGED"
        [change] = payload_of(joined)["entries"]  # type: ignore[misc]
        assert change["operation"] == "add"
        assert change["displayName"] == "Jane (Support)"
        assert change["participant"]["role"] == "Agent"
        active = await stream.next()
        assert active.event == "CONVERSATION_SESSION_STATUS_CHANGED"
        assert payload_of(active)["sessionStatus"] == "Active"

        await emulator.admin("POST", f"/conversations/{conversation_id}/typing", {"started": True})
        assert (await stream.next()).event == "CONVERSATION_TYPING_STARTED_INDICATOR"
        await emulator.admin(
            "POST", f"/conversations/{conversation_id}/messages", {"text": "Hello, Jane here"}
        )
        reply = await stream.next()
        assert reply.event == "CONVERSATION_MESSAGE"
        assert entry_of(reply)["senderDisplayName"] == "Jane (Support)"
        assert payload_of(reply)["abstractMessage"]["staticContent"]["text"] == "Hello, Jane here"  # type: ignore[index]

        await emulator.admin("POST", f"/conversations/{conversation_id}/end")
        ended = await stream.next()
        assert ended.event == "CONVERSATION_SESSION_STATUS_CHANGED"
        assert payload_of(ended)["sessionEndedByRole"] == "Agent"
        left = await stream.next()
        assert payload_of(left)["entries"][0]["operation"] == "remove"  # type: ignore[index]

        ids = [int(f.id) for f in (routing, echo, joined, active, reply, ended, left)]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        assert all(i > int(grant["lastEventId"]) for i in ids)


async def test_pings_keep_the_stream_alive(emulator: Emulator) -> None:
    grant = await emulator.guest_token()
    async with open_stream(emulator.http, grant["accessToken"], grant["lastEventId"]) as stream:
        frame = await stream.next(skip_pings=False)
        assert (frame.event, frame.data) == ("ping", "0")


async def test_one_stream_carries_all_conversations_of_a_subject(emulator: Emulator) -> None:
    grant = await emulator.guest_token()
    auth = {"Authorization": f"Bearer {grant['accessToken']}"}
    first, second = new_conversation_id(), new_conversation_id()
    async with open_stream(emulator.http, grant["accessToken"], grant["lastEventId"]) as stream:
        for conversation_id in (first, second):
            await emulator.http.post(
                BASE, json={"conversationId": conversation_id, "esDeveloperName": DEPLOYMENT}, headers=auth
            )
        seen = {(await stream.next()).envelope()["conversationId"] for _ in range(2)}
    assert seen == {first, second}


async def _conversation_with_events(emulator: Emulator) -> tuple[dict[str, str], str]:
    grant = await emulator.guest_token()
    conversation_id = new_conversation_id()
    auth = {"Authorization": f"Bearer {grant['accessToken']}"}
    await emulator.http.post(
        BASE, json={"conversationId": conversation_id, "esDeveloperName": DEPLOYMENT}, headers=auth
    )
    await emulator.admin("POST", f"/conversations/{conversation_id}/accept", {"displayName": "Rep"})
    return grant, conversation_id


async def test_replay_after_last_event_id(emulator: Emulator) -> None:
    grant, _ = await _conversation_with_events(emulator)
    async with open_stream(emulator.http, grant["accessToken"], grant["lastEventId"]) as stream:
        replayed = [(await stream.next()).event for _ in range(3)]
    assert replayed == [
        "CONVERSATION_ROUTING_RESULT",
        "CONVERSATION_PARTICIPANT_CHANGED",
        "CONVERSATION_SESSION_STATUS_CHANGED",
    ]


async def test_no_replay_when_configured(emulator: Emulator) -> None:
    await emulator.admin("POST", "/faults", {"replayOnReconnect": False})
    grant, conversation_id = await _conversation_with_events(emulator)
    async with open_stream(emulator.http, grant["accessToken"], grant["lastEventId"]) as stream:
        await emulator.admin("POST", f"/conversations/{conversation_id}/messages", {"text": "live"})
        frame = await stream.next()
    assert frame.event == "CONVERSATION_MESSAGE"


async def test_drop_streams_now(emulator: Emulator) -> None:
    grant = await emulator.guest_token()
    async with open_stream(emulator.http, grant["accessToken"], grant["lastEventId"]) as stream:
        await emulator.admin("POST", "/faults/drop-streams")
        assert await stream.closed()


async def test_drop_streams_every_n_seconds(emulator: Emulator) -> None:
    await emulator.admin("POST", "/faults", {"dropStreamsEverySeconds": 0.2})
    grant = await emulator.guest_token()
    async with open_stream(emulator.http, grant["accessToken"], grant["lastEventId"]) as stream:
        assert await stream.closed()


async def test_retry_field_is_sent_when_configured(emulator: Emulator) -> None:
    await emulator.admin("POST", "/faults", {"sseRetryMs": 250})
    grant, _ = await _conversation_with_events(emulator)
    async with open_stream(emulator.http, grant["accessToken"], grant["lastEventId"]) as stream:
        first = await stream.next(skip_pings=False)
        frame = await stream.next()
    assert first.retry == 250
    assert frame.event == "CONVERSATION_ROUTING_RESULT"


async def test_unknown_event_types_can_be_injected(emulator: Emulator) -> None:
    grant, conversation_id = await _conversation_with_events(emulator)
    latest = str((await emulator.admin("GET", "/stats")).json()["lastEventId"])
    async with open_stream(emulator.http, grant["accessToken"], latest) as stream:
        await emulator.admin(
            "POST",
            f"/conversations/{conversation_id}/events",
            {
                "entryType": "QueuePosition",
                "eventName": "CONVERSATION_QUEUE_POSITION",
                "payload": {"position": 2},
            },
        )
        frame = await stream.next()
    assert frame.event == "CONVERSATION_QUEUE_POSITION"
    assert payload_of(frame)["position"] == 2
