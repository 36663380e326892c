"""Conversations, messages, entries, typing, files, close and end session."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from miaw_emulator_helpers import DEPLOYMENT, Emulator, new_conversation_id, text_message

pytestmark = pytest.mark.anyio

BASE = "/iamessage/api/v2/conversation"
ROUTING = {"OpencxSessionId": "sess-1", "Chat_Consumer_Type": "Anonymous", "Origin": "Web"}


class Customer:
    def __init__(self, emulator: Emulator, token: str) -> None:
        self.emulator = emulator
        self.headers = {"Authorization": f"Bearer {token}"}

    async def create(self, conversation_id: str, routing: dict[str, str] | None = None) -> int:
        body: dict[str, Any] = {"conversationId": conversation_id, "esDeveloperName": DEPLOYMENT}
        if routing is not None:
            body["routingAttributes"] = routing
        response = await self.emulator.http.post(BASE, json=body, headers=self.headers)
        return response.status_code

    async def send(self, conversation_id: str, text: str, **extra: Any) -> Any:
        return await self.emulator.http.post(
            f"{BASE}/{conversation_id}/message", json=text_message(text, **extra), headers=self.headers
        )

    async def entries(self, conversation_id: str, **params: Any) -> Any:
        return await self.emulator.http.get(
            f"{BASE}/{conversation_id}/entries", params=params, headers=self.headers
        )


@pytest.fixture
async def customer(emulator: Emulator) -> Customer:
    return Customer(emulator, (await emulator.guest_token())["accessToken"])


async def test_create_requires_lowercase_uuid_v4(customer: Customer) -> None:
    for bad in [str(uuid.uuid4()).upper(), str(uuid.uuid1()), "not-a-uuid"]:
        response = await customer.emulator.http.post(
            BASE, json={"conversationId": bad, "esDeveloperName": DEPLOYMENT}, headers=customer.headers
        )
        assert response.status_code == 400
        assert response.json() == {"message": "Specify the conversationId in UUID format."}


async def test_create_rejects_duplicates_and_unknown_fields(customer: Customer) -> None:
    conversation_id = new_conversation_id()
    assert await customer.create(conversation_id) == 201
    assert await customer.create(conversation_id) == 409
    response = await customer.emulator.http.post(
        BASE,
        json={"conversationId": new_conversation_id(), "esDeveloperName": DEPLOYMENT, "capabilities": []},
        headers=customer.headers,
    )
    assert response.status_code == 400


async def test_create_requires_bearer_and_string_routing_values(customer: Customer) -> None:
    body = {"conversationId": new_conversation_id(), "esDeveloperName": DEPLOYMENT}
    assert (await customer.emulator.http.post(BASE, json=body)).status_code == 401
    body["routingAttributes"] = {"Priority": 3}
    assert (await customer.emulator.http.post(BASE, json=body, headers=customer.headers)).status_code == 400


async def test_routing_attributes_reach_the_rep_queue(customer: Customer) -> None:
    conversation_id = new_conversation_id()
    assert await customer.create(conversation_id, ROUTING) == 201
    queue = (await customer.emulator.admin("GET", "/queue?status=Waiting")).json()["conversations"]
    assert [c["conversationId"] for c in queue] == [conversation_id]
    assert queue[0]["routingAttributes"] == ROUTING
    assert queue[0]["transcript"][0]["entryType"] == "RoutingResult"


async def test_list_conversations(customer: Customer) -> None:
    first, second = new_conversation_id(), new_conversation_id()
    await customer.create(first)
    await customer.create(second)
    await customer.emulator.http.delete(
        f"{BASE}/{first}", params={"esDeveloperName": DEPLOYMENT}, headers=customer.headers
    )
    listed = (await customer.emulator.http.get(f"{BASE}/list", headers=customer.headers)).json()
    assert listed["openConversationsFound"] == 1
    assert [c["conversationId"] for c in listed["conversations"]] == [second]
    everything = await customer.emulator.http.get(
        f"{BASE}/list", params={"inclClosedConvs": "true"}, headers=customer.headers
    )
    assert everything.json()["closedConversationsFound"] == 1


async def test_other_subjects_cannot_see_a_conversation(emulator: Emulator, customer: Customer) -> None:
    conversation_id = new_conversation_id()
    await customer.create(conversation_id)
    stranger = Customer(emulator, (await emulator.guest_token())["accessToken"])
    assert (await stranger.send(conversation_id, "hi")).status_code == 404


async def test_send_message_answers_202_with_the_entry(customer: Customer) -> None:
    conversation_id = new_conversation_id()
    await customer.create(conversation_id)
    message_id = str(uuid.uuid4())
    response = await customer.send(conversation_id, "Hello", message_id=message_id)
    assert response.status_code == 202
    [created] = response.json()["conversationEntries"]
    assert created["id"] == message_id
    assert isinstance(created["clientTimestamp"], int)
    assert (await customer.send(conversation_id, "again", message_id=message_id)).status_code == 409


@pytest.mark.parametrize(
    "mutate",
    [
        lambda m: m["message"].update(messageType="ChoicesMessage"),
        lambda m: m["message"]["staticContent"].update(formatType="RichLink"),
        lambda m: m["message"]["staticContent"].update(text=""),
        lambda m: m["message"].update(id="123"),
        lambda m: m.pop("esDeveloperName"),
        lambda m: m.update(isNewMessagingSession="yes"),
    ],
)
async def test_send_message_validation(customer: Customer, mutate: Any) -> None:
    conversation_id = new_conversation_id()
    await customer.create(conversation_id)
    body = text_message("hi")
    mutate(body)
    response = await customer.emulator.http.post(
        f"{BASE}/{conversation_id}/message", json=body, headers=customer.headers
    )
    assert response.status_code == 400


async def test_417_after_the_rep_ends_and_new_session_recovers(customer: Customer) -> None:
    conversation_id = new_conversation_id()
    await customer.create(conversation_id, ROUTING)
    await customer.emulator.admin("POST", f"/conversations/{conversation_id}/accept", {"displayName": "Jane"})
    await customer.emulator.admin("POST", f"/conversations/{conversation_id}/end")
    response = await customer.send(conversation_id, "still there?")
    assert response.status_code == 417
    assert response.json()["message"]
    again = await customer.send(
        conversation_id,
        "still there?",
        isNewMessagingSession=True,
        routingAttributes={"OpencxSessionId": "s2"},
    )
    assert again.status_code == 202
    detail = (await customer.emulator.admin("GET", f"/conversations/{conversation_id}")).json()
    assert detail["status"] == "Waiting"
    assert detail["routingAttributes"] == {"OpencxSessionId": "s2"}


async def test_entries_payload_is_an_object_and_paging_params(customer: Customer) -> None:
    conversation_id = new_conversation_id()
    await customer.create(conversation_id)
    for n in range(3):
        await customer.send(conversation_id, f"m{n}")
    entries = (await customer.entries(conversation_id, direction="FromStart", limit=50)).json()[
        "conversationEntries"
    ]
    assert [e["entryType"] for e in entries] == ["RoutingResult", "Message", "Message", "Message"]
    assert isinstance(entries[1]["entryPayload"], dict)
    assert entries[1]["entryPayload"]["abstractMessage"]["staticContent"]["text"] == "m0"
    assert entries[1]["sender"]["role"] == "EndUser"
    stamps = [e["transcriptedTimestamp"] for e in entries]
    assert stamps == sorted(set(stamps))

    newest = (await customer.entries(conversation_id, direction="FromEnd", limit=1)).json()[
        "conversationEntries"
    ]
    assert newest[0]["entryPayload"]["abstractMessage"]["staticContent"]["text"] == "m2"
    only_messages = await customer.entries(conversation_id, direction="FromStart", entryTypeFilter="Message")
    assert {e["entryType"] for e in only_messages.json()["conversationEntries"]} == {"Message"}
    later = await customer.entries(conversation_id, direction="FromStart", startTimestamp=stamps[2])
    assert [e["transcriptedTimestamp"] for e in later.json()["conversationEntries"]] == stamps[2:]
    before = await customer.entries(conversation_id, direction="FromStart", endTimestamp=stamps[1])
    assert len(before.json()["conversationEntries"]) == 2
    assert (await customer.entries(conversation_id, limit=51)).status_code == 400
    assert (await customer.entries(conversation_id, direction="Sideways")).status_code == 400


async def test_typing_entries(customer: Customer) -> None:
    conversation_id = new_conversation_id()
    await customer.create(conversation_id)
    url = f"{BASE}/{conversation_id}/entry"
    body = {"entryType": "TypingStartedIndicator", "id": str(uuid.uuid4())}
    assert (await customer.emulator.http.post(url, json=body, headers=customer.headers)).status_code == 202
    detail = (await customer.emulator.admin("GET", f"/conversations/{conversation_id}")).json()
    assert detail["customerTyping"] is True
    bad = {"entryType": "Typing", "id": str(uuid.uuid4())}
    assert (await customer.emulator.http.post(url, json=bad, headers=customer.headers)).status_code == 400


async def test_file_upload_and_size_limit(customer: Customer) -> None:
    conversation_id = new_conversation_id()
    await customer.create(conversation_id)
    entry = {
        "esDeveloperName": DEPLOYMENT,
        "message": {"id": str(uuid.uuid4()), "fileId": str(uuid.uuid4()), "text": "receipt"},
    }
    files = {
        "messageEntry": (None, json.dumps(entry), "application/json"),
        "fileData": ("receipt.pdf", b"%PDF-1.4 tiny", "application/pdf"),
    }
    url = f"{BASE}/{conversation_id}/file"
    response = await customer.emulator.http.post(url, files=files, headers=customer.headers)
    assert response.status_code == 202, response.text
    assert response.json()["conversationEntries"][0]["id"] == entry["message"]["id"]
    detail = (await customer.emulator.admin("GET", f"/conversations/{conversation_id}")).json()
    assert "receipt.pdf" in detail["transcript"][-1]["text"]

    big_entry = {**entry, "message": {**entry["message"], "id": str(uuid.uuid4())}}
    big = {
        "messageEntry": (None, json.dumps(big_entry), "application/json"),
        "fileData": ("big.bin", b"x" * (5 * 1024 * 1024 + 1), "application/octet-stream"),
    }
    assert (await customer.emulator.http.post(url, files=big, headers=customer.headers)).status_code == 413


async def test_close_and_end_session(customer: Customer) -> None:
    conversation_id = new_conversation_id()
    await customer.create(conversation_id)
    http = customer.emulator.http
    assert (
        await http.delete(f"{BASE}/{conversation_id}/session", headers=customer.headers)
    ).status_code == 400
    params = {"esDeveloperName": DEPLOYMENT}
    response = await http.delete(f"{BASE}/{conversation_id}/session", params=params, headers=customer.headers)
    assert response.status_code == 204
    assert (await customer.send(conversation_id, "hello?")).status_code == 417
    assert (
        await http.delete(f"{BASE}/{conversation_id}", params=params, headers=customer.headers)
    ).status_code == 204
    closed = await customer.send(conversation_id, "hello?", isNewMessagingSession=True)
    assert closed.status_code == 400


async def test_unknown_route_has_a_json_error(customer: Customer) -> None:
    response = await customer.emulator.http.post(
        f"{BASE}/{new_conversation_id()}/close", headers=customer.headers
    )
    assert response.status_code in (404, 405)
    assert "message" in response.json()


async def test_console_page_has_stable_ids(emulator: Emulator) -> None:
    page = (await emulator.http.get("/miaw-console")).text
    for element_id in [
        "miaw-queue",
        "miaw-accept",
        "miaw-transcript",
        "miaw-reply-text",
        "miaw-reply-send",
        "miaw-typing-start",
        "miaw-end-chat",
        "miaw-routing-attributes",
    ]:
        assert f'id="{element_id}"' in page
