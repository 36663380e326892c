"""Helpers shared by the job queue tests (imported by name: tests/jobs is on sys.path)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from baton.store.base import utcnow
from baton.store.models import DebugEvent, Job, JobAttempt


class MovableClock:
    """Real time plus an offset the test can advance: due retries and expired leases without sleeping."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


async def load_job(factory: async_sessionmaker[AsyncSession], job_id: int) -> Job:
    async with factory() as db:
        return (await db.execute(select(Job).where(Job.id == job_id))).scalar_one()


async def load_attempts(factory: async_sessionmaker[AsyncSession], job_id: int) -> list[JobAttempt]:
    async with factory() as db:
        rows = await db.execute(select(JobAttempt).where(JobAttempt.job_id == job_id).order_by(JobAttempt.id))
        return list(rows.scalars())


async def load_events(factory: async_sessionmaker[AsyncSession], session_id: str) -> list[dict[str, Any]]:
    async with factory() as db:
        rows = await db.execute(
            select(DebugEvent).where(DebugEvent.session_id == session_id).order_by(DebugEvent.id)
        )
        return [{"type": e.type, **e.data} for e in rows.scalars()]
