"""Any server speaking the OpenAI chat-completions API (OpenAI, Azure-style gateways, vLLM, Ollama…).

The HTTP client is injected (no module-level client, no hidden retries): the caller owns
its lifetime and timeouts policy; a failed call raises ``LLMError`` and the agent falls
back to its offline answer.
"""

from __future__ import annotations

from typing import Any

import httpx2

from baton.assistant.providers.base import ChatMessage, LLMError
from baton.assistant.settings import LLMSettings


class OpenAICompatibleProvider:
    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None,
        http_client: httpx2.AsyncClient,
        timeout_seconds: float = 20.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self._api_key = api_key
        self._http = http_client
        self._timeout = timeout_seconds

    def __repr__(self) -> str:  # never show the key
        return f"OpenAICompatibleProvider(base_url={self.base_url!r}, model={self.model!r})"

    async def complete(self, messages: list[ChatMessage], *, max_tokens: int, temperature: float) -> str:
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        try:
            response = await self._http.post(
                f"{self.base_url}/chat/completions", json=payload, headers=headers, timeout=self._timeout
            )
        except httpx2.HTTPError as error:
            raise LLMError(f"LLM request failed: {type(error).__name__}") from error
        if response.status_code != 200:
            raise LLMError(f"LLM answered HTTP {response.status_code}")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise LLMError("LLM response is not a chat completion") from error
        if not isinstance(content, str):
            raise LLMError("LLM response has no text content")
        return content


def provider_from_settings(
    settings: LLMSettings, *, api_key: str | None, http_client: httpx2.AsyncClient
) -> OpenAICompatibleProvider:
    """The org's provider from ``settings["assistant"]["llm"]``; the key comes from the caller."""
    return OpenAICompatibleProvider(
        base_url=settings.base_url,
        model=settings.model,
        api_key=api_key,
        http_client=http_client,
        timeout_seconds=settings.timeout_seconds,
    )
