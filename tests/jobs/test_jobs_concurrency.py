from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from baton.jobs import JobContext, JobRegistry, Worker, enqueue
from baton.store.engine import create_engine, session_factory
from baton.store.models import Job, JobAttempt

pytestmark = pytest.mark.anyio

JOBS = 500
WORKERS = 4


async def test_four_workers_run_500_jobs_each_exactly_once(
    engine: AsyncEngine, factory: async_sessionmaker[AsyncSession]
) -> None:
    invocations: list[tuple[str, int, int]] = []

    async with factory() as db, db.begin():
        for n in range(JOBS):
            # Some jobs share ordering keys so the claim's ordering check is exercised under load.
            await enqueue(db, "work", args={"n": n}, ordering_key=f"key:{n % 7}" if n % 3 == 0 else None)

    url = engine.url.render_as_string(hide_password=False)
    engines = [create_engine(url, pool_size=4) for _ in range(WORKERS)]
    try:
        workers = []
        for index, worker_engine in enumerate(engines):
            registry = JobRegistry()

            async def work(ctx: JobContext, name: str = f"w{index}") -> None:
                invocations.append((name, ctx.job_id, ctx.attempt))
                await asyncio.sleep(0)

            registry.register("work", work)
            workers.append(
                Worker(session_factory(worker_engine), registry, worker_id=f"w{index}", poll_interval=0.05)
            )
        await asyncio.gather(*(w.run_until_idle(timeout=240) for w in workers))
    finally:
        for worker_engine in engines:
            await worker_engine.dispose()

    runs = Counter(job_id for _, job_id, _ in invocations)
    assert len(runs) == JOBS
    assert set(runs.values()) == {1}, "a job ran twice without its lease expiring"
    assert {attempt for _, _, attempt in invocations} == {1}
    # The work was actually shared.
    assert len({name for name, _, _ in invocations}) > 1
    async with factory() as db:
        statuses = dict((await db.execute(select(Job.status, func.count()).group_by(Job.status))).all())
        assert statuses == {"succeeded": JOBS}
        outcomes = dict(
            (await db.execute(select(JobAttempt.outcome, func.count()).group_by(JobAttempt.outcome))).all()
        )
        assert outcomes == {"succeeded": JOBS}
