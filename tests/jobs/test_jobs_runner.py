from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest
from jobs_support import MovableClock, load_attempts, load_events, load_job
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from baton.jobs import Backoff, JobContext, JobRegistry, PermanentFailure, RetryLater, Worker, enqueue

pytestmark = pytest.mark.anyio

NO_DELAY = Backoff(base_seconds=0, cap_seconds=0)


async def enqueue_one(factory: async_sessionmaker[AsyncSession], kind: str, **kwargs: object) -> int:
    async with factory() as db, db.begin():
        job = await enqueue(db, kind, **kwargs)  # type: ignore[arg-type]
        assert job is not None
        return job.id


def worker_for(factory: async_sessionmaker[AsyncSession], registry: JobRegistry, **kwargs: object) -> Worker:
    options: dict[str, object] = {"poll_interval": 0.05, "backoff": NO_DELAY}
    options.update(kwargs)
    return Worker(factory, registry, **options)  # type: ignore[arg-type]


async def test_a_successful_job_is_recorded_with_its_attempt_and_debug_event(
    factory: async_sessionmaker[AsyncSession], conversation: tuple[str, str]
) -> None:
    org_id, session_id = conversation
    seen: list[JobContext] = []
    services = object()
    registry = JobRegistry()

    @registry.handler("salesforce.create_case")
    async def create_case(ctx: JobContext) -> None:
        seen.append(ctx)

    job_id = await enqueue_one(
        factory, "salesforce.create_case", args={"handoff": "h1"}, org_id=org_id, session_id=session_id
    )
    worker = worker_for(factory, registry, services=services, worker_id="w1")
    await worker.run_until_idle(timeout=30)

    [ctx] = seen
    assert (ctx.job_id, ctx.kind, ctx.args, ctx.org_id, ctx.session_id) == (
        job_id,
        "salesforce.create_case",
        {"handoff": "h1"},
        org_id,
        session_id,
    )
    assert (ctx.attempt, ctx.max_attempts, ctx.services, ctx.worker_id) == (1, 10, services, "w1")
    job = await load_job(factory, job_id)
    assert (job.status, job.attempts, job.locked_by, job.locked_until) == ("succeeded", 1, None, None)
    assert job.finished_at is not None
    [attempt] = await load_attempts(factory, job_id)
    assert (attempt.attempt, attempt.worker, attempt.outcome, attempt.error) == (1, "w1", "succeeded", None)
    assert attempt.finished_at is not None and attempt.finished_at >= attempt.started_at
    [event] = await load_events(factory, session_id)
    assert event["type"] == "job.attempt"
    assert {k: event[k] for k in ("job_id", "kind", "attempt", "outcome", "error")} == {
        "job_id": job_id,
        "kind": "salesforce.create_case",
        "attempt": 1,
        "outcome": "succeeded",
        "error": None,
    }
    assert isinstance(event["duration_ms"], int)


async def test_transient_errors_are_retried_with_backoff_then_succeed(
    factory: async_sessionmaker[AsyncSession], conversation: tuple[str, str], clock: MovableClock
) -> None:
    org_id, session_id = conversation
    calls: list[int] = []
    registry = JobRegistry()

    @registry.handler("sms.send")
    async def send(ctx: JobContext) -> None:
        calls.append(ctx.attempt)
        if ctx.attempt < 3:
            raise ConnectionError(f"provider unreachable (try {ctx.attempt})")

    backoff = Backoff(base_seconds=2, cap_seconds=60, rng=random.Random(7))
    expected = Backoff(base_seconds=2, cap_seconds=60, rng=random.Random(7))
    job_id = await enqueue_one(factory, "sms.send", org_id=org_id, session_id=session_id)
    worker = worker_for(factory, registry, backoff=backoff, clock=clock)

    for attempt in (1, 2):
        await worker.run_until_idle(timeout=30)
        assert calls == list(range(1, attempt + 1))
        job = await load_job(factory, job_id)
        assert (job.status, job.attempts) == ("queued", attempt)
        assert job.last_error == f"ConnectionError: provider unreachable (try {attempt})"
        finished = (await load_attempts(factory, job_id))[-1].finished_at
        assert finished is not None
        delay = expected.delay(attempt)
        assert abs(job.run_at - (finished + timedelta(seconds=delay))) < timedelta(milliseconds=1)
        # Not due yet: the worker goes idle without running it again.
        await worker.run_until_idle(timeout=30)
        assert len(calls) == attempt
        clock.advance(expected.ceiling(attempt) + 1)

    await worker.run_until_idle(timeout=30)
    assert calls == [1, 2, 3]
    job = await load_job(factory, job_id)
    assert (job.status, job.attempts, job.last_error) == ("succeeded", 3, None)
    outcomes = [(a.attempt, a.outcome) for a in await load_attempts(factory, job_id)]
    assert outcomes == [(1, "retry"), (2, "retry"), (3, "succeeded")]
    events = await load_events(factory, session_id)
    assert [(e["attempt"], e["outcome"]) for e in events] == outcomes
    assert events[0]["error"] == "ConnectionError: provider unreachable (try 1)"


async def test_retry_later_uses_the_given_delay(
    factory: async_sessionmaker[AsyncSession], clock: MovableClock
) -> None:
    registry = JobRegistry()

    @registry.handler("salesforce.post_comment")
    async def post(ctx: JobContext) -> None:
        if ctx.attempt == 1:
            raise RetryLater(delay_seconds=120, reason="rate limited")

    job_id = await enqueue_one(factory, "salesforce.post_comment")
    worker = worker_for(factory, registry, clock=clock)
    await worker.run_until_idle(timeout=30)
    job = await load_job(factory, job_id)
    [attempt] = await load_attempts(factory, job_id)
    assert (job.status, job.last_error, attempt.outcome) == ("queued", "RetryLater: rate limited", "retry")
    assert attempt.finished_at is not None
    assert abs(job.run_at - (attempt.finished_at + timedelta(seconds=120))) < timedelta(milliseconds=1)
    clock.advance(121)
    await worker.run_until_idle(timeout=30)
    assert (await load_job(factory, job_id)).status == "succeeded"


async def test_a_permanent_failure_dead_letters_at_once(
    factory: async_sessionmaker[AsyncSession], conversation: tuple[str, str]
) -> None:
    org_id, session_id = conversation
    registry = JobRegistry()

    @registry.handler("salesforce.create_case")
    async def create_case(ctx: JobContext) -> None:
        raise PermanentFailure("Case_From__c does not exist on Case")

    job_id = await enqueue_one(factory, "salesforce.create_case", org_id=org_id, session_id=session_id)
    await worker_for(factory, registry).run_until_idle(timeout=30)
    job = await load_job(factory, job_id)
    assert (job.status, job.attempts) == ("dead", 1)
    assert job.last_error == "PermanentFailure: Case_From__c does not exist on Case"
    assert job.finished_at is not None
    [attempt] = await load_attempts(factory, job_id)
    assert (attempt.outcome, attempt.error) == ("dead", job.last_error)
    [event] = await load_events(factory, session_id)
    assert (event["outcome"], event["error"]) == ("dead", job.last_error)


async def test_after_max_attempts_the_job_is_dead_with_its_last_error(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    registry = JobRegistry()

    @registry.handler("email.send")
    async def send(ctx: JobContext) -> None:
        raise RuntimeError(f"SMTP 451 on attempt {ctx.attempt}")

    job_id = await enqueue_one(factory, "email.send", max_attempts=3)
    await worker_for(factory, registry).run_until_idle(timeout=30)
    job = await load_job(factory, job_id)
    assert (job.status, job.attempts) == ("dead", 3)
    assert job.last_error == "RuntimeError: SMTP 451 on attempt 3"
    outcomes = [(a.attempt, a.outcome) for a in await load_attempts(factory, job_id)]
    assert outcomes == [(1, "retry"), (2, "retry"), (3, "dead")]


async def test_retry_later_on_the_last_attempt_dead_letters(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    registry = JobRegistry()

    @registry.handler("email.send")
    async def send(ctx: JobContext) -> None:
        raise RetryLater(0, "mailbox busy")

    job_id = await enqueue_one(factory, "email.send", max_attempts=2)
    await worker_for(factory, registry).run_until_idle(timeout=30)
    job = await load_job(factory, job_id)
    assert (job.status, job.attempts, job.last_error) == ("dead", 2, "RetryLater: mailbox busy")


async def test_errors_are_one_short_line_without_traceback(factory: async_sessionmaker[AsyncSession]) -> None:
    registry = JobRegistry()

    @registry.handler("email.send")
    async def send(ctx: JobContext) -> None:
        raise ValueError("line one\nline two " + "x" * 5000)

    job_id = await enqueue_one(factory, "email.send", max_attempts=1)
    await worker_for(factory, registry).run_until_idle(timeout=30)
    job = await load_job(factory, job_id)
    assert job.last_error is not None
    assert job.last_error.startswith("ValueError: line one line two xxx")
    assert "\n" not in job.last_error
    assert "Traceback" not in job.last_error
    assert len(job.last_error) <= 1000


async def test_a_worker_only_claims_kinds_it_knows(factory: async_sessionmaker[AsyncSession]) -> None:
    registry = JobRegistry()

    @registry.handler("email.send")
    async def send(ctx: JobContext) -> None:
        pass

    known = await enqueue_one(factory, "email.send")
    unknown = await enqueue_one(factory, "voice.call")
    await worker_for(factory, registry).run_until_idle(timeout=30)
    assert (await load_job(factory, known)).status == "succeeded"
    assert (await load_job(factory, unknown)).status == "queued"


async def test_a_job_waits_for_the_earlier_job_with_its_ordering_key(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    first_started = asyncio.Event()
    release_first = asyncio.Event()
    log: list[str] = []
    registry = JobRegistry()

    @registry.handler("salesforce.create_case")
    async def create_case(ctx: JobContext) -> None:
        log.append("case started")
        first_started.set()
        await release_first.wait()
        log.append("case created")

    @registry.handler("salesforce.post_comment")
    async def post_comment(ctx: JobContext) -> None:
        log.append(f"comment {ctx.args['n']}")

    case = await enqueue_one(factory, "salesforce.create_case", ordering_key="session:1")
    comments = [
        await enqueue_one(factory, "salesforce.post_comment", args={"n": n}, ordering_key="session:1")
        for n in (1, 2)
    ]
    other = await enqueue_one(factory, "salesforce.post_comment", args={"n": 99}, ordering_key="session:2")

    workers = [worker_for(factory, registry, concurrency=4) for _ in range(4)]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run(stop)) for w in workers]
    try:
        await asyncio.wait_for(first_started.wait(), timeout=30)
        # The unrelated key is not held up.
        for _ in range(600):
            if (await load_job(factory, other)).status == "succeeded":
                break
            await asyncio.sleep(0.05)
        assert (await load_job(factory, other)).status == "succeeded"
        # Every worker has polled repeatedly meanwhile; the comments are still waiting.
        assert [(await load_job(factory, c)).status for c in comments] == ["queued", "queued"]
        release_first.set()
        for _ in range(600):
            if (await load_job(factory, comments[-1])).status == "succeeded":
                break
            await asyncio.sleep(0.05)
    finally:
        release_first.set()
        stop.set()
        await asyncio.gather(*tasks)
    assert [(await load_job(factory, j)).status for j in (case, *comments)] == ["succeeded"] * 3
    assert [e for e in log if e != "comment 99"] == ["case started", "case created", "comment 1", "comment 2"]


async def test_per_key_order_holds_with_many_concurrent_workers(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    active: set[str] = set()
    order: dict[str, list[int]] = {}
    registry = JobRegistry()

    @registry.handler("step")
    async def step(ctx: JobContext) -> None:
        key = ctx.args["key"]
        assert key not in active, f"two jobs of {key} ran at once"
        active.add(key)
        await asyncio.sleep(0)
        order.setdefault(key, []).append(ctx.args["n"])
        active.discard(key)

    keys = [f"session:{i}" for i in range(5)]
    async with factory() as db, db.begin():
        for n in range(12):
            for key in keys:
                await enqueue(db, "step", args={"key": key, "n": n}, ordering_key=key)
    workers = [worker_for(factory, registry, concurrency=4) for _ in range(4)]
    await asyncio.gather(*(w.run_until_idle(timeout=120) for w in workers))
    assert order == {key: list(range(12)) for key in keys}


async def test_a_dead_or_retrying_earlier_job(
    factory: async_sessionmaker[AsyncSession], clock: MovableClock
) -> None:
    """A retrying job keeps the later ones waiting; once dead it stops blocking them."""
    registry = JobRegistry()
    ran: list[str] = []

    @registry.handler("salesforce.create_case")
    async def create_case(ctx: JobContext) -> None:
        ran.append(f"case {ctx.attempt}")
        if ctx.attempt == 1:
            raise RetryLater(60, "Salesforce unavailable")
        raise PermanentFailure("invalid org")

    @registry.handler("salesforce.post_comment")
    async def post_comment(ctx: JobContext) -> None:
        ran.append("comment")

    case = await enqueue_one(factory, "salesforce.create_case", ordering_key="k", max_attempts=5)
    comment = await enqueue_one(factory, "salesforce.post_comment", ordering_key="k")
    worker = worker_for(factory, registry, clock=clock)
    await worker.run_until_idle(timeout=30)
    assert ran == ["case 1"]
    assert (await load_job(factory, comment)).status == "queued"

    clock.advance(61)
    await worker.run_until_idle(timeout=30)
    assert ran == ["case 1", "case 2", "comment"]
    assert (await load_job(factory, case)).status == "dead"
    assert (await load_job(factory, comment)).status == "succeeded"


async def test_enqueue_wakes_an_idle_worker(factory: async_sessionmaker[AsyncSession]) -> None:
    done: asyncio.Queue[int] = asyncio.Queue()
    registry = JobRegistry()

    @registry.handler("email.send")
    async def send(ctx: JobContext) -> None:
        await done.put(ctx.job_id)

    # Polling alone would take a minute: only the wake-up can make this pass within the timeouts.
    worker = worker_for(factory, registry, poll_interval=60)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        for _ in range(3):
            job_id = await enqueue_one(factory, "email.send")
            assert await asyncio.wait_for(done.get(), timeout=20) == job_id
    finally:
        stop.set()
        await task


async def test_graceful_stop_finishes_jobs_in_hand(factory: async_sessionmaker[AsyncSession]) -> None:
    started = asyncio.Event()
    proceed = asyncio.Event()
    registry = JobRegistry()

    @registry.handler("email.send")
    async def send(ctx: JobContext) -> None:
        started.set()
        await proceed.wait()

    job_id = await enqueue_one(factory, "email.send")
    worker = worker_for(factory, registry, shutdown_grace=60)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    await asyncio.wait_for(started.wait(), timeout=30)
    stop.set()
    await asyncio.sleep(0.1)
    assert not task.done()
    proceed.set()
    await asyncio.wait_for(task, timeout=30)
    assert (await load_job(factory, job_id)).status == "succeeded"


async def test_graceful_stop_releases_jobs_that_do_not_finish_in_time(
    factory: async_sessionmaker[AsyncSession], conversation: tuple[str, str]
) -> None:
    org_id, session_id = conversation
    started = asyncio.Event()
    registry = JobRegistry()

    @registry.handler("email.send")
    async def send(ctx: JobContext) -> None:
        if ctx.worker_id == "slow":
            started.set()
            await asyncio.Event().wait()

    job_id = await enqueue_one(factory, "email.send", org_id=org_id, session_id=session_id, max_attempts=1)
    worker = worker_for(factory, registry, worker_id="slow", shutdown_grace=0)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    await asyncio.wait_for(started.wait(), timeout=30)
    stop.set()
    await asyncio.wait_for(task, timeout=30)

    job = await load_job(factory, job_id)
    # Released: queued again, and the interrupted attempt is not counted against max_attempts=1.
    assert (job.status, job.attempts, job.locked_by) == ("queued", 0, None)
    await worker_for(factory, registry, worker_id="next").run_until_idle(timeout=30)
    job = await load_job(factory, job_id)
    assert (job.status, job.attempts) == ("succeeded", 1)
    attempts = [(a.attempt, a.worker, a.outcome) for a in await load_attempts(factory, job_id)]
    assert attempts == [(1, "slow", "released"), (1, "next", "succeeded")]
    assert [e["outcome"] for e in await load_events(factory, session_id)] == ["released", "succeeded"]


async def test_run_until_idle_raises_timeout_and_releases_the_job(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    registry = JobRegistry()

    @registry.handler("email.send")
    async def send(ctx: JobContext) -> None:
        await asyncio.Event().wait()

    job_id = await enqueue_one(factory, "email.send")
    with pytest.raises(TimeoutError):
        await worker_for(factory, registry).run_until_idle(timeout=0.5)
    job = await load_job(factory, job_id)
    assert (job.status, job.attempts) == ("queued", 0)
