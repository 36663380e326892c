"""Helpers for the widget's tests: sessions through the browser API, SSE frames read off a real socket."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx2

from baton_support import OrgCredentials

WARRANTY_ARTICLE = (
    "# Warranty\n\nEvery blender has a two-year warranty covering the motor and the jar. "
    "Register your blender to extend the warranty to three years."
)


@dataclass
class WidgetSession:
    session_id: str
    visitor_token: str
    verified: bool

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.visitor_token}"}


async def start_session(http: httpx2.AsyncClient, org: OrgCredentials, **body: Any) -> WidgetSession:
    response = await http.post(f"/widget/v1/{org.org_id}/sessions", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    return WidgetSession(created["session_id"], created["visitor_token"], created["verified"])


async def add_knowledge(http: httpx2.AsyncClient, org: OrgCredentials) -> None:
    response = await http.post(
        "/api/v1/knowledge", json={"source": "warranty.md", "content": WARRANTY_ARTICLE}, headers=org.headers
    )
    assert response.status_code == 201, response.text


@dataclass
class SseEvent:
    event: str | None
    data: Any
    id: str | None


@dataclass
class SseReader:
    """Parses ``text/event-stream`` lines into events; comments (heartbeats) are counted, not returned."""

    lines: AsyncIterator[str]
    comments: list[str] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)

    async def next_event(self) -> SseEvent:
        event: str | None = None
        data: list[str] = []
        event_id: str | None = None
        async for line in self.lines:
            if line == "":
                if data:
                    return SseEvent(event, json.loads("\n".join(data)), event_id)
                event, event_id = None, None
                continue
            if line.startswith(":"):
                self.comments.append(line)
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)
            elif name == "id":
                event_id = value
            elif name == "retry":
                self.retry.append(int(value))
        raise EOFError("the stream ended")

    async def next_comment(self) -> str:
        """Read on until a comment line arrives (events on the way are discarded)."""
        seen = len(self.comments)
        async for line in self.lines:
            if line.startswith(":"):
                self.comments.append(line)
                return line
        raise EOFError(f"the stream ended after {seen} comments")

    async def until(self, event_name: str) -> SseEvent:
        while True:
            event = await self.next_event()
            if event.event == event_name:
                return event
