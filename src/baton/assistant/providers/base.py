"""The one thing the agent needs from a language model: complete a chat."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


class LLMError(Exception):
    """The provider could not produce a completion (network, auth, rate limit, bad response)."""


@runtime_checkable
class LLMProvider(Protocol):
    async def complete(self, messages: list[ChatMessage], *, max_tokens: int, temperature: float) -> str:
        """The assistant message's text; raises ``LLMError`` on any failure."""
        ...
