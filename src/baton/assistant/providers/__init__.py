"""LLM providers behind one small protocol; the offline default needs none."""

from baton.assistant.providers.base import ChatMessage, LLMError, LLMProvider
from baton.assistant.providers.openai_compatible import OpenAICompatibleProvider, provider_from_settings

__all__ = ["ChatMessage", "LLMError", "LLMProvider", "OpenAICompatibleProvider", "provider_from_settings"]
