"""Fixtures for the job queue tests."""

from __future__ import annotations

import pytest
from jobs_support import MovableClock
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from baton.store.base import new_id
from baton.store.engine import session_factory
from baton.store.models import Contact, Organization, Session


@pytest.fixture
def factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def conversation(factory: async_sessionmaker[AsyncSession]) -> tuple[str, str]:
    """(org_id, session_id) of a real session, so job.attempt debug events can reference it."""
    async with factory() as db, db.begin():
        org = Organization(name="Acme", webhook_token=new_id())
        db.add(org)
        await db.flush()
        contact = Contact(org_id=org.id, email="ada@example.com")
        db.add(contact)
        await db.flush()
        session = Session(org_id=org.id, contact_id=contact.id, channel="email", ticket_number=10001)
        db.add(session)
        await db.flush()
        return org.id, session.id
