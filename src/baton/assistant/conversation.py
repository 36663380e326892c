"""One turn, read: the org's settings, the customer's language and mood, the history split by role."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from baton.assistant.human_request import detect_human_request
from baton.assistant.language import detect_language
from baton.assistant.policy import Policy, is_real_answer
from baton.assistant.sentiment import SentimentReading, read_sentiment
from baton.assistant.settings import AssistantSettings, HandoffSettings
from baton.assistant.smalltalk import detect_small_talk
from baton.assistant.text import content_tokens, normalize
from baton.assistant.turn import TurnInput


@dataclass
class TurnContext:
    turn: TurnInput
    handoff: HandoffSettings
    assistant: AssistantSettings
    policy: Policy
    language: str
    sentiment: SentimentReading
    customer_messages: list[str]  # earlier customer messages, oldest first
    ai_messages: list[str]  # earlier AI replies, oldest first
    collected: dict[str, str]
    notes: list[str] = field(default_factory=list)  # plain-words reasoning for the rep
    debug: dict[str, Any] = field(default_factory=dict)

    @property
    def real_answers(self) -> int:
        return sum(1 for text in self.ai_messages if is_real_answer(text))

    def problem_known(self) -> bool:
        """Whether the customer has said what they need (beyond greetings and "a human please")."""
        for text in [*self.customer_messages, self.turn.message]:
            if detect_small_talk(text) is not None:
                continue
            request = detect_human_request(text)
            remainder = text
            if request is not None:
                remainder = normalize(text).replace(request.evidence, " ")
            if len(content_tokens(remainder)) >= 3:
                return True
        return False


def read_turn(
    turn: TurnInput, handoff: HandoffSettings, assistant: AssistantSettings, policy: Policy
) -> TurnContext:
    history = list(turn.history)
    # The current message is `turn.message`; tolerate callers that also left it at the end of the history.
    if history and history[-1].role == "customer" and history[-1].text == turn.message:
        history.pop()
    customer = [item.text for item in history if item.role == "customer"]
    ai = [item.text for item in history if item.role == "ai"]
    language = detect_language(
        turn.message, known=turn.language, previous_customer_messages=customer, default=assistant.language
    )
    return TurnContext(
        turn=turn,
        handoff=handoff,
        assistant=assistant,
        policy=policy,
        language=language,
        sentiment=read_sentiment(turn.message, customer),
        customer_messages=customer,
        ai_messages=ai,
        collected=dict(turn.collected),
    )
