"""Fixtures for the agent's tests: a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import baton.store.models.knowledge  # noqa: F401  (registers the knowledge tables before `engine` creates them)
from baton.store.engine import session_factory as make_session_factory


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_session_factory(engine)
