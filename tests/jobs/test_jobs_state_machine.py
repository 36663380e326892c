"""Property test: random interleavings of enqueue, claim, finish and time passing keep the queue consistent.

Drives the lease functions directly (as several workers would) with a simulated
clock, against the real database, and checks the invariants after every step.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from baton.jobs import enqueue
from baton.jobs.leases import ClaimedJob, Outcome, claim_jobs, finish_attempt
from baton.store.base import utcnow
from baton.store.engine import create_engine, session_factory
from baton.store.models import Job, JobAttempt

pytestmark = pytest.mark.anyio

T = TypeVar("T")
LEASE = 30.0
KINDS = {"k"}


def run_machine(url: str) -> None:
    with asyncio.Runner() as runner:
        engine = create_engine(url, pool_size=2)
        factory = session_factory(engine)

        def run(coro: Coroutine[Any, Any, T]) -> T:
            return runner.run(coro)

        class QueueMachine(RuleBasedStateMachine):
            def __init__(self) -> None:
                super().__init__()
                self.now = utcnow()
                self.held: list[tuple[str, ClaimedJob]] = []
                run(self._reset())

            async def _reset(self) -> None:
                async with factory() as db, db.begin():
                    await db.execute(delete(JobAttempt))
                    await db.execute(delete(Job))

            @rule(key=st.sampled_from([None, "a", "b"]), max_attempts=st.integers(1, 3))
            def add_job(self, key: str | None, max_attempts: int) -> None:
                async def go() -> None:
                    async with factory() as db, db.begin():
                        await enqueue(db, "k", ordering_key=key, max_attempts=max_attempts, run_at=self.now)

                run(go())

            @rule(worker=st.sampled_from(["w1", "w2"]), limit=st.integers(1, 3))
            def claim(self, worker: str, limit: int) -> None:
                async def go() -> list[ClaimedJob]:
                    async with factory() as db, db.begin():
                        return await claim_jobs(
                            db, worker_id=worker, kinds=KINDS, limit=limit, now=self.now, lease_seconds=LEASE
                        )

                claimed = run(go())
                assert len(claimed) <= limit
                self.held.extend((worker, job) for job in claimed)

            @precondition(lambda self: bool(self.held))
            @rule(
                pick=st.integers(0, 50),
                outcome=st.sampled_from(["succeeded", "retry", "dead", "released"]),
                retry_in=st.sampled_from([0, 5]),
            )
            def finish(self, pick: int, outcome: Outcome, retry_in: int) -> None:
                worker, job = self.held.pop(pick % len(self.held))
                if outcome == "retry" and job.attempt >= job.max_attempts:
                    outcome = "dead"  # what the runner does on the last attempt

                async def go() -> tuple[bool, bool]:
                    async with factory() as db, db.begin():
                        row = (await db.execute(select(Job).where(Job.id == job.id))).scalar_one()
                        owner = (row.status, row.locked_by, row.attempts)
                        still_owner = owner == ("running", worker, job.attempt)
                        recorded = await finish_attempt(
                            db,
                            job,
                            worker_id=worker,
                            outcome=outcome,
                            error=None if outcome == "succeeded" else "E: x",
                            now=self.now,
                            duration_ms=1,
                            retry_at=self.now + timedelta(seconds=retry_in),
                        )
                        return still_owner, recorded

                still_owner, recorded = run(go())
                # Only the current lease holder's outcome is recorded; a stale one changes nothing.
                assert recorded == still_owner

            @rule(seconds=st.sampled_from([1, 10, LEASE + 1]))
            def time_passes(self, seconds: float) -> None:
                self.now += timedelta(seconds=seconds)

            @invariant()
            def queue_is_consistent(self) -> None:
                async def load() -> tuple[list[Job], list[JobAttempt]]:
                    async with factory() as db:
                        jobs = list((await db.execute(select(Job).order_by(Job.id))).scalars())
                        attempts = list((await db.execute(select(JobAttempt))).scalars())
                        return jobs, attempts

                jobs, attempts = run(load())
                open_attempts: dict[int, list[JobAttempt]] = {}
                for a in attempts:
                    assert a.outcome in (None, "succeeded", "retry", "dead", "lease_expired", "released")
                    if a.outcome is None:
                        open_attempts.setdefault(a.job_id, []).append(a)
                active_by_key: dict[str, list[Job]] = {}
                for job in jobs:
                    assert job.status in ("queued", "running", "succeeded", "dead")
                    assert 0 <= job.attempts <= job.max_attempts
                    running = job.status == "running"
                    assert (job.locked_by is not None) == running
                    assert (job.locked_until is not None) == running
                    assert (job.finished_at is not None) == (job.status in ("succeeded", "dead"))
                    opened = open_attempts.get(job.id, [])
                    if running:
                        [current] = opened
                        assert (current.attempt, current.worker) == (job.attempts, job.locked_by)
                    else:
                        assert opened == []
                    if job.ordering_key is not None and job.status in ("queued", "running"):
                        active_by_key.setdefault(job.ordering_key, []).append(job)
                for active in active_by_key.values():
                    # Strict FIFO per key: only the oldest unfinished job may be running.
                    assert all(job.status == "queued" for job in active[1:])

            def teardown(self) -> None:
                self.held.clear()

        try:
            run_state_machine_as_test(
                QueueMachine,
                settings=settings(
                    max_examples=20,
                    stateful_step_count=25,
                    # No example database: nothing written into the working tree.
                    database=None,
                    deadline=None,
                    suppress_health_check=[HealthCheck.too_slow],
                ),
            )
        finally:
            runner.run(engine.dispose())


async def test_random_interleavings_keep_the_queue_consistent(engine: AsyncEngine) -> None:
    # Hypothesis drives its steps synchronously, so the machine runs on its own event loop in a thread.
    await asyncio.to_thread(run_machine, engine.url.render_as_string(hide_password=False))
