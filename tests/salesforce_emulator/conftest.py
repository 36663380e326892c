"""One emulator on a real loopback socket for the whole session, reset before each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx2
import pytest

from salesforce_emulator.testing import run_emulator


@pytest.fixture(scope="session")
def emulator_url() -> Iterator[str]:
    with run_emulator() as base_url:
        yield base_url


@pytest.fixture
async def client(emulator_url: str) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=emulator_url, timeout=10) as http:
        (await http.post("/_emulator/reset")).raise_for_status()
        yield http
