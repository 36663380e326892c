"""The agent end to end on a real database: answers, presets, data collection, hours, priority, summary."""

import json
from datetime import UTC, datetime
from typing import Any

import httpx2
import pytest
from assistant_support import add_help_centre, contact, create_org, make_turn
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from baton.assistant import Assistant
from baton.assistant.answering import unsupported_sentences
from baton.assistant.providers import ChatMessage, LLMError

pytestmark = pytest.mark.anyio

Factory = async_sessionmaker[AsyncSession]


async def assistant_for(factory: Factory, settings: dict[str, Any] | None = None, **kwargs: Any) -> Assistant:
    org = await create_org(factory, settings=settings)
    await add_help_centre(factory, org)
    return Assistant(factory, **kwargs)


async def test_answers_are_quoted_from_cited_passages(session_factory: Factory) -> None:
    assistant = await assistant_for(session_factory)
    result = await assistant.respond(make_turn("How long does express delivery take?"))
    assert result.decision == "answer" and result.reasons == []
    assert "Express delivery takes 1 to 2 business days" in (result.reply or "")
    assert [c.heading for c in result.citations] == ["Shipping"]
    assert result.confidence >= 0.6
    body = (result.reply or "").rsplit("\n\nSource:", 1)[0]
    passages = [p["heading"] for p in result.debug["passages"]]
    assert passages[0] == "Shipping" and result.debug["decision"] == "answer"
    assert unsupported_sentences(body, [result.citations[0].heading + "\n" + body]) == []
    assert "latency_ms" in result.debug


async def test_unknown_questions_hand_off_for_insufficient_knowledge(session_factory: Factory) -> None:
    assistant = await assistant_for(session_factory)
    result = await assistant.respond(make_turn("Can I pay with bitcoin?"))
    assert result.decision == "handoff"
    assert result.reasons == ["insufficient_knowledge"]
    assert result.citations == []


async def test_small_talk_never_hands_off(session_factory: Factory) -> None:
    assistant = await assistant_for(session_factory)
    for message, reply in [
        ("hi", "Hello!"),
        ("¡gracias!", "¡De nada!"),
        ("are you a bot?", "virtual assistant"),
    ]:
        result = await assistant.respond(make_turn(message))
        assert result.decision == "smalltalk" and reply in (result.reply or "")


async def test_quick_preset_hands_off_at_once_in_the_customer_language(session_factory: Factory) -> None:
    assistant = await assistant_for(session_factory)
    result = await assistant.respond(make_turn("Quiero hablar con una persona"))
    assert result.decision == "handoff"
    assert result.reasons == ["user_requested_human_assistance"]
    assert result.language == "es"
    assert result.reply is not None and result.reply.startswith("Estoy pasando tu conversación")
    assert "hablar con una persona" in result.reasoning


async def test_ai_only_declines_requests_for_a_person_and_prohibited_topics(session_factory: Factory) -> None:
    settings = {"handoff": {"preset": 0, "prohibited_topics": ["legal action"]}}
    assistant = await assistant_for(session_factory, settings)
    for message in [
        "I want to talk to a human",
        "My lawyer will sue you",
        "THIS IS RIDICULOUS!!!",
        "bitcoin?",
    ]:
        result = await assistant.respond(make_turn(message))
        assert result.decision != "handoff", message
        assert result.reasons == []


async def test_ai_first_tries_once_then_hands_off_on_the_second_request(session_factory: Factory) -> None:
    assistant = await assistant_for(session_factory, {"handoff": {"preset": 3}})
    first = await assistant.respond(make_turn("agent please"))
    assert first.decision == "ask"
    second = await assistant.respond(
        make_turn("I said I want a human", history=[("customer", "agent please"), ("ai", first.reply or "")])
    )
    assert second.decision == "ask"  # Balanced/AI-first gather a description of the problem first
    third = await assistant.respond(
        make_turn(
            "my battery won't charge", collected=second.collected, history=[("customer", "agent please")]
        )
    )
    assert third.decision == "handoff"
    assert third.reasons == ["user_requested_human_assistance"]
    assert third.collected["problem"] == "my battery won't charge"


async def test_ai_first_answers_a_question_that_comes_with_a_first_request(session_factory: Factory) -> None:
    assistant = await assistant_for(session_factory, {"handoff": {"preset": 3}})
    result = await assistant.respond(make_turn("Can I talk to a human? How long does express delivery take?"))
    assert result.decision == "answer"


async def test_prohibited_topics_hand_off_without_collecting_data(session_factory: Factory) -> None:
    settings = {
        "handoff": {
            "prohibited_topics": ["Legal action or lawsuits"],
            "data_collection": [{"field": "order_number", "required": True}],
        }
    }
    assistant = await assistant_for(session_factory, settings)
    result = await assistant.respond(make_turn("Voy a poner una demanda contra ustedes"))
    assert result.decision == "handoff" and result.reasons == ["prohibited_topic"]
    assert "Legal action or lawsuits" in result.reasoning


async def test_data_is_collected_once_then_the_handoff_proceeds(session_factory: Factory) -> None:
    settings = {
        "handoff": {
            "data_collection": [
                {"field": "order_number", "required": True},
                {"field": "email", "required": True},
            ]
        }
    }
    assistant = await assistant_for(session_factory, settings)
    asked = await assistant.respond(make_turn("Je veux parler à un conseiller", who=contact(email=None)))
    assert asked.decision == "ask"
    assert asked.reply == (
        "Avant de vous mettre en relation avec notre équipe, "
        "pouvez-vous m'indiquer votre numéro de commande et adresse e-mail ?"
    )
    done = await assistant.respond(
        make_turn(
            "C'est la commande KB-20931, jean@exemple.fr",
            collected=asked.collected,
            language="fr",
            who=contact(email=None),
        )
    )
    assert done.decision == "handoff" and done.reasons == ["user_requested_human_assistance"]
    assert done.collected["order_number"] == "KB-20931"
    assert done.collected["email"] == "jean@exemple.fr"


async def test_an_angry_customer_is_never_held_up_by_data_collection(session_factory: Factory) -> None:
    settings = {"handoff": {"data_collection": [{"field": "order_number", "required": True}]}}
    assistant = await assistant_for(session_factory, settings)
    result = await assistant.respond(make_turn("GET ME A HUMAN NOW, THIS IS UNACCEPTABLE"))
    assert result.decision == "handoff"
    assert set(result.reasons) == {"user_requested_human_assistance", "customer_frustrated"}
    assert result.sentiment == "angry" and result.priority == "High"


async def test_advanced_toggles_switch_triggers_off(session_factory: Factory) -> None:
    settings = {
        "handoff": {"mode": "advanced", "advanced": {"on_frustration": False, "on_low_confidence": False}}
    }
    assistant = await assistant_for(session_factory, settings)
    angry = await assistant.respond(make_turn("This is ridiculous, how long does express delivery take?!"))
    assert angry.decision == "answer" and angry.sentiment == "angry"
    unknown = await assistant.respond(make_turn("Can I pay with bitcoin?"))
    assert unknown.decision == "decline"
    request = await assistant.respond(make_turn("talk to a human"))
    assert request.decision == "handoff"


async def test_a_repeated_question_is_unproductive(session_factory: Factory) -> None:
    assistant = await assistant_for(session_factory, {"handoff": {"preset": 2}})
    history = [
        ("customer", "why is my battery charge dropping so fast in winter"),
        ("ai", "Charge the battery at room temperature and never leave it below 10 percent charge."),
    ]
    result = await assistant.respond(
        make_turn("why is my battery charge dropping so fast in winter??", history=history)
    )
    assert result.decision == "handoff" and "unproductive_conversation" in result.reasons


async def test_out_of_hours_wording_depends_on_the_channel(session_factory: Factory) -> None:
    hours = {"timezone": "Europe/Paris", "weekly": {"mon": [["09:00", "17:00"]]}}
    assistant = await assistant_for(session_factory, {"handoff": {"office_hours": hours}})
    saturday = datetime(2025, 6, 7, 12, 0, tzinfo=UTC)
    email = await assistant.respond(make_turn("talk to a human", channel="email", now=saturday))
    assert email.office_hours is not None and not email.office_hours.open
    assert email.office_hours.next_opening == datetime(2025, 6, 9, 7, 0, tzinfo=UTC)
    assert "reply by email after we open on Monday 2025-06-09 09:00 (Europe/Paris)" in (email.reply or "")
    chat = await assistant.respond(make_turn("talk to a human", channel="web", now=saturday))
    assert "leave a message" in (chat.reply or "") and "wait here" in (chat.reply or "")
    phone = await assistant.respond(make_turn("talk to a human", channel="phone", now=saturday))
    assert phone.office_hours is None


async def test_priority_rules_use_contact_data_keywords_and_channel(session_factory: Factory) -> None:
    rules = [
        {"priority": "Urgent", "channel": "whatsapp"},
        {"priority": "High", "contact_data": {"tier": "gold"}},
    ]
    assistant = await assistant_for(
        session_factory, {"handoff": {"priority_rules": rules, "default_priority": "Low"}}
    )
    assert (await assistant.respond(make_turn("agent", channel="whatsapp"))).priority == "Urgent"
    assert (
        await assistant.respond(make_turn("agent", who=contact(data={"tier": "Gold"})))
    ).priority == "High"
    assert (await assistant.respond(make_turn("agent"))).priority == "Low"


async def test_the_summary_tells_the_rep_who_what_and_why(session_factory: Factory) -> None:
    settings = {"handoff": {"data_collection": [{"field": "order_number", "required": True}]}}
    assistant = await assistant_for(session_factory, settings)
    history = [
        ("customer", "How long does express delivery take?"),
        ("ai", "Express delivery takes 1 to 2 business days and costs 15 EUR.\n\nSource: Shipping"),
        ("customer", "agent please"),
        ("ai", "Before I pass you to our team, could you share your order number?"),
    ]
    turn = make_turn(
        "it's order 558812",
        history=history,
        collected={"_pending_handoff": "user_requested_human_assistance", "_asked": "order_number"},
        who=contact(data={"vip": True}),
    )
    result = await assistant.respond(turn)
    summary = await assistant.summarize(turn, result)
    assert "Customer: Jane Doe, jane@example.com, verified (vip=True)" in summary
    assert "Wants: How long does express delivery take?" in summary
    assert (
        "AI tried: Express delivery takes 1 to 2 business days" in summary and "sources: Shipping" in summary
    )
    assert "Handed off because: the customer asked for a person" in summary
    assert "Collected: order_number=558812" in summary
    assert "_pending" not in summary and len(summary) <= 32_000


async def test_the_summary_follows_the_org_language_when_configured(session_factory: Factory) -> None:
    assistant = await assistant_for(
        session_factory, {"assistant": {"summary_language": "org", "language": "de"}}
    )
    turn = make_turn("I want to talk to a human about my warranty claim")
    summary = await assistant.summarize(turn, await assistant.respond(turn))
    assert summary.startswith("Kunde: Jane Doe") and "Übergeben, weil" in summary


def llm_reply(answer: str) -> str:
    return json.dumps(
        {
            "answerable": True,
            "answer": answer,
            "citations": [1],
            "handoff_reason": None,
            "reasoning": "shipping",
        }
    )


class ScriptedLLM:
    """An LLM at the boundary we do not run: returns canned completions and records prompts."""

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.prompts: list[list[ChatMessage]] = []

    async def complete(self, messages: list[ChatMessage], *, max_tokens: int, temperature: float) -> str:
        self.prompts.append(messages)
        reply = self.replies.pop(0)
        if reply == "error":
            raise LLMError("down")
        return reply


async def test_an_llm_answer_is_used_when_its_citations_support_it(session_factory: Factory) -> None:
    llm = ScriptedLLM(llm_reply("Express delivery takes 1 to 2 business days."))
    assistant = await assistant_for(session_factory, {"assistant": {"instructions": "Be brief."}}, llm=llm)
    result = await assistant.respond(make_turn("How fast is express delivery?"))
    assert result.decision == "answer"
    assert result.reply == "Express delivery takes 1 to 2 business days.\n\nSource: Shipping"
    system = llm.prompts[0][0].content
    assert "Be brief." in system and "ONLY with facts stated in the numbered passages" in system


async def test_an_llm_answer_beyond_its_passages_is_replaced_by_the_quoted_one(
    session_factory: Factory,
) -> None:
    invented = llm_reply("Express shipping is free for members and arrives tomorrow by drone.")
    assistant = await assistant_for(session_factory, llm=ScriptedLLM(invented, "error"))
    result = await assistant.respond(make_turn("How fast is express delivery?"))
    assert result.decision == "answer" and "drone" not in (result.reply or "")
    assert "not supported" in result.debug["llm"]
    fallback = await assistant.respond(make_turn("How fast is express delivery?"))
    assert fallback.decision == "answer" and fallback.debug["llm"].startswith("LLM unavailable")


async def test_tools_are_called_and_recorded(session_factory: Factory) -> None:
    def orders(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("/404"):
            return httpx2.Response(404, json={"error": "not found"})
        return httpx2.Response(200, json={"status": "shipped", "carrier": "DHL"})

    tool = {
        "name": "order_lookup",
        "url": "https://shop.example/orders/{order_number}",
        "triggers": ["order", "pedido"],
        "parameters": {"order_number": {"pattern": r"\b(\d{3,})\b"}},
        "answer_template": "Order {order_number} is {status} with {carrier}.",
    }
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(orders)) as http:
        assistant = await assistant_for(session_factory, {"assistant": {"tools": [tool]}}, http_client=http)
        result = await assistant.respond(make_turn("where is my order 12345?"))
        assert result.reply == "Order 12345 is shipped with DHL."
        [call] = result.debug["tool_calls"]
        assert call["name"] == "order_lookup" and call["input"] == {"order_number": "12345"}
        assert call["output"] == {"status": "shipped", "carrier": "DHL"} and call["duration_ms"] >= 0
        failed = await assistant.respond(make_turn("where is my order 404?"))
        assert failed.decision == "handoff" and failed.reasons == ["insufficient_tools"]
