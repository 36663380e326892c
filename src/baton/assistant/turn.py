"""The contract between the AI agent and the rest of Baton: one customer turn in, one decision out.

The conversation store builds a ``TurnInput`` from the session and its messages, calls
``Assistant.respond`` and acts on the ``TurnResult`` (send ``reply``, start a handoff when
``decision == "handoff"``). ``collected`` is round-tripped by the caller: pass the previous
result's ``collected`` into the next turn. Keys starting with ``_`` in it are the agent's own
bookkeeping (e.g. a handoff waiting for data collection) and are never shown to reps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Decision = Literal["answer", "ask", "handoff", "smalltalk", "decline"]
Sentiment = Literal["angry", "neutral", "happy"]

HANDOFF_REASONS: tuple[str, ...] = (
    "user_requested_human_assistance",
    "prohibited_topic",
    "insufficient_knowledge",
    "insufficient_tools",
    "instructions_not_clear",
    "based_on_instructions",
    "customer_frustrated",
    "unproductive_conversation",
)


@dataclass(frozen=True)
class HistoryMessage:
    role: str  # customer | ai | agent | system
    text: str
    created_at: datetime


@dataclass(frozen=True)
class ContactInfo:
    name: str | None
    email: str | None
    phone: str | None
    verified: bool
    data: dict[str, Any]


@dataclass(frozen=True)
class TurnInput:
    org_id: str
    session_id: str
    channel: str
    history: list[HistoryMessage]
    message: str
    contact: ContactInfo
    language: str | None
    now: datetime
    collected: dict[str, str]


@dataclass(frozen=True)
class Citation:
    source: str
    chunk_id: int
    heading: str
    score: float


@dataclass(frozen=True)
class OfficeHoursState:
    open: bool
    next_opening: datetime | None


@dataclass
class TurnResult:
    decision: Decision
    # What the customer is told now (answer, question, handoff notice, polite decline, out-of-hours choice).
    reply: str | None
    # Handoff reasons (a subset of HANDOFF_REASONS); empty unless decision == "handoff".
    reasons: list[str]
    sentiment: Sentiment
    language: str  # BCP-47, detected per conversation
    priority: str  # "High" | "Medium" | "Low" by default, from configurable rules
    confidence: float
    citations: list[Citation]
    reasoning: str  # plain words, shown to the rep
    collected: dict[str, str]
    # None when the org has no schedule (always open) or the channel is voice.
    office_hours: OfficeHoursState | None
    # query, passages + scores, tool calls (input, output, duration), decision, latency_ms
    debug: dict[str, Any] = field(default_factory=dict)


def visible_collected(collected: dict[str, str]) -> dict[str, str]:
    """The data-collection fields a rep may see (without the agent's ``_`` bookkeeping keys)."""
    return {key: value for key, value in collected.items() if not key.startswith("_")}


# The Assistant is part of the contract; it lives in its own module and is re-exported here.
# The package __init__ imports this module first, so the cycle always resolves the same way.
from baton.assistant.agent import Assistant  # noqa: E402

__all__ = [
    "HANDOFF_REASONS",
    "Assistant",
    "Citation",
    "ContactInfo",
    "Decision",
    "HistoryMessage",
    "OfficeHoursState",
    "Sentiment",
    "TurnInput",
    "TurnResult",
    "visible_collected",
]
