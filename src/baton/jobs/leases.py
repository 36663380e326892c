"""The SQL of the queue: claim, renew, finish and release jobs under a lease.

A claimed job is ``status='running'`` with ``locked_by`` (the worker) and
``locked_until`` (lease expiry). Every later write by that worker is guarded by
``locked_by`` *and* ``attempts``: once another worker has adopted the job after
the lease expired, the first worker's late writes match no row and change
nothing.

PostgreSQL claims with ``FOR UPDATE SKIP LOCKED`` so concurrent workers pick
disjoint rows without waiting on each other. SQLite has no row locks; the
engine opens every transaction with ``BEGIN IMMEDIATE``, so claims are
serialised by the single writer lock and the same ``UPDATE … RETURNING`` is safe.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import Select, Table, and_, exists, insert, not_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from baton.jobs.timeline import add_job_event
from baton.store.models import Job, JobAttempt

# Core statements on the tables: the runner needs RETURNING and guarded updates, not ORM state.
jobs_t = cast(Table, Job.__table__)
attempts_t = cast(Table, JobAttempt.__table__)

# A job blocks later jobs with its ordering key until it is finished one way or the other.
_BLOCKING_STATUSES = ("queued", "running")
LEASE_EXPIRED_ERROR = "lease expired: the worker stopped renewing it (crashed or stalled)"

Outcome = Literal["succeeded", "retry", "dead", "released"]


@dataclass(frozen=True)
class ClaimedJob:
    """A job this worker holds the lease on, for one attempt."""

    id: int
    kind: str
    args: dict[str, Any]
    org_id: str | None
    session_id: str | None
    attempt: int
    max_attempts: int
    attempt_row_id: int
    started_at: datetime


async def claim_jobs(
    db: AsyncSession,
    *,
    worker_id: str,
    kinds: Collection[str],
    limit: int,
    now: datetime,
    lease_seconds: float,
) -> list[ClaimedJob]:
    """Lease up to ``limit`` eligible jobs of ``kinds`` to ``worker_id`` (inside the caller's transaction).

    Eligible: queued and due, or running with an expired lease (its owner died).
    A job with an ordering key waits while an earlier job with that key is
    queued or running. Also dead-letters expired jobs that used their last attempt,
    so a job that crashes every worker that runs it cannot loop forever.
    """
    if limit <= 0 or not kinds:
        return []
    await _dead_letter_expired_final_attempts(db, now=now)

    eligible = _eligible(kinds=kinds, now=now).limit(limit)
    if db.get_bind().dialect.name == "postgresql":
        # Rows another worker is claiming right now are skipped, not waited for.
        eligible = eligible.with_for_update(skip_locked=True)
    rows = (
        await db.execute(
            update(jobs_t)
            .where(jobs_t.c.id.in_(eligible.scalar_subquery()))
            .values(
                status="running",
                locked_by=worker_id,
                locked_until=now + timedelta(seconds=lease_seconds),
                attempts=jobs_t.c.attempts + 1,
            )
            .returning(
                jobs_t.c.id,
                jobs_t.c.kind,
                jobs_t.c.args,
                jobs_t.c.org_id,
                jobs_t.c.session_id,
                jobs_t.c.attempts,
                jobs_t.c.max_attempts,
            )
        )
    ).all()
    if not rows:
        return []
    by_id = {row.id: row for row in rows}
    await _close_expired_attempts(db, by_id, now=now)

    inserted = (
        await db.execute(
            insert(attempts_t).returning(attempts_t.c.id, attempts_t.c.job_id),
            [
                {"job_id": row.id, "attempt": row.attempts, "worker": worker_id, "started_at": now}
                for row in rows
            ],
        )
    ).all()
    attempt_ids = {r.job_id: r.id for r in inserted}
    claimed = [
        ClaimedJob(
            id=row.id,
            kind=row.kind,
            args=dict(row.args or {}),
            org_id=row.org_id,
            session_id=row.session_id,
            attempt=row.attempts,
            max_attempts=row.max_attempts,
            attempt_row_id=attempt_ids[row.id],
            started_at=now,
        )
        for row in rows
    ]
    claimed.sort(key=lambda job: job.id)
    return claimed


def _eligible(*, kinds: Collection[str], now: datetime) -> Select[tuple[int]]:
    """Ids of jobs a worker for ``kinds`` may start now, oldest due first."""
    candidate = jobs_t.alias("candidate")
    earlier = jobs_t.alias("earlier")
    blocked = exists().where(
        earlier.c.ordering_key == candidate.c.ordering_key,
        earlier.c.id < candidate.c.id,
        earlier.c.status.in_(_BLOCKING_STATUSES),
    )
    return (
        select(candidate.c.id)
        .where(
            candidate.c.kind.in_(sorted(kinds)),
            or_(
                and_(candidate.c.status == "queued", candidate.c.run_at <= now),
                and_(
                    candidate.c.status == "running",
                    candidate.c.locked_until < now,
                    candidate.c.attempts < candidate.c.max_attempts,
                ),
            ),
            or_(candidate.c.ordering_key.is_(None), not_(blocked)),
        )
        .order_by(candidate.c.run_at, candidate.c.id)
    )


async def _dead_letter_expired_final_attempts(db: AsyncSession, *, now: datetime) -> None:
    rows = (
        await db.execute(
            update(jobs_t)
            .where(
                jobs_t.c.status == "running",
                jobs_t.c.locked_until < now,
                jobs_t.c.attempts >= jobs_t.c.max_attempts,
            )
            .values(
                status="dead",
                locked_by=None,
                locked_until=None,
                finished_at=now,
                last_error=LEASE_EXPIRED_ERROR,
            )
            .returning(jobs_t.c.id, jobs_t.c.kind, jobs_t.c.session_id)
        )
    ).all()
    if rows:
        await _close_expired_attempts(db, {row.id: row for row in rows}, now=now)


async def _close_expired_attempts(db: AsyncSession, jobs_by_id: dict[int, Any], *, now: datetime) -> None:
    """Mark the open attempt of each adopted job as ``lease_expired`` (the previous owner never will)."""
    expired = (
        await db.execute(
            update(attempts_t)
            .where(attempts_t.c.job_id.in_(list(jobs_by_id)), attempts_t.c.outcome.is_(None))
            .values(outcome="lease_expired", finished_at=now, error=LEASE_EXPIRED_ERROR)
            .returning(attempts_t.c.job_id, attempts_t.c.attempt, attempts_t.c.started_at)
        )
    ).all()
    for row in expired:
        job = jobs_by_id[row.job_id]
        await add_job_event(
            db,
            session_id=job.session_id,
            event_type="job.attempt",
            data=attempt_event_data(
                job_id=row.job_id,
                kind=job.kind,
                attempt=row.attempt,
                outcome="lease_expired",
                error=LEASE_EXPIRED_ERROR,
                duration_ms=_ms(now - row.started_at),
            ),
        )


async def renew_leases(
    db: AsyncSession, jobs: Sequence[ClaimedJob], *, worker_id: str, now: datetime, lease_seconds: float
) -> set[tuple[int, int]]:
    """Extend the leases this worker still holds; returns the (job id, attempt) pairs renewed."""
    if not jobs:
        return set()
    rows = (
        await db.execute(
            update(jobs_t)
            .where(
                jobs_t.c.id.in_([job.id for job in jobs]),
                jobs_t.c.status == "running",
                jobs_t.c.locked_by == worker_id,
            )
            .values(locked_until=now + timedelta(seconds=lease_seconds))
            .returning(jobs_t.c.id, jobs_t.c.attempts)
        )
    ).all()
    return {(row.id, row.attempts) for row in rows}


async def finish_attempt(
    db: AsyncSession,
    job: ClaimedJob,
    *,
    worker_id: str,
    outcome: Outcome,
    error: str | None,
    now: datetime,
    duration_ms: int,
    retry_at: datetime | None = None,
) -> bool:
    """Record the end of an attempt and move the job on (inside the caller's transaction).

    Returns False, and writes nothing, when the lease was lost to another worker.
    ``released`` gives the job back as queued without using up an attempt.
    """
    values: dict[str, Any] = {"locked_by": None, "locked_until": None}
    if outcome == "succeeded":
        values.update(status="succeeded", finished_at=now, last_error=None)
    elif outcome == "dead":
        values.update(status="dead", finished_at=now, last_error=error)
    elif outcome == "retry":
        values.update(status="queued", run_at=retry_at or now, last_error=error)
    else:
        values.update(status="queued", run_at=now, attempts=jobs_t.c.attempts - 1)
    result = await db.execute(
        update(jobs_t)
        .where(
            jobs_t.c.id == job.id,
            jobs_t.c.status == "running",
            jobs_t.c.locked_by == worker_id,
            jobs_t.c.attempts == job.attempt,
        )
        .values(**values)
        .returning(jobs_t.c.id)
    )
    if result.first() is None:
        return False
    await db.execute(
        update(attempts_t)
        .where(attempts_t.c.id == job.attempt_row_id)
        .values(outcome=outcome, finished_at=now, error=error)
    )
    await add_job_event(
        db,
        session_id=job.session_id,
        event_type="job.attempt",
        data=attempt_event_data(
            job_id=job.id,
            kind=job.kind,
            attempt=job.attempt,
            outcome=outcome,
            error=error,
            duration_ms=duration_ms,
        ),
    )
    return True


async def has_work(db: AsyncSession, *, kinds: Collection[str], now: datetime) -> bool:
    """True while a job of ``kinds`` is running anywhere or could be started now.

    A running job may unblock the next job with its ordering key or be retried, so
    it counts as work in progress for :meth:`Worker.run_until_idle`.
    """
    if not kinds:
        return False
    running = (
        select(jobs_t.c.id).where(jobs_t.c.status == "running", jobs_t.c.kind.in_(sorted(kinds))).limit(1)
    )
    if (await db.execute(running)).first() is not None:
        return True
    return (await db.execute(_eligible(kinds=kinds, now=now).limit(1))).first() is not None


def attempt_event_data(
    *, job_id: int, kind: str, attempt: int, outcome: str, error: str | None, duration_ms: int
) -> dict[str, Any]:
    """The ``data`` of a ``job.attempt`` debug event."""
    return {
        "job_id": job_id,
        "kind": kind,
        "attempt": attempt,
        "outcome": outcome,
        "error": error,
        "duration_ms": duration_ms,
    }


def _ms(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() * 1000))
