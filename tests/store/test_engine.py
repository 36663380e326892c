from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from baton.store.engine import async_url, session_factory
from baton.store.models import Organization

pytestmark = pytest.mark.anyio


def test_plain_urls_map_to_async_drivers() -> None:
    assert async_url("sqlite:////tmp/x.db").drivername == "sqlite+aiosqlite"
    assert async_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    with pytest.raises(ValueError, match="unsupported database"):
        async_url("mysql://u@h/db")


async def test_round_trip_with_timezone_aware_datetimes(engine: AsyncEngine) -> None:
    factory = session_factory(engine)
    async with factory() as db, db.begin():
        db.add(Organization(name="Acme", webhook_token="t1"))
    async with factory() as db:
        org = (await db.execute(select(Organization))).scalar_one()
        assert org.name == "Acme"
        assert org.created_at.tzinfo is not None
        assert org.next_ticket_number == 10001
