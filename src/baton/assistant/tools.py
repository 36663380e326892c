"""HTTP tools the org lets the agent call (order lookup, booking status…), each call recorded.

A tool is relevant when one of its trigger words is in the message and its required
parameters can be read from the message or the collected fields. The call's input,
output (truncated), duration and error go to the turn's debug record, so the rep and
the inbox timeline see exactly what the agent looked up.
"""

from __future__ import annotations

import re
import string
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx2

from baton.assistant.settings import ToolSpec
from baton.assistant.text import words

_OUTPUT_LIMIT = 4000


@dataclass
class ToolCall:
    name: str
    input: dict[str, str]
    output: Any = None
    error: str | None = None
    duration_ms: float = 0.0
    answer: str | None = None  # the answer_template filled with the output

    def as_debug(self) -> dict[str, Any]:
        text_output = self.output if isinstance(self.output, str) else repr(self.output)
        return {
            "name": self.name,
            "input": self.input,
            "output": self.output if len(text_output) <= _OUTPUT_LIMIT else text_output[:_OUTPUT_LIMIT],
            "error": self.error,
            "duration_ms": round(self.duration_ms, 1),
        }


def _triggered(tool: ToolSpec, message: str) -> bool:
    joined = f" {' '.join(words(message))} "
    return any(f" {' '.join(words(trigger))} " in joined for trigger in tool.triggers if words(trigger))


def tool_arguments(tool: ToolSpec, message: str, collected: dict[str, str]) -> dict[str, str] | None:
    """Arguments read from the message and collected fields; None when a required one is missing."""
    arguments: dict[str, str] = {}
    for name, parameter in tool.parameters.items():
        value: str | None = None
        if parameter.collected and collected.get(parameter.collected):
            value = collected[parameter.collected]
        if value is None and parameter.pattern:
            match = re.search(parameter.pattern, message)
            if match:
                value = match.group(1) if match.groups() else match.group(0)
        if value is None and parameter.required:
            return None
        if value is not None:
            arguments[name] = value
    return arguments


def select_tools(
    tools: list[ToolSpec], message: str, collected: dict[str, str]
) -> list[tuple[ToolSpec, dict[str, str]]]:
    selected = []
    for tool in tools:
        if not _triggered(tool, message):
            continue
        arguments = tool_arguments(tool, message, collected)
        if arguments is not None:
            selected.append((tool, arguments))
    return selected


class _SafeFields(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill_template(template: str, values: dict[str, Any]) -> str:
    """``str.format`` restricted to plain top-level fields (no attribute or index access)."""
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    if any(not re.fullmatch(r"\w+", name) for name in names):
        return template
    return template.format_map(
        _SafeFields({key: value for key, value in values.items() if not isinstance(value, dict | list)})
    )


async def call_tool(tool: ToolSpec, arguments: dict[str, str], http: httpx2.AsyncClient) -> ToolCall:
    call = ToolCall(name=tool.name, input=arguments)
    url = tool.url.format_map(_SafeFields({key: quote(value, safe="") for key, value in arguments.items()}))
    started = time.perf_counter()
    try:
        if tool.method == "GET":
            response = await http.get(url, headers=tool.headers, timeout=tool.timeout_seconds)
        else:
            response = await http.post(
                url, json=arguments, headers=tool.headers, timeout=tool.timeout_seconds
            )
        call.duration_ms = (time.perf_counter() - started) * 1000
        try:
            call.output = response.json()
        except ValueError:
            call.output = response.text[:_OUTPUT_LIMIT]
        if response.status_code >= 400:
            call.error = f"HTTP {response.status_code}"
            return call
    except httpx2.HTTPError as error:
        call.duration_ms = (time.perf_counter() - started) * 1000
        call.error = f"{type(error).__name__}: {error}"[:300]
        return call
    if tool.answer_template:
        values: dict[str, Any] = dict(arguments)
        if isinstance(call.output, dict):
            values.update(call.output)
        call.answer = fill_template(tool.answer_template, values)
    return call
