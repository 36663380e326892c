"""Token refresh against the emulator with refresh-token rotation: one refresh at a time per org."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx2
import pytest

from baton.salesforce.connection import (
    IntegrationTokenProvider,
    NotConnected,
    load_integration,
    rest_client_for_org,
)
from baton.services import Services, build_services
from baton_support import make_settings
from harness import CLIENT_ID, CLIENT_SECRET, PUBLIC_URL, connect_org
from salesforce_emulator.runtime import EmulatorOptions
from salesforce_emulator.state import ConnectedApp
from salesforce_emulator.testing import run_emulator

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def emulator() -> Iterator[str]:
    app = ConnectedApp(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        callback_urls=[f"{PUBLIC_URL}/oauth/salesforce/callback"],
        rotate_refresh_tokens=True,
    )
    with run_emulator(EmulatorOptions(apps=[app])) as url:
        yield url


@pytest.fixture
async def connected(
    services: Services, emulator: str, database_url: str
) -> AsyncIterator[tuple[str, Services]]:
    """An org connected through the real OAuth pages, plus a second process's view of the database."""
    async with httpx2.AsyncClient() as http:
        (await http.post(f"{emulator}/_emulator/reset")).raise_for_status()
    local = build_services(make_settings(database_url, public_url=PUBLIC_URL))
    org = await connect_org(local, emulator)
    other = build_services(make_settings(database_url, public_url=PUBLIC_URL))
    try:
        yield org.org_id, local
    finally:
        await other.aclose()
        await local.aclose()


async def _generation(services: Services, org_id: str) -> int:
    async with services.session_factory() as db:
        integration = await load_integration(db, org_id)
        assert integration is not None
        return integration.token_generation


async def test_concurrent_refreshes_from_two_processes_refresh_once(
    connected: tuple[str, Services], database_url: str, emulator: str
) -> None:
    org_id, first = connected
    second = build_services(make_settings(database_url, public_url=PUBLIC_URL))
    try:
        stale = await IntegrationTokenProvider(first, org_id).current()
        before = await _generation(first, org_id)
        async with httpx2.AsyncClient() as http:
            (
                await http.post(f"{emulator}/_emulator/faults", json={"expire_tokens_now": True})
            ).raise_for_status()
        # Two processes notice the expired token at the same moment. With rotation, a second refresh
        # with the old refresh token would be refused and disconnect the org.
        results = await asyncio.gather(
            *(IntegrationTokenProvider(s, org_id).refresh(stale) for s in (first, second, first, second))
        )
        assert len({r.access_token for r in results}) == 1
        assert results[0].access_token != stale.access_token
        assert await _generation(first, org_id) == before + 1
        client = rest_client_for_org(second, org_id)
        assert await client.query("SELECT Id FROM Case") == []
        async with first.session_factory() as db:
            integration = await load_integration(db, org_id)
            assert integration is not None
            assert integration.status == "connected"
    finally:
        await second.aclose()


async def test_a_revoked_connection_turns_the_status_to_error_with_a_readable_reason(
    connected: tuple[str, Services], emulator: str
) -> None:
    org_id, services = connected
    async with services.session_factory() as db:
        integration = await load_integration(db, org_id)
        assert integration is not None
        refresh_token = services.secret_box.decrypt(integration.secrets_encrypted)["refresh_token"]
    async with httpx2.AsyncClient() as http:
        revoked = await http.post(f"{emulator}/services/oauth2/revoke", data={"token": refresh_token})
        assert revoked.status_code == 200
    provider = IntegrationTokenProvider(services, org_id)
    stale = await provider.current()
    with pytest.raises(NotConnected) as refused:
        await provider.refresh(stale)
    assert "Connect to Salesforce again" in str(refused.value)
    async with services.session_factory() as db:
        integration = await load_integration(db, org_id)
        assert integration is not None
        assert integration.status == "error"
        assert integration.last_error == str(refused.value)
        assert refresh_token not in (integration.last_error or "")
