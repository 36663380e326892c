"""The AI agent: grounded answers from the org's knowledge, the handoff policy, and the rep's summary.

Public API: ``Assistant`` and the turn contract (``TurnInput``, ``TurnResult`` …) from
``baton.assistant.turn``; knowledge ingestion from ``baton.assistant.knowledge``.
"""

# turn must be imported first: it re-exports Assistant, whose module imports the contract back.
from baton.assistant.turn import (  # isort: skip
    HANDOFF_REASONS,
    Assistant,
    Citation,
    ContactInfo,
    HistoryMessage,
    OfficeHoursState,
    TurnInput,
    TurnResult,
)

__all__ = [
    "HANDOFF_REASONS",
    "Assistant",
    "Citation",
    "ContactInfo",
    "HistoryMessage",
    "OfficeHoursState",
    "TurnInput",
    "TurnResult",
]
