"""Enqueueing jobs in the caller's transaction (the transactional outbox).

``enqueue`` only adds a row to the caller's open transaction: the job exists if
and only if the state change that caused it commits. Once that transaction
commits, workers in this process are woken through :func:`wake_workers`;
workers in other processes find the job on their next poll.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Insert, event, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session as SyncSession

from baton.jobs.leases import jobs_t
from baton.jobs.timeline import add_job_event
from baton.jobs.wakeup import wake_workers
from baton.store.base import utcnow
from baton.store.models import Job

DEFAULT_MAX_ATTEMPTS = 10
_WAKE_PENDING = "baton.jobs.wake_pending"
_WAKE_HOOKED = "baton.jobs.wake_hooked"


async def enqueue(
    db: AsyncSession,
    kind: str,
    *,
    args: dict[str, Any] | None = None,
    org_id: str | None = None,
    session_id: str | None = None,
    ordering_key: str | None = None,
    idempotency_key: str | None = None,
    run_at: datetime | None = None,
    max_attempts: int | None = None,
) -> Job | None:
    """Add a job to the caller's transaction; it becomes visible to workers on commit.

    With an ``idempotency_key`` that already exists, nothing is enqueued and None
    is returned. The check is an ``INSERT … ON CONFLICT DO NOTHING``, so it never
    raises and never aborts the caller's transaction. Workers in this process are
    woken after the transaction commits.
    """
    if not kind or len(kind) > 64:
        raise ValueError("job kind must be 1 to 64 characters")
    if max_attempts is not None and max_attempts < 1:
        raise ValueError("max_attempts must be >= 1")
    if run_at is not None and run_at.tzinfo is None:
        raise ValueError("run_at must be timezone-aware")
    now = utcnow()
    values: dict[str, Any] = {
        "kind": kind,
        "args": dict(args or {}),
        "org_id": org_id,
        "session_id": session_id,
        "ordering_key": ordering_key,
        "idempotency_key": idempotency_key,
        "status": "queued",
        "attempts": 0,
        "max_attempts": max_attempts or DEFAULT_MAX_ATTEMPTS,
        "run_at": run_at or now,
        "created_at": now,
    }
    stmt = _insert_for(db).values(**values)
    if idempotency_key is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["idempotency_key"])
    job = (await db.execute(stmt.returning(Job))).scalar_one_or_none()
    if job is not None:
        _wake_after_commit(db)
    return job


async def requeue_dead(db: AsyncSession, job_id: int, *, extra_attempts: int = 5) -> bool:
    """Give a dead job ``extra_attempts`` more attempts, due now (for the admin).

    Attempt numbers keep counting from where the job died, so its attempt
    history stays readable. Returns False when the job is not dead. Note that a
    requeued job does not wait for later jobs with its ordering key that already
    ran: they were unblocked when it died.
    """
    if extra_attempts < 1:
        raise ValueError("extra_attempts must be >= 1")
    table = jobs_t
    row = (
        await db.execute(
            update(table)
            .where(table.c.id == job_id, table.c.status == "dead")
            .values(
                status="queued",
                run_at=utcnow(),
                max_attempts=table.c.attempts + extra_attempts,
                locked_by=None,
                locked_until=None,
                finished_at=None,
            )
            .returning(table.c.kind, table.c.session_id, table.c.max_attempts)
        )
    ).one_or_none()
    if row is None:
        return False
    await add_job_event(
        db,
        session_id=row.session_id,
        event_type="job.requeued",
        data={"job_id": job_id, "kind": row.kind, "max_attempts": row.max_attempts},
    )
    _wake_after_commit(db)
    return True


def _insert_for(db: AsyncSession) -> Any:
    # ON CONFLICT lives on the dialect-specific insert constructs.
    dialect = db.get_bind().dialect.name
    insert_factory: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    if dialect not in ("postgresql", "sqlite"):
        raise RuntimeError(f"unsupported database dialect: {dialect}")
    stmt: Insert = insert_factory(Job)
    return stmt


def _wake_after_commit(db: AsyncSession) -> None:
    """Call ``wake_workers()`` once the session's current transaction commits."""
    sync_session = db.sync_session
    sync_session.info[_WAKE_PENDING] = True
    if sync_session.info.get(_WAKE_HOOKED):
        return
    sync_session.info[_WAKE_HOOKED] = True
    event.listen(sync_session, "after_commit", _on_commit)
    event.listen(sync_session, "after_rollback", _on_rollback)


def _on_commit(session: SyncSession) -> None:
    if session.info.pop(_WAKE_PENDING, False):
        wake_workers()


def _on_rollback(session: SyncSession) -> None:
    session.info.pop(_WAKE_PENDING, None)
