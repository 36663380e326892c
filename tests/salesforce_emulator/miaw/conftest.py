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


@pytest.fixture
def miaw_config() -> MiawConfig:
    return MiawConfig(ping_interval_seconds=0.2)


@pytest.fixture
def miaw_server(miaw_config: MiawConfig) -> Iterator[str]:
    with serve_in_thread(create_miaw_app(miaw_config)) as base_url:
        yield base_url


@pytest.fixture
async def emulator(miaw_server: str, signing_key: SigningKey) -> AsyncIterator[Emulator]:
    async with httpx2.AsyncClient(base_url=miaw_server, timeout=10.0) as http:
        emulator = Emulator(miaw_server, http)
        response = await emulator.admin("POST", "/deployments", deployment_doc(signing_key))
        assert response.status_code == 201, response.text
        yield emulator
