from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
from jobs_support import load_job
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from baton.jobs import DEFAULT_MAX_ATTEMPTS, enqueue, requeue_dead, wake_workers
from baton.jobs.wakeup import register_waiter, unregister_waiter
from baton.store.base import utcnow
from baton.store.models import Job, Organization

pytestmark = pytest.mark.anyio


async def count_jobs(factory: async_sessionmaker[AsyncSession]) -> int:
    async with factory() as db:
        return (await db.execute(select(func.count()).select_from(Job))).scalar_one()


async def test_enqueue_adds_the_job_to_the_callers_transaction(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    run_at = utcnow() + timedelta(minutes=5)
    async with factory() as db, db.begin():
        job = await enqueue(
            db,
            "salesforce.create_case",
            args={"session_id": "s1"},
            org_id="o1",
            session_id="s1",
            ordering_key="session:s1",
            run_at=run_at,
            max_attempts=3,
        )
        assert job is not None
        job_id = job.id
    stored = await load_job(factory, job_id)
    assert (stored.kind, stored.status, stored.attempts, stored.max_attempts) == (
        "salesforce.create_case",
        "queued",
        0,
        3,
    )
    assert stored.args == {"session_id": "s1"}
    assert (stored.org_id, stored.session_id, stored.ordering_key) == ("o1", "s1", "session:s1")
    assert abs(stored.run_at - run_at) < timedelta(milliseconds=1)


async def test_a_rolled_back_transaction_leaves_no_job(factory: async_sessionmaker[AsyncSession]) -> None:
    class HandoffFailed(Exception):
        pass

    with pytest.raises(HandoffFailed):
        async with factory() as db, db.begin():
            db.add(Organization(name="Acme", webhook_token="t1"))
            assert await enqueue(db, "email.send") is not None
            raise HandoffFailed
    assert await count_jobs(factory) == 0
    async with factory() as db:
        assert (await db.execute(select(func.count()).select_from(Organization))).scalar_one() == 0


async def test_defaults(factory: async_sessionmaker[AsyncSession]) -> None:
    before = utcnow()
    async with factory() as db, db.begin():
        job = await enqueue(db, "email.send")
        assert job is not None
    stored = await load_job(factory, job.id)
    assert stored.max_attempts == DEFAULT_MAX_ATTEMPTS
    assert stored.args == {}
    assert stored.run_at >= before
    assert stored.idempotency_key is None


async def test_a_duplicate_idempotency_key_enqueues_nothing_and_keeps_the_transaction_usable(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    async with factory() as db, db.begin():
        first = await enqueue(db, "email.send", idempotency_key="inbound:42")
        second = await enqueue(db, "email.send", idempotency_key="inbound:42")
        assert first is not None
        assert second is None
        # The conflict did not abort the transaction (PostgreSQL would refuse further statements).
        db.add(Organization(name="Acme", webhook_token="t1"))
        await db.flush()
    async with factory() as db, db.begin():
        assert await enqueue(db, "email.send", idempotency_key="inbound:42") is None
        assert await enqueue(db, "email.send", idempotency_key="inbound:43") is not None
    assert await count_jobs(factory) == 2
    async with factory() as db:
        assert (await db.execute(select(func.count()).select_from(Organization))).scalar_one() == 1


async def test_jobs_without_idempotency_keys_never_conflict(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    async with factory() as db, db.begin():
        for _ in range(3):
            assert await enqueue(db, "email.send") is not None
    assert await count_jobs(factory) == 3


async def test_invalid_arguments_are_rejected(factory: async_sessionmaker[AsyncSession]) -> None:
    async with factory() as db, db.begin():
        with pytest.raises(ValueError, match="kind"):
            await enqueue(db, "")
        with pytest.raises(ValueError, match="max_attempts"):
            await enqueue(db, "x", max_attempts=0)
        with pytest.raises(ValueError, match="timezone"):
            await enqueue(db, "x", run_at=utcnow().replace(tzinfo=None))


async def test_workers_are_woken_after_commit_not_before_and_not_on_rollback(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    woken = asyncio.Event()
    register_waiter(woken)
    try:
        async with factory() as db:
            async with db.begin():
                await enqueue(db, "email.send")
                await asyncio.sleep(0)
                assert not woken.is_set()
            await asyncio.sleep(0)
            assert woken.is_set()

            woken.clear()
            async with db.begin():
                await enqueue(db, "email.send")
                await db.rollback()
            # A later commit with no new job does not wake anyone either.
            async with db.begin():
                pass
            await asyncio.sleep(0)
            assert not woken.is_set()
    finally:
        unregister_waiter(woken)


async def test_wake_workers_is_safe_from_another_thread() -> None:
    woken = asyncio.Event()
    register_waiter(woken)
    try:
        thread = threading.Thread(target=wake_workers)
        thread.start()
        thread.join()
        await asyncio.wait_for(woken.wait(), timeout=10)
    finally:
        unregister_waiter(woken)


async def test_requeue_dead_gives_a_dead_job_more_attempts(factory: async_sessionmaker[AsyncSession]) -> None:
    async with factory() as db, db.begin():
        job = await enqueue(db, "email.send", max_attempts=2)
        assert job is not None
        live = await enqueue(db, "email.send")
        assert live is not None
    async with factory() as db, db.begin():
        await db.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(status="dead", attempts=2, last_error="RuntimeError: down", finished_at=utcnow())
        )
    async with factory() as db, db.begin():
        assert await requeue_dead(db, job.id, extra_attempts=3)
        assert not await requeue_dead(db, live.id)
        assert not await requeue_dead(db, 999_999)
    stored = await load_job(factory, job.id)
    assert (stored.status, stored.attempts, stored.max_attempts) == ("queued", 2, 5)
    assert stored.finished_at is None
    assert stored.last_error == "RuntimeError: down"
