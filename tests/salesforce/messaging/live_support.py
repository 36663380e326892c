"""A Live Messaging world on loopback: Baton (API, in-process worker, streams) and the MIAW emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx2

from baton.app import create_app
from baton.salesforce.messaging.keys import SigningKeyPair, generate_key_pair
from baton.services import Services
from baton_support import OrgCredentials, create_org, eventually, make_settings, serve_on_loopback
from salesforce_emulator.miaw import DeploymentConfig, KeysetConfig, MiawConfig, create_miaw_app
from salesforce_emulator.runtime import EmulatorOptions
from salesforce_emulator.testing import run_emulator

SF_ORG_ID = "00D5g000004ABCDEAA"
DEPLOYMENT = "Baton_Web"
ISSUER = "https://baton.example"
KID = "baton-key-1"
MIAW = "/_emulator/miaw"
# Short leases, polls and backoff so faults resolve within a test's patience.
FAST_STREAMS: dict[str, Any] = {
    "messaging_stream_poll_seconds": 0.1,
    "messaging_stream_lease_seconds": 3.0,
    "messaging_stream_backoff_seconds": 0.1,
    "messaging_stream_open_wait_seconds": 5.0,
    "job_poll_seconds": 0.05,
}


@cache
def signing_keys() -> SigningKeyPair:
    return generate_key_pair(kid=KID)


def miaw_config(**overrides: Any) -> MiawConfig:
    deployment = DeploymentConfig(
        org_id=SF_ORG_ID,
        es_developer_name=DEPLOYMENT,
        hidden_prechat_fields=[
            "OpencxSessionId",
            "Chat_Consumer_Type",
            "Origin",
            "Priority",
            "Chat_language",
        ],
        keyset=KeysetConfig(name="baton", issuer=ISSUER),
        estimated_wait_seconds=120,
    )
    values: dict[str, Any] = {"deployments": [deployment], "ping_interval_seconds": 1.0}
    values.update(overrides)
    return MiawConfig(**values)


@contextmanager
def miaw_emulator(**overrides: Any) -> Iterator[str]:
    """The REST emulator with the MIAW app mounted: one base URL serves both paths."""
    with run_emulator(EmulatorOptions(), miaw_app=create_miaw_app(miaw_config(**overrides))) as url:
        yield url


def settings_body(emulator: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "instance_url": emulator,
        "scrt_url": emulator,
        "org_id": SF_ORG_ID,
        "es_developer_name": DEPLOYMENT,
        "auth_key_id": KID,
        "private_key_pem": signing_keys().private_key_pem,
        "issuer": ISSUER,
    }
    body.update(overrides)
    return body


async def register_key(http: httpx2.AsyncClient, emulator: str, jwk: dict[str, Any] | None = None) -> None:
    """What the admin does in Setup: upload the public JWK to the deployment's keyset."""
    response = await http.post(
        f"{emulator}{MIAW}/deployments/{DEPLOYMENT}/keys", json=jwk or signing_keys().jwk
    )
    assert response.status_code == 201, response.text


@dataclass
class LiveWorld:
    baton: str
    emulator: str
    org: OrgCredentials
    http: httpx2.AsyncClient
    services: Services

    async def api(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        return await self.http.request(method, f"{self.baton}{path}", headers=self.org.headers, **kwargs)

    async def new_session(self, channel: str = "web", **contact: Any) -> dict[str, Any]:
        contact = contact or {"email": "jane@example.com", "name": "Jane Doe"}
        response = await self.api("POST", "/api/v1/sessions", json={"channel": channel, "contact": contact})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def say(self, session_id: str, text: str) -> dict[str, Any]:
        response = await self.api("POST", f"/api/v1/sessions/{session_id}/messages", json={"text": text})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def session(self, session_id: str) -> dict[str, Any]:
        body: dict[str, Any] = (await self.api("GET", f"/api/v1/sessions/{session_id}")).json()
        return body

    async def messages(self, session_id: str) -> list[dict[str, Any]]:
        body: list[dict[str, Any]] = (await self.api("GET", f"/api/v1/sessions/{session_id}/messages")).json()
        return body

    async def events(self, session_id: str) -> list[dict[str, Any]]:
        body: list[dict[str, Any]] = (await self.api("GET", f"/api/v1/sessions/{session_id}/events")).json()
        return body

    async def wait_handoff_done(self, session_id: str, timeout: float = 30) -> dict[str, Any]:
        async def done() -> dict[str, Any] | None:
            session = await self.session(session_id)
            handoff = session.get("handoff") or {}
            if handoff.get("state") == "failed":
                raise AssertionError(f"handoff failed: {handoff.get('error')}")
            return session if handoff.get("state") == "done" else None

        return await eventually(done, timeout=timeout)

    async def conversation(self, conversation_id: str) -> dict[str, Any]:
        response = await self.http.get(f"{self.emulator}{MIAW}/conversations/{conversation_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def rep(self, action: str, conversation_id: str, **body: Any) -> httpx2.Response:
        response = await self.http.post(
            f"{self.emulator}{MIAW}/conversations/{conversation_id}/{action}", json=body
        )
        assert response.status_code in (200, 201, 204), response.text
        return response

    async def agent_texts(self, session_id: str) -> list[str]:
        return [m["text"] for m in await self.messages(session_id) if m["role"] == "agent"]


@asynccontextmanager
async def live_world(
    database_url: str,
    services: Services,
    *,
    emulator_overrides: dict[str, Any] | None = None,
    **settings: Any,
) -> AsyncIterator[LiveWorld]:
    """Baton on loopback with its in-process worker, the emulator with MIAW, settings saved and connected."""

    def baton_app(base_url: str) -> Any:
        return create_app(make_settings(database_url, public_url=base_url, **{**FAST_STREAMS, **settings}))

    org = await create_org(services)
    with miaw_emulator(**(emulator_overrides or {})) as emulator, serve_on_loopback(baton_app) as baton:
        async with httpx2.AsyncClient(timeout=30) as http:
            await register_key(http, emulator)
            saved = await http.put(
                f"{baton}/api/v1/integrations/salesforce/messaging",
                json=settings_body(emulator),
                headers=org.headers,
            )
            assert saved.status_code == 200, saved.text
            assert saved.json()["status"] == "connected", saved.json()
            yield LiveWorld(baton, emulator, org, http, services)
