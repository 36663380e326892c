"""Answering with an LLM, held to the retrieved passages.

The model gets the org's instructions, the numbered passages and the conversation, and
must reply with JSON naming the passages it used. Its answer is then checked like the
offline one: no citation, or sentences the cited passages do not support (when the
answer is in the passages' language), and the offline extractive answer is used instead.
The model may also say it cannot answer, or that the org's instructions require a person.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from baton.assistant.answering import unsupported_sentences
from baton.assistant.knowledge.index import Passage
from baton.assistant.providers.base import ChatMessage, LLMError, LLMProvider
from baton.assistant.turn import HistoryMessage

_ALLOWED_REASONS = frozenset({"insufficient_knowledge", "instructions_not_clear", "based_on_instructions"})
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)

SYSTEM_PROMPT = """You are the customer-support assistant of this organization.

Hard rules:
1. Answer ONLY with facts stated in the numbered passages. Do not add facts, numbers, links,
   prices, dates or promises that are not written there, even if you believe them true.
2. If the passages do not contain the answer, do not guess: set "answerable" to false.
3. Write the answer in the customer's language ({language}).
4. Follow the organization's instructions below unless they conflict with rule 1.
5. If the instructions say a person must handle this situation, set "handoff_reason" to
   "based_on_instructions"; if the instructions contradict each other for this case, set it to
   "instructions_not_clear".

Organization instructions:
{instructions}

Passages:
{passages}

Reply with one JSON object and nothing else:
{{"answerable": true|false, "answer": "...", "citations": [passage numbers used],
  "handoff_reason": null|"insufficient_knowledge"|"based_on_instructions"|"instructions_not_clear",
  "reasoning": "one sentence for the support rep"}}"""


@dataclass(frozen=True)
class LLMAnswer:
    answerable: bool
    answer: str
    passages: list[Passage]
    handoff_reason: str | None
    reasoning: str


def build_messages(
    *, message: str, history: list[HistoryMessage], passages: list[Passage], instructions: str, language: str
) -> list[ChatMessage]:
    numbered = "\n\n".join(
        f"[{number}] {passage.source} — {passage.heading}\n{passage.text}"
        for number, passage in enumerate(passages, 1)
    )
    system = SYSTEM_PROMPT.format(
        language=language, instructions=instructions.strip() or "(none)", passages=numbered or "(none)"
    )
    chat = [ChatMessage("system", system)]
    for item in history[-10:]:
        if item.role == "customer":
            chat.append(ChatMessage("user", item.text))
        elif item.role in ("ai", "agent"):
            chat.append(ChatMessage("assistant", item.text))
    chat.append(ChatMessage("user", message))
    return chat


def parse_answer(raw: str, passages: list[Passage]) -> LLMAnswer | None:
    match = _JSON_OBJECT.search(raw)
    if match is None:
        return None
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    citations = [
        passages[number - 1]
        for number in data.get("citations") or []
        if isinstance(number, int) and 1 <= number <= len(passages)
    ]
    reason = data.get("handoff_reason")
    return LLMAnswer(
        answerable=bool(data.get("answerable")),
        answer=str(data.get("answer") or "").strip(),
        passages=citations,
        handoff_reason=reason if reason in _ALLOWED_REASONS else None,
        reasoning=str(data.get("reasoning") or "")[:500],
    )


async def llm_answer(
    provider: LLMProvider,
    *,
    message: str,
    history: list[HistoryMessage],
    passages: list[Passage],
    instructions: str,
    language: str,
    same_language_as_knowledge: bool,
    temperature: float = 0.0,
    max_tokens: int = 600,
) -> tuple[LLMAnswer | None, str]:
    """(answer, note): None with a note saying why when the model failed or went beyond the passages."""
    chat = build_messages(
        message=message, history=history, passages=passages, instructions=instructions, language=language
    )
    try:
        raw = await provider.complete(chat, max_tokens=max_tokens, temperature=temperature)
    except LLMError as error:
        return None, f"LLM unavailable: {error}"
    answer = parse_answer(raw, passages)
    if answer is None:
        return None, "LLM reply was not the expected JSON"
    if not answer.answerable or answer.handoff_reason is not None:
        return answer, "LLM could not answer from the passages"
    if not answer.answer or not answer.passages:
        return None, "LLM answer cited no passage"
    # Across languages the words cannot be compared; the citation requirement is what remains.
    if same_language_as_knowledge:
        unsupported = unsupported_sentences(answer.answer, answer.passages, min_overlap=0.6)
        if unsupported:
            return None, f"LLM answer not supported by its passages: {unsupported[0][:120]!r}"
    return answer, "LLM answer grounded in cited passages"
