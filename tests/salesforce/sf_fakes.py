"""Test doubles for the Salesforce REST client: a token provider and a scripted transport."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2

from baton.salesforce.rest import AccessToken, CallRecord, SalesforceRestClient

INSTANCE_URL = "https://acme.my.salesforce.com"
API = "/services/data/v66.0"
LIMIT_HEADERS = {"Sforce-Limit-Info": "api-usage=18/5000"}

Handler = Callable[[httpx2.Request], httpx2.Response]


class FakeTokens:
    """Hands out ``token-0``, then ``token-1`` after each refresh; records every refresh."""

    def __init__(self, instance_url: str = INSTANCE_URL) -> None:
        self.instance_url = instance_url
        self.generation = 0
        self.refreshed: list[AccessToken] = []

    async def current(self) -> AccessToken:
        return AccessToken(access_token=f"token-{self.generation}", instance_url=self.instance_url)

    async def refresh(self, stale: AccessToken) -> AccessToken:
        self.refreshed.append(stale)
        self.generation += 1
        return await self.current()


class Scripted:
    """A MockTransport handler answering queued responses in order and recording requests."""

    def __init__(self, *responses: httpx2.Response | Handler | BaseException) -> None:
        self.responses = list(responses)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if not self.responses:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        answer = self.responses.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, httpx2.Response):
            return answer
        return answer(request)

    def json_body(self, index: int) -> Any:
        return json.loads(self.requests[index].content)


def sf_json(status: int, body: Any = None, *, headers: dict[str, str] | None = None) -> httpx2.Response:
    """A Salesforce-like JSON response carrying a Sforce-Limit-Info header."""
    merged = {**LIMIT_HEADERS, **(headers or {})}
    if body is None:
        return httpx2.Response(status, headers=merged)
    return httpx2.Response(status, json=body, headers=merged)


def sf_error(status: int, code: str, message: str, fields: list[str] | None = None) -> httpx2.Response:
    return sf_json(status, [{"message": message, "errorCode": code, "fields": fields or []}])


def make_client(
    handler: Handler,
    *,
    tokens: FakeTokens | None = None,
    records: list[CallRecord] | None = None,
) -> tuple[SalesforceRestClient, httpx2.AsyncClient]:
    http = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    client = SalesforceRestClient(
        http,
        tokens or FakeTokens(),
        on_call=records.append if records is not None else None,
    )
    return client, http
