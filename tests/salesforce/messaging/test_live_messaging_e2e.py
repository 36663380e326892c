"""The Live Messaging path end to end over real sockets: Baton on loopback, the emulator with MIAW."""

from __future__ import annotations

import pytest
from live_support import LiveWorld, live_world
from sqlalchemy import select

from baton.services import Services
from baton.store.models import Contact, LiveEvent
from baton_support import eventually

pytestmark = pytest.mark.anyio

ATTRIBUTES = ("OpencxSessionId", "Chat_Consumer_Type", "Origin", "Priority", "Chat_language")


async def _hand_off(world: LiveWorld, channel: str = "web") -> tuple[dict[str, object], dict[str, object]]:
    session = await world.new_session(channel)
    await world.say(session["id"], "Hello there")
    await world.say(session["id"], "I want to talk to a human, please.")
    done = await world.wait_handoff_done(str(session["id"]))
    conversation = await world.conversation(str(done["salesforce_miaw_session_id"]))
    return done, conversation


async def test_a_web_session_reaches_a_rep_and_comes_back_to_the_ai(
    database_url: str, services: Services
) -> None:
    async with live_world(database_url, services) as world:
        done, conversation = await _hand_off(world)
        session_id = str(done["id"])
        assert done["assignee"] == "human"

        # In the queue with all five routing attributes.
        attributes = conversation["routingAttributes"]
        assert set(ATTRIBUTES) <= set(attributes)
        assert attributes["OpencxSessionId"] == session_id
        assert attributes["Chat_Consumer_Type"] == "anonymous"  # not a verified contact
        assert attributes["Origin"] == "Web"
        assert attributes["Priority"]
        assert attributes["Chat_language"]
        assert conversation["status"] == "Waiting"

        # Header first, then the whole transcript in order, labelled by speaker.
        baton_messages = [m for m in await world.messages(session_id) if m["role"] in ("customer", "ai")]
        texts = [e["text"] for e in conversation["transcript"] if e["entryType"] == "Message"]
        assert texts[0].startswith("Handoff from the AI assistant")
        assert f"/ui/sessions/{session_id}" in texts[0]
        assert "Reasons:" in texts[0]
        transcript = texts[1:]
        assert len(transcript) == len(baton_messages)
        for line, message in zip(transcript, baton_messages, strict=True):
            assert line.endswith(message["text"]), (line, message)
        assert "Customer (Jane Doe): Hello there" in transcript[0]
        assert "AI agent" in transcript[1]

        # The rep accepts and replies: an agent message with the rep's name.
        conversation_id = str(done["salesforce_miaw_session_id"])
        await world.rep("accept", conversation_id, displayName="Jane Rep")
        await world.rep("messages", conversation_id, text="Hi, I'm Jane. How can I help?")

        async def agent_message() -> list[dict[str, object]] | None:
            agents = [m for m in await world.messages(session_id) if m["role"] == "agent"]
            return agents or None

        [agent] = await eventually(agent_message)
        assert agent["author_name"] == "Jane Rep"
        assert agent["text"] == "Hi, I'm Jane. How can I help?"
        # The wait estimate reached the customer as a notice, before the rep's message.
        notices = [m["text"] for m in await world.messages(session_id) if m["role"] == "system"]
        assert any("about 2 minutes" in text for text in notices)

        # The customer's next message reaches the rep (as the customer, not as a transcript line).
        await world.say(session_id, "My order number is 12345.")

        async def at_the_rep() -> list[str] | None:
            entries = (await world.conversation(conversation_id))["transcript"]
            found = [
                e["text"]
                for e in entries
                if e["role"] == "EndUser" and e["text"] == "My order number is 12345."
            ]
            return found or None

        assert len(await eventually(at_the_rep)) == 1
        # The AI stayed silent while the rep owned the session.
        roles = [m["role"] for m in await world.messages(session_id)]
        assert roles[-1] in ("customer", "agent")

        # The rep ends the chat: the customer is told, the session goes back to the AI.
        await world.rep("end", conversation_id)

        async def back_to_ai() -> dict[str, object] | None:
            session = await world.session(session_id)
            return session if session["assignee"] == "ai" else None

        back = await eventually(back_to_ai)
        assert back["status"] == "open"
        assert back["handoff"] is None or back["handoff"]["state"] is None
        assert any(
            "ended the chat" in m["text"] for m in await world.messages(session_id) if m["role"] == "system"
        )
        async with services.session_factory() as db:
            kinds = [
                e.type
                for e in (
                    await db.execute(select(LiveEvent).where(LiveEvent.session_id == session_id))
                ).scalars()
            ]
        assert {"wait", "participant", "ended"} <= set(kinds)

        # Asking again starts a new messaging session in the same conversation with the same attributes.
        await world.say(session_id, "Actually I need a person again.")
        again = await world.wait_handoff_done(session_id)
        assert again["salesforce_miaw_session_id"] == conversation_id

        async def new_session() -> dict[str, object] | None:
            current = await world.conversation(conversation_id)
            return current if current["sessionId"] != conversation["sessionId"] else None

        renewed = await eventually(new_session)
        assert renewed["status"] == "Waiting"
        assert renewed["routingAttributes"] == attributes
        await world.rep("accept", conversation_id, displayName="Sam Rep")
        await world.rep("messages", conversation_id, text="Sam here.")

        async def second_rep() -> list[str] | None:
            texts = await world.agent_texts(session_id)
            return texts if "Sam here." in texts else None

        assert await eventually(second_rep) == ["Hi, I'm Jane. How can I help?", "Sam here."]
        # Every entry was delivered exactly once (echoes of our own messages dropped).
        agents = [m for m in await world.messages(session_id) if m["role"] == "agent"]
        assert len({m["text"] for m in agents}) == len(agents) == 2


async def test_a_verified_api_contact_gets_an_authenticated_identity(
    database_url: str, services: Services
) -> None:
    async with live_world(database_url, services) as world:
        saved = (await world.api("GET", "/api/v1/integrations/salesforce/messaging")).json()
        body = {
            k: saved[k]
            for k in ("instance_url", "scrt_url", "org_id", "es_developer_name", "auth_key_id", "issuer")
        }
        response = await world.api(
            "PUT",
            "/api/v1/integrations/salesforce/messaging",
            json={**body, "api_sessions_use_messaging": True},
        )
        assert response.json()["status"] == "connected"
        session = await world.new_session("api", email="ada@example.com", name="Ada")
        async with services.session_factory() as db, db.begin():
            contact = await db.get(Contact, session["contact"]["id"])
            assert contact is not None
            contact.verified = True
        await world.say(session["id"], "I want to talk to a human.")
        done = await world.wait_handoff_done(session["id"])
        assert done["handoff"]["path"] == "messaging"
        conversation = await world.conversation(done["salesforce_miaw_session_id"])
        assert conversation["routingAttributes"]["Chat_Consumer_Type"] == "authenticated"
        assert conversation["routingAttributes"]["Origin"] == "API"
        assert conversation["endUserSubject"] == f"v2/iamessage/AUTH/baton/uid:{session['contact']['id']}"
        token_events = [e for e in await world.events(session["id"]) if e["type"] == "salesforce.miaw.token"]
        assert token_events[0]["data"]["kind"] == "authenticated"


async def test_the_silent_guest_fallback_is_recorded(database_url: str, services: Services) -> None:
    async with live_world(database_url, services) as world:
        session = await world.new_session("web", email="bob@example.com", name="Bob")
        async with services.session_factory() as db, db.begin():
            contact = await db.get(Contact, session["contact"]["id"])
            assert contact is not None
            contact.verified = True
        # The admin registered the keyset with another issuer: Salesforce answers with a guest.
        response = await world.http.post(
            f"{world.emulator}/_emulator/miaw/deployments",
            json={
                "orgId": "00D5g000004ABCDEAA",
                "esDeveloperName": "Baton_Web",
                "keyset": {"name": "baton", "issuer": "https://other.example", "keys": []},
                "estimatedWaitSeconds": 60,
            },
        )
        assert response.status_code == 201, response.text
        await world.say(session["id"], "I want to talk to a human.")
        done = await world.wait_handoff_done(session["id"])
        conversation = await world.conversation(done["salesforce_miaw_session_id"])
        assert conversation["routingAttributes"]["Chat_Consumer_Type"] == "anonymous"
        events = {e["type"]: e["data"] for e in await world.events(session["id"])}
        assert "salesforce.miaw.identity_fallback" in events
        assert events["salesforce.miaw.token"]["requested"] == "authenticated"
        assert events["salesforce.miaw.token"]["kind"] == "unauthenticated"


async def test_the_webhook_nudge_syncs_the_conversation(database_url: str, services: Services) -> None:
    async with live_world(database_url, services) as world:
        done, _ = await _hand_off(world)
        conversation_id = str(done["salesforce_miaw_session_id"])
        await world.rep("accept", conversation_id, displayName="Jane Rep")
        response = await world.api(
            "POST",
            "/webhooks/salesforce/messaging",
            json={"event": "message:new", "session_id": conversation_id},
        )
        assert response.status_code == 202, response.text
        assert response.json()["session_id"] == done["id"]
        unknown = await world.api(
            "POST", "/webhooks/salesforce/messaging", json={"event": "message:new", "session_id": "nope"}
        )
        assert unknown.status_code == 404
        wrong_event = await world.api(
            "POST",
            "/webhooks/salesforce/messaging",
            json={"event": "case:new", "session_id": conversation_id},
        )
        assert wrong_event.status_code == 422
        assert [e["field"] for e in wrong_event.json()["errors"]] == ["event"]
