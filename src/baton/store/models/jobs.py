"""The durable job queue (transactional outbox) and the record of every attempt.

The queue logic lives in ``baton.jobs``; these tables are its only state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from baton.store.base import Base, BigIntPK, utcnow

JOB_STATUSES = ("queued", "running", "succeeded", "dead")
ATTEMPT_OUTCOMES = ("succeeded", "retry", "dead", "lease_expired", "released")


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        # Claim scan: due queued jobs, and running jobs whose lease expired.
        Index("ix_jobs_claim", "status", "run_at"),
        # "Is an earlier job with my ordering key still queued or running?"
        Index("ix_jobs_ordering", "ordering_key", "status", "id"),
        CheckConstraint(f"status IN {JOB_STATUSES!r}", name="status"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    org_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)
    session_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)
    # Ids the handler works on; never a payload copy of state that lives elsewhere.
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Jobs sharing a key run one at a time, in id order (e.g. a session's Salesforce calls).
    ordering_key: Mapped[str | None] = mapped_column(String(128), default=None)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), default=None, unique=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|running|succeeded|dead
    # Attempts started so far (a released attempt is given back); equals the current attempt while running.
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=10)
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The lease: which worker runs the job, and until when others must keep off.
    locked_by: Mapped[str | None] = mapped_column(String(128), default=None)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class JobAttempt(Base):
    """One attempt of a job: written when it is claimed, completed when it ends."""

    __tablename__ = "job_attempts"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column()
    worker: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    # NULL while running, then: succeeded | retry | dead | lease_expired | released
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
