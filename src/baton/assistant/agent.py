"""The AI agent: one customer turn in, an answer or a handoff decision out.

Order of checks, and why:
1. A handoff waiting for data collection completes first (the customer was asked once).
2. Prohibited topics and the org's handoff instructions: the AI must not answer those at all.
3. An explicit request for a person, handled as the policy says (at once, on the second
   ask, or declined politely when there is no human team).
4. Small talk gets a courtesy and never a handoff.
5. Frustration and a stuck conversation.
6. Tools, then retrieval: an answer grounded in cited passages, or "insufficient knowledge".
Every handoff carries all the reasons that fired, in words the rep can read.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx2
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from baton.assistant.answering import extractive_answer
from baton.assistant.collection import ASKED_KEY, PENDING_KEY, extract_fields, fields_to_ask
from baton.assistant.conversation import TurnContext, read_turn
from baton.assistant.human_request import count_human_requests, detect_human_request, without_person_mentions
from baton.assistant.knowledge.index import IndexCache, KnowledgeIndex, Passage
from baton.assistant.language import detect_language
from baton.assistant.llm_answer import llm_answer
from baton.assistant.office_hours import (
    CHANNELS_WITHOUT_OFFICE_HOURS,
    describe_opening,
    office_hours_state,
)
from baton.assistant.phrases import field_label, join_words, phrase
from baton.assistant.policy import (
    is_dissatisfied,
    policy_label,
    repeats_earlier_question,
    resolve_policy,
    trailing_failed_ai_replies,
)
from baton.assistant.priority import decide_priority
from baton.assistant.providers.base import LLMProvider
from baton.assistant.sentiment import strip_emotion
from baton.assistant.settings import load_assistant_settings, load_handoff_settings
from baton.assistant.smalltalk import REPLY_PHRASE, detect_small_talk
from baton.assistant.summary import summarize_turn
from baton.assistant.text import content_tokens
from baton.assistant.tools import ToolCall, call_tool, select_tools
from baton.assistant.topics import match_topics
from baton.assistant.turn import Citation, Decision, TurnInput, TurnResult
from baton.store.models.core import Organization

SessionFactory = Callable[[], AbstractAsyncContextManager[AsyncSession]]
LLMResolver = Callable[[str], Awaitable[LLMProvider | None]]

REASON_WORDS = {
    "user_requested_human_assistance": "the customer asked for a person",
    "prohibited_topic": "the conversation is about a topic the AI must not handle",
    "insufficient_knowledge": "the help centre does not answer the question",
    "insufficient_tools": "a lookup the answer needed failed",
    "instructions_not_clear": "the instructions do not say how to handle this",
    "based_on_instructions": "the organization's instructions say a person handles this",
    "customer_frustrated": "the customer is frustrated",
    "unproductive_conversation": "the conversation is not making progress",
}


def best_query(index: KnowledgeIndex, message: str) -> tuple[str, list[Passage]]:
    """Search the whole message and each of its questions; keep the search that covers best.

    Customers often give context before the question ("The colour looks different. How do I
    start a return?"); the context's words are not in the help centre and would dilute it.
    """
    candidates = [message]
    sentences = [part.strip() for part in re.split(r"(?<=[.!?¿¡؟])\s+", message) if part.strip()]
    if len(sentences) > 1:
        candidates += [sentence for sentence in sentences if "?" in sentence or "؟" in sentence]
    best: tuple[str, list[Passage]] = (message, [])
    for candidate in candidates:
        passages = index.search(candidate, k=5)
        if passages and (not best[1] or passages[0].coverage > best[1][0].coverage):
            best = (candidate, passages)
    return best


class Assistant:
    """One per process: reads org settings per turn and caches each org's retrieval index."""

    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        llm: LLMProvider | None = None,
        llm_resolver: LLMResolver | None = None,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        """``llm`` serves every org; otherwise ``llm_resolver(org_id)`` may build the org's own
        provider (the caller holds the secret key). ``http_client`` is used for org tools."""
        self._session_factory = session_factory
        self._llm = llm
        self._llm_resolver = llm_resolver
        self._http = http_client
        self.indexes = IndexCache(session_factory)

    async def _org_settings(self, org_id: str) -> dict[str, Any]:
        async with self._session_factory() as db:
            settings = await db.scalar(select(Organization.settings).where(Organization.id == org_id))
        return settings if isinstance(settings, dict) else {}

    async def _provider(self, org_id: str) -> LLMProvider | None:
        if self._llm is not None:
            return self._llm
        if self._llm_resolver is not None:
            return await self._llm_resolver(org_id)
        return None

    async def _context(self, turn: TurnInput) -> TurnContext:
        document = await self._org_settings(turn.org_id)
        handoff = load_handoff_settings(document.get("handoff"))
        assistant, problem = load_assistant_settings(document.get("assistant"))
        context = read_turn(turn, handoff, assistant, resolve_policy(handoff))
        context.debug.update(
            {
                "query": turn.message,
                "policy": policy_label(handoff),
                "sentiment_signals": list(context.sentiment.signals),
                "passages": [],
                "tool_calls": [],
            }
        )
        if problem:
            context.debug["assistant_settings_problem"] = problem[:500]
        return context

    async def respond(self, turn: TurnInput) -> TurnResult:
        started = time.perf_counter()
        context = await self._context(turn)
        result = await self._decide(context)
        result.debug["decision"] = result.decision
        result.debug["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
        return result

    async def summarize(self, turn: TurnInput, result: TurnResult) -> str:
        """The rep's ten-second summary (≤ 32,000 characters)."""
        document = await self._org_settings(turn.org_id)
        assistant, _ = load_assistant_settings(document.get("assistant"))
        return await summarize_turn(turn, result, assistant, await self._provider(turn.org_id))

    # --- the decision ---------------------------------------------------------------------------

    async def _decide(self, context: TurnContext) -> TurnResult:
        turn, policy = context.turn, context.policy
        if PENDING_KEY in context.collected:
            return self._complete_collection(context)

        reasons: list[str] = []
        topics = match_topics(turn.message, context.handoff.prohibited_topics)
        if topics:
            context.debug["prohibited_topics"] = [match.topic for match in topics]
            described = "; ".join(f"“{match.topic}” (matched “{match.evidence}”)" for match in topics)
            if not policy.handoff_enabled:
                context.notes.append(f"Prohibited topic {described}; handoff is off, so declined.")
                return self._reply(context, "decline", phrase("decline_topic", context.language))
            reasons.append("prohibited_topic")
            context.notes.append(f"Prohibited topic {described}.")

        if policy.handoff_enabled:
            for match in match_topics(turn.message, context.assistant.handoff_instructions):
                if "based_on_instructions" not in reasons:
                    reasons.append("based_on_instructions")
                context.notes.append(
                    f"Instructions hand off when “{match.topic}” (matched “{match.evidence}”)."
                )

        request = detect_human_request(turn.message)
        try_first = False
        if request is not None:
            context.debug["human_request"] = request.evidence
            if policy.human_request == "immediate":
                reasons.append("user_requested_human_assistance")
                context.notes.append(f"The customer asked for a person (“{request.evidence}”).")
            elif policy.human_request == "repeated":
                if count_human_requests(context.customer_messages) >= 1:
                    reasons.append("user_requested_human_assistance")
                    context.notes.append(f"The customer asked for a person again (“{request.evidence}”).")
                else:
                    try_first = True
                    context.notes.append(
                        "The customer asked for a person; AI-first tries once before handing off."
                    )
            elif not reasons:
                context.notes.append(
                    "The customer asked for a person; this channel has no handoff, declined politely."
                )
                return self._reply(context, "decline", phrase("decline_human", context.language))

        if not reasons and request is None:
            small = detect_small_talk(turn.message)
            if small is not None:
                context.notes.append(f"Small talk ({small.kind}).")
                return self._reply(context, "smalltalk", phrase(REPLY_PHRASE[small.kind], context.language))

        self._check_frustration(context, reasons)
        self._check_progress(context, reasons)
        if reasons:
            return self._handoff_or_collect(context, reasons)

        query = strip_emotion(turn.message) if context.sentiment.anger else turn.message
        # Search for what the customer needs, not for the words about talking to a person.
        query = without_person_mentions(query) or query
        if try_first and len(content_tokens(query)) < 2:
            return self._reply(context, "ask", phrase("try_first", context.language))
        return await self._answer(context, query)

    def _check_frustration(self, context: TurnContext, reasons: list[str]) -> None:
        reading, mode = context.sentiment, context.policy.frustration
        if reading.label != "angry" or mode == "off":
            return
        fires = (
            mode == "any"
            or (mode == "strong" and reading.anger >= 3)
            or (
                mode == "after_attempts"
                and context.real_answers >= context.policy.attempts_before_frustration
            )
        )
        if fires:
            reasons.append("customer_frustrated")
            context.notes.append(f"The customer is frustrated ({'; '.join(reading.signals)}).")

    def _check_progress(self, context: TurnContext, reasons: list[str]) -> None:
        threshold = context.policy.unproductive_after
        if threshold is None:
            return
        failed = trailing_failed_ai_replies(context.ai_messages)
        repeated = repeats_earlier_question(context.turn.message, context.customer_messages)
        dissatisfied = is_dissatisfied(context.turn.message)
        # Balanced and AI-first want a real attempt before calling a repeat "unproductive".
        attempts_needed = {2: 0, 3: 1, 4: 2}.get(threshold, 0)
        if failed >= threshold:
            why = f"{failed} replies in a row did not help"
        elif (repeated or dissatisfied) and (context.real_answers + failed) >= attempts_needed:
            why = (
                "the customer repeated the question"
                if repeated
                else "the customer says the answers do not help"
            )
        else:
            return
        reasons.append("unproductive_conversation")
        context.notes.append(f"The conversation is not progressing: {why}.")

    # --- answering ------------------------------------------------------------------------------

    async def _answer(self, context: TurnContext, query: str) -> TurnResult:
        turn, policy = context.turn, context.policy
        tool_answers, failed_tools = await self._run_tools(context)
        if tool_answers:
            context.notes.append(
                "Answered from a tool lookup: " + ", ".join(call.name for call in tool_answers) + "."
            )
            reply = "\n\n".join(call.answer for call in tool_answers if call.answer)
            return self._reply(context, "answer", reply, confidence=1.0)
        if failed_tools and policy.handoff_enabled and policy.low_confidence_after is not None:
            context.notes.append(
                "A lookup failed: " + ", ".join(f"{c.name} ({c.error})" for c in failed_tools) + "."
            )
            return self._handoff_or_collect(context, ["insufficient_tools"])

        index = await self.indexes.get(turn.org_id)
        query, passages = best_query(index, query)
        context.debug["query"] = query
        context.debug["passages"] = [
            {
                "source": p.source,
                "heading": p.heading,
                "chunk_id": p.chunk_id,
                "score": round(p.score, 3),
                "coverage": p.coverage,
            }
            for p in passages
        ]
        confidence = passages[0].coverage if passages else 0.0
        threshold = context.assistant.min_confidence

        provider = await self._provider(turn.org_id) if passages and confidence >= threshold / 2 else None
        if provider is not None:
            llm_result = await self._llm_answer(context, provider, passages)
            if llm_result is not None:
                return llm_result

        extracted = extractive_answer(query, passages, min_confidence=threshold, idf=index.idf)
        if extracted is not None:
            cited = extracted.passages
            where = "; ".join(
                f"“{p.heading or p.source}” ({p.source}, coverage {p.coverage:.2f})" for p in cited
            )
            context.notes.append(f"Answered by quoting {where}.")
            reply = self._with_sources(extracted.body, cited, context.language)
            return self._reply(context, "answer", reply, confidence=confidence, citations=cited)
        return self._cannot_answer(context, confidence)

    async def _llm_answer(
        self, context: TurnContext, provider: LLMProvider, passages: list[Passage]
    ) -> TurnResult | None:
        turn = context.turn
        knowledge_language = detect_language(passages[0].text[:400], default=context.assistant.language)
        llm = context.assistant.llm
        answer, note = await llm_answer(
            provider,
            message=turn.message,
            history=list(turn.history),
            passages=passages,
            instructions=context.assistant.instructions,
            language=context.language,
            same_language_as_knowledge=knowledge_language == context.language,
            temperature=llm.temperature if llm else 0.0,
            max_tokens=llm.max_tokens if llm else 600,
        )
        context.debug["llm"] = note
        if answer is None:
            return None
        if (
            answer.handoff_reason in ("based_on_instructions", "instructions_not_clear")
            and context.policy.handoff_enabled
        ):
            context.notes.append(f"The model says: {answer.reasoning or answer.handoff_reason}.")
            return self._handoff_or_collect(context, [answer.handoff_reason])
        if not answer.answerable or answer.handoff_reason == "insufficient_knowledge":
            return self._cannot_answer(context, passages[0].coverage)
        context.notes.append(
            "Answered with the language model from "
            + ", ".join(f"“{p.heading or p.source}”" for p in answer.passages)
            + "."
        )
        reply = self._with_sources(answer.answer, answer.passages, context.language)
        return self._reply(
            context, "answer", reply, confidence=passages[0].coverage, citations=answer.passages
        )

    async def _run_tools(self, context: TurnContext) -> tuple[list[ToolCall], list[ToolCall]]:
        selected = select_tools(context.assistant.tools, context.turn.message, context.collected)
        if not selected:
            return [], []
        calls: list[ToolCall] = []
        if self._http is not None:
            calls = [await call_tool(tool, arguments, self._http) for tool, arguments in selected]
        else:
            async with httpx2.AsyncClient() as http:
                calls = [await call_tool(tool, arguments, http) for tool, arguments in selected]
        context.debug["tool_calls"] = [call.as_debug() for call in calls]
        return [c for c in calls if c.error is None and c.answer], [c for c in calls if c.error is not None]

    def _cannot_answer(self, context: TurnContext, confidence: float) -> TurnResult:
        policy = context.policy
        failed_in_a_row = trailing_failed_ai_replies(context.ai_messages) + 1
        context.notes.append(f"Nothing in the help centre answers this (best coverage {confidence:.2f}).")
        if policy.handoff_enabled and policy.low_confidence_after is not None:
            if failed_in_a_row >= policy.low_confidence_after:
                return self._handoff_or_collect(context, ["insufficient_knowledge"], confidence=confidence)
            return self._reply(context, "ask", phrase("rephrase", context.language), confidence=confidence)
        return self._reply(
            context, "decline", phrase("no_knowledge", context.language), confidence=confidence
        )

    @staticmethod
    def _with_sources(body: str, passages: list[Passage], language: str) -> str:
        names = list(dict.fromkeys(p.heading or p.source for p in passages))
        return f"{body}\n\n{phrase('source', language)}: {'; '.join(names)}"

    # --- handoff and data collection -------------------------------------------------------------

    def _handoff_or_collect(
        self, context: TurnContext, reasons: list[str], *, confidence: float = 0.0
    ) -> TurnResult:
        if not context.policy.handoff_enabled:
            return self._reply(
                context, "decline", phrase("no_knowledge", context.language), confidence=confidence
            )
        urgent = (
            "prohibited_topic" in reasons
            or "customer_frustrated" in reasons
            or context.sentiment.label == "angry"
        )
        if not urgent and ASKED_KEY not in context.collected:
            missing = fields_to_ask(
                context.handoff.data_collection,
                include_optional=context.policy.collect_optional,
                contact=context.turn.contact,
                collected=context.collected,
                problem_known=context.problem_known(),
            )
            if missing:
                context.collected[PENDING_KEY] = ",".join(reasons)
                context.collected[ASKED_KEY] = ",".join(missing)
                context.notes.append("Asked for " + ", ".join(missing) + " before handing off.")
                if missing == ["problem"]:
                    reply = phrase("describe_problem", context.language)
                else:
                    labels = [field_label(name, context.language) for name in missing]
                    reply = phrase("collect", context.language, fields=join_words(labels, context.language))
                return self._reply(context, "ask", reply, confidence=confidence)
        return self._handoff(context, reasons, confidence=confidence)

    def _complete_collection(self, context: TurnContext) -> TurnResult:
        pending = [r for r in context.collected.pop(PENDING_KEY, "").split(",") if r]
        asked = [f for f in context.collected.get(ASKED_KEY, "").split(",") if f]
        found = extract_fields(context.turn.message, asked)
        context.collected.update(found)
        context.notes.append(
            "Collected "
            + (", ".join(found) if found else "nothing")
            + " after asking for "
            + ", ".join(asked)
            + "."
        )
        reasons = pending or ["user_requested_human_assistance"]
        if context.sentiment.label == "angry" and "customer_frustrated" not in reasons:
            reasons.append("customer_frustrated")
        return self._handoff(context, reasons)

    def _handoff(self, context: TurnContext, reasons: list[str], *, confidence: float = 0.0) -> TurnResult:
        turn = context.turn
        hours = context.handoff.office_hours
        state = None
        if turn.channel not in CHANNELS_WITHOUT_OFFICE_HOURS:
            state = office_hours_state(hours, turn.now)
        if state is None or state.open:
            reply = phrase("handoff", context.language)
        elif state.next_opening is None or hours is None:
            reply = phrase("handoff_closed_unknown", context.language)
        else:
            when = describe_opening(state.next_opening, hours.timezone, context.language)
            key = "handoff_closed_email" if turn.channel == "email" else "handoff_closed_live"
            reply = phrase(key, context.language, when=when)
            context.notes.append(f"Outside office hours; the team is back {when}.")
        ordered = list(dict.fromkeys(reasons))
        context.notes.append(
            f"Handed off ({policy_label(context.handoff)}): "
            + "; ".join(REASON_WORDS[r] for r in ordered)
            + "."
        )
        result = self._reply(context, "handoff", reply, confidence=confidence)
        result.reasons = ordered
        result.office_hours = state
        return result

    def _reply(
        self,
        context: TurnContext,
        decision: Decision,
        reply: str | None,
        *,
        confidence: float = 0.0,
        citations: list[Passage] | None = None,
    ) -> TurnResult:
        turn = context.turn
        customer_text = "\n".join([*context.customer_messages, turn.message])
        priority, why = decide_priority(
            context.handoff.priority_rules,
            context.handoff.default_priority,
            sentiment=context.sentiment.label,
            contact_data=turn.contact.data,
            customer_text=customer_text,
            channel=turn.channel,
        )
        context.debug["priority_rule"] = why
        sentiment = context.sentiment.label
        return TurnResult(
            decision=decision,
            reply=reply,
            reasons=[],
            sentiment="angry" if sentiment == "angry" else "happy" if sentiment == "happy" else "neutral",
            language=context.language,
            priority=priority,
            confidence=round(confidence, 4),
            citations=[
                Citation(source=p.source, chunk_id=p.chunk_id, heading=p.heading, score=round(p.score, 4))
                for p in citations or []
            ],
            reasoning=" ".join(context.notes),
            collected=context.collected,
            office_hours=None,
            debug=context.debug,
        )
