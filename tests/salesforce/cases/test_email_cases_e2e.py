"""The Email Cases path end to end, over real sockets: SMTP in, Case in Salesforce, rep reply out by SMTP."""

from __future__ import annotations

from typing import Any

import pytest
from e2e_support import SUPPORT, World, email_cases_world

from baton.services import Services
from baton_support import eventually

pytestmark = pytest.mark.anyio


async def test_handoff_creates_one_case_and_the_reps_reply_reaches_the_customer(
    database_url: str, services: Services
) -> None:
    async with email_cases_world(database_url, services) as world:
        first_id = await world.send_customer_mail(
            "My blender stopped working after a week. I want to talk to a human, please."
        )
        session = await world.session_for_contact("jane@example.com")
        done = await world.wait_handoff_done(session["id"])
        assert done["assignee"] == "human"
        assert "user_requested_human_assistance" in done["handoff"]["reasons"]

        cases = await world.records("Case")
        assert len(cases) == 1
        case = cases[0]
        assert done["salesforce_case_id"] == case["Id"]
        assert case["Case_From__c"] == "opencx"
        assert case["OpenCX_Session_Id__c"] == session["id"]
        assert case["Origin"] == "Email"
        assert case["SuppliedEmail"] == "jane@example.com"
        assert case["Subject"] == "My blender is broken"
        assert case["Description"] == done["handoff"]["summary"]
        assert "Jane Doe" in case["Description"]

        # Mail that arrives after the handoff goes onto the Case, in order, and the AI stays silent.
        await world.send_customer_mail(
            "It makes a burning smell too.", in_reply_to=first_id, subject="Re: My blender is broken"
        )

        async def comments_on_case() -> list[str] | None:
            rows = [c for c in await world.records("CaseComment") if c["ParentId"] == case["Id"]]
            rows.sort(key=lambda c: (c["CreatedDate"], c["Id"]))
            return (
                [c["CommentBody"] for c in rows] if any("burning" in c["CommentBody"] for c in rows) else None
            )

        bodies = await eventually(comments_on_case)
        assert "Customer (Jane Doe): My blender stopped working" in bodies[0]
        assert "burning smell too" in bodies[-1]
        roles = [
            m["role"] for m in (await world.api("GET", f"/api/v1/sessions/{session['id']}/messages")).json()
        ]
        assert roles[-1] == "customer"  # no AI answer after the handoff
        assert all(c["IsPublished"] is False for c in await world.records("CaseComment"))

        events = (await world.api("GET", f"/api/v1/sessions/{session['id']}/events")).json()
        created = [e for e in events if e["type"] == "salesforce.case.created"]
        assert len(created) == 1
        assert created[0]["data"]["api_calls"] == 1  # Case and transcript in one sObject Tree call

        # The rep answers on the Case; the customer receives it, threaded, from the support address.
        await world.rep(
            "comments", case["Id"], body="Please send us a photo of the label.", is_published=True
        )
        mail = await world.sink.wait_for(lambda m: "photo of the label" in m.text, timeout=15)
        assert mail.to == ["jane@example.com"]
        assert SUPPORT in mail.from_header
        assert mail.subject == f"Re: My blender is broken [#{session['ticket_number']}]"
        assert mail.in_reply_to is not None
        assert mail.in_reply_to in (mail.references or [])

        async def agent_message() -> list[dict[str, str]] | None:
            messages = (await world.api("GET", f"/api/v1/sessions/{session['id']}/messages")).json()
            agents = [m for m in messages if m["role"] == "agent"]
            return agents or None

        [agent] = await eventually(agent_message)
        assert agent["author_name"] == "Jane Rep"
        assert agent["text"] == "Please send us a photo of the label."

        # An internal note is stored as such and never mailed.
        await world.rep("comments", case["Id"], body="Customer sounds upset", is_published=False)

        async def note() -> bool:
            messages = (await world.api("GET", f"/api/v1/sessions/{session['id']}/messages")).json()
            return any(m["internal"] and m["text"] == "Customer sounds upset" for m in messages)

        await eventually(note)
        assert not [m for m in world.sink.messages() if "upset" in m.text]

        # Closing the Case closes the session.
        await world.rep("close", case["Id"])

        async def closed() -> bool:
            return (await world.session(session["id"]))["status"] == "closed_resolved"

        await eventually(closed)
        # Baton's own comments were never echoed back as agent messages.
        messages = (await world.api("GET", f"/api/v1/sessions/{session['id']}/messages")).json()
        assert [m["role"] for m in messages].count("agent") == 2


async def _agent_texts(world: World, session_id: str) -> list[str]:
    messages = (await world.api("GET", f"/api/v1/sessions/{session_id}/messages")).json()
    return [m["text"] for m in messages if m["role"] == "agent"]


async def _handed_off_case(
    world: World, text: str, sender: str = "jane@example.com"
) -> tuple[dict[str, Any], str]:
    await world.send_customer_mail(text, sender=sender)
    session = await world.session_for_contact(sender)
    done = await world.wait_handoff_done(session["id"])
    return done, str(done["salesforce_case_id"])


async def test_a_dropped_webhook_is_delivered_by_the_poll_exactly_once(
    database_url: str, services: Services
) -> None:
    async with email_cases_world(database_url, services, salesforce_poll_seconds=0.5) as world:
        session, case_id = await _handed_off_case(world, "I need a person to help me with my invoice.")
        await world.faults(drop_webhook_rate=1.0)
        await world.rep("comments", case_id, body="Your invoice is corrected.", is_published=True)

        async def delivered() -> list[str] | None:
            texts = await _agent_texts(world, session["id"])
            return texts or None

        assert await eventually(delivered) == ["Your invoice is corrected."]
        log = (await world.http.get(f"{world.emulator}/_emulator/webhook-log")).json()
        assert log and all(entry.get("dropped") or entry.get("status") != 200 for entry in log)
        # Several more polls run over the same window: still one message, one mail.
        await world.faults(drop_webhook_rate=0.0)
        await world.rep("comments", case_id, body="Anything else?", is_published=True)
        await world.sink.wait_for(lambda m: "Anything else?" in m.text, timeout=15)
        assert await _agent_texts(world, session["id"]) == ["Your invoice is corrected.", "Anything else?"]
        mails = [m for m in world.sink.messages() if "invoice is corrected" in m.text]
        assert len(mails) == 1


async def test_a_returning_contact_is_appended_to_the_open_case_then_gets_a_new_one_after_close(
    database_url: str, services: Services
) -> None:
    async with email_cases_world(database_url, services) as world:
        first, case_id = await _handed_off_case(world, "Talk to a human about my order #123 please.")
        await world.send_customer_mail(
            "Another question: I want to speak to an agent about shipping.", subject="Shipping question"
        )
        second = await world.session_for_contact("jane@example.com", count=2)
        assert second["id"] != first["id"]
        appended = await world.wait_handoff_done(second["id"])
        assert appended["salesforce_case_id"] == case_id
        assert len(await world.records("Case")) == 1
        comments = [c["CommentBody"] for c in await world.records("CaseComment") if c["ParentId"] == case_id]
        assert any("shipping" in body for body in comments)
        listed = (await world.api("GET", "/api/v1/sessions", params={"salesforce_case_id": case_id})).json()
        assert {s["id"] for s in listed["items"]} == {first["id"], second["id"]}

        # A rep's reply on the shared Case goes to the newest conversation.
        await world.rep("comments", case_id, body="Shipping takes three days.", is_published=True)
        await world.sink.wait_for(lambda m: "three days" in m.text, timeout=15)

        await world.rep("close", case_id)

        async def both_closed() -> bool:
            statuses = [(await world.session(s))["status"] for s in (first["id"], second["id"])]
            return statuses == ["closed_resolved", "closed_resolved"]

        await eventually(both_closed)
        await world.send_customer_mail("Hello again, I need a human for a refund.", subject="Refund")
        third = await world.session_for_contact("jane@example.com", count=3)
        done = await world.wait_handoff_done(third["id"])
        assert done["salesforce_case_id"] != case_id
        assert len(await world.records("Case")) == 2


async def test_an_email_sent_by_the_rep_from_salesforce_is_recorded_not_sent_twice(
    database_url: str, services: Services
) -> None:
    async with email_cases_world(database_url, services) as world:
        session, case_id = await _handed_off_case(world, "I'd like to talk to a real person.")
        await world.rep("emails", case_id, body="Hi Jane, I'm on it.", subject="Re: your request")

        async def recorded() -> list[str] | None:
            return await _agent_texts(world, session["id"]) or None

        assert await eventually(recorded) == ["Hi Jane, I'm on it."]
        sent_by_salesforce = (await world.http.get(f"{world.emulator}/_emulator/sent-emails")).json()
        assert len(sent_by_salesforce) == 1
        assert not [m for m in world.sink.messages() if "I'm on it" in m.text]
