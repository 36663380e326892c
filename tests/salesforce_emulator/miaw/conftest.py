"""Fixtures: the MIAW emulator on a real loopback socket."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx2
import pytest
from miaw_emulator_helpers import Emulator, SigningKey, deployment_doc, make_signing_key

from salesforce_emulator.miaw import MiawConfig, create_miaw_app, serve_in_thread


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return make_signing_key()


@pytest.fixture(scope="module")
def miaw_server() -> Iterator[str]:
    # One server per module; every test starts from POST /reset.
    with serve_in_thread(create_miaw_app(MiawConfig(ping_interval_seconds=0.2))) as base_url:
        yield base_url


@pytest.fixture
async def emulator(miaw_server: str, signing_key: SigningKey) -> AsyncIterator[Emulator]:
    async with httpx2.AsyncClient(base_url=miaw_server, timeout=10.0) as http:
        emulator = Emulator(miaw_server, http)
        assert (await emulator.admin("POST", "/reset")).status_code == 204
        response = await emulator.admin("POST", "/deployments", deployment_doc(signing_key))
        assert response.status_code == 201, response.text
        yield emulator
