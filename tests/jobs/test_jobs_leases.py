from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from jobs_support import MovableClock, load_attempts, load_events, load_job
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from baton.jobs import JobContext, JobRegistry, Worker, enqueue
from baton.jobs.leases import LEASE_EXPIRED_ERROR

pytestmark = pytest.mark.anyio

WORKER_SCRIPT = Path(__file__).with_name("worker_process.py")


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Poll the database until ``check`` holds (the state lives in another process or worker)."""
    async with asyncio.timeout(30):
        while not await check():  # noqa: ASYNC110 (no in-process event to wait on)
            await asyncio.sleep(0.05)


async def enqueue_one(factory: async_sessionmaker[AsyncSession], kind: str, **kwargs: object) -> int:
    async with factory() as db, db.begin():
        job = await enqueue(db, kind, **kwargs)  # type: ignore[arg-type]
        assert job is not None
        return job.id


def blocking_registry(started: asyncio.Event, proceed: asyncio.Event) -> JobRegistry:
    registry = JobRegistry()

    @registry.handler("salesforce.create_case")
    async def create_case(ctx: JobContext) -> None:
        started.set()
        await proceed.wait()

    return registry


def counting_registry(calls: list[tuple[int, int]]) -> JobRegistry:
    registry = JobRegistry()

    @registry.handler("salesforce.create_case")
    async def create_case(ctx: JobContext) -> None:
        calls.append((ctx.job_id, ctx.attempt))

    return registry


async def test_a_late_finisher_after_losing_its_lease_does_not_clobber_the_new_owner(
    factory: async_sessionmaker[AsyncSession], conversation: tuple[str, str], clock: MovableClock
) -> None:
    org_id, session_id = conversation
    started, proceed = asyncio.Event(), asyncio.Event()
    job_id = await enqueue_one(factory, "salesforce.create_case", org_id=org_id, session_id=session_id)

    stalled = Worker(factory, blocking_registry(started, proceed), worker_id="stalled", poll_interval=0.05)
    stop = asyncio.Event()
    stalled_task = asyncio.create_task(stalled.run(stop))
    try:
        await asyncio.wait_for(started.wait(), timeout=30)
        # Seen from a worker whose clock is past the lease, the stalled worker looks dead.
        clock.advance(stalled.lease_seconds + 1)
        calls: list[tuple[int, int]] = []
        adopter = Worker(
            factory, counting_registry(calls), worker_id="adopter", poll_interval=0.05, clock=clock
        )
        await adopter.run_until_idle(timeout=30)
        assert calls == [(job_id, 2)]
    finally:
        # Now the stalled handler returns and tries to record success for attempt 1.
        proceed.set()
        stop.set()
        await asyncio.wait_for(stalled_task, timeout=30)

    job = await load_job(factory, job_id)
    assert (job.status, job.attempts, job.locked_by) == ("succeeded", 2, None)
    attempts = [(a.attempt, a.worker, a.outcome, a.error) for a in await load_attempts(factory, job_id)]
    assert attempts == [
        (1, "stalled", "lease_expired", LEASE_EXPIRED_ERROR),
        (2, "adopter", "succeeded", None),
    ]
    events = await load_events(factory, session_id)
    assert [(e["attempt"], e["outcome"]) for e in events] == [(1, "lease_expired"), (2, "succeeded")]


async def test_an_expired_lease_on_the_final_attempt_dead_letters_the_job(
    factory: async_sessionmaker[AsyncSession], clock: MovableClock
) -> None:
    """A job that kills every worker running it (e.g. out of memory) must not loop forever."""
    started, proceed = asyncio.Event(), asyncio.Event()
    job_id = await enqueue_one(factory, "salesforce.create_case", max_attempts=1)
    stalled = Worker(factory, blocking_registry(started, proceed), worker_id="stalled", poll_interval=0.05)
    stop = asyncio.Event()
    stalled_task = asyncio.create_task(stalled.run(stop))
    try:
        await asyncio.wait_for(started.wait(), timeout=30)
        clock.advance(stalled.lease_seconds + 1)
        calls: list[tuple[int, int]] = []
        other = Worker(factory, counting_registry(calls), poll_interval=0.05, clock=clock)
        await other.run_until_idle(timeout=30)
        assert calls == []
    finally:
        proceed.set()
        stop.set()
        await asyncio.wait_for(stalled_task, timeout=30)
    job = await load_job(factory, job_id)
    assert (job.status, job.attempts, job.last_error) == ("dead", 1, LEASE_EXPIRED_ERROR)
    [attempt] = await load_attempts(factory, job_id)
    assert attempt.outcome == "lease_expired"


async def test_heartbeats_keep_the_lease_of_a_long_job(factory: async_sessionmaker[AsyncSession]) -> None:
    started, proceed = asyncio.Event(), asyncio.Event()
    job_id = await enqueue_one(factory, "salesforce.create_case")
    worker = Worker(
        factory,
        blocking_registry(started, proceed),
        poll_interval=0.05,
        lease_seconds=30,
        heartbeat_seconds=0.1,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        await asyncio.wait_for(started.wait(), timeout=30)
        first = (await load_job(factory, job_id)).locked_until
        assert first is not None

        async def renewed() -> bool:
            until = (await load_job(factory, job_id)).locked_until
            return until is not None and until > first

        await eventually(renewed)
    finally:
        proceed.set()
        stop.set()
        await asyncio.wait_for(task, timeout=30)
    assert (await load_job(factory, job_id)).status == "succeeded"


async def test_a_killed_worker_process_is_replaced_after_its_lease_expires(
    engine: AsyncEngine, factory: async_sessionmaker[AsyncSession], conversation: tuple[str, str]
) -> None:
    org_id, session_id = conversation
    job_id = await enqueue_one(factory, "hang", org_id=org_id, session_id=session_id)
    url = engine.url.render_as_string(hide_password=False)
    process = await asyncio.create_subprocess_exec(sys.executable, str(WORKER_SCRIPT), url, "doomed", "1.5")
    try:

        async def claimed() -> bool:
            job = await load_job(factory, job_id)
            return job.status == "running" and job.locked_by == "doomed"

        await eventually(claimed)
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    assert process.returncode == -signal.SIGKILL

    calls: list[tuple[int, int]] = []
    registry = JobRegistry()

    @registry.handler("hang")
    async def finish(ctx: JobContext) -> None:
        calls.append((ctx.job_id, ctx.attempt))

    # The adopter waits (polling) while the dead worker's lease runs out, then takes the job.
    adopter = Worker(
        factory, registry, worker_id="adopter", poll_interval=0.05, lease_seconds=1.5, heartbeat_seconds=0.5
    )
    await adopter.run_until_idle(timeout=60)

    assert calls == [(job_id, 2)]
    job = await load_job(factory, job_id)
    assert (job.status, job.attempts) == ("succeeded", 2)
    attempts = [(a.attempt, a.worker, a.outcome) for a in await load_attempts(factory, job_id)]
    assert attempts == [(1, "doomed", "lease_expired"), (2, "adopter", "succeeded")]
    events = await load_events(factory, session_id)
    assert [(e["attempt"], e["outcome"]) for e in events] == [(1, "lease_expired"), (2, "succeeded")]
