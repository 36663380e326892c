"""The durable job queue: a transactional outbox with a lease-based runner.

Every call Baton makes to another system is a job, enqueued with :func:`enqueue`
in the same transaction as the state change that caused it, and run by a
:class:`Worker` with retries, backoff, leases, per-key ordering and dead-lettering.
See ``docs/adr/0002-in-house-job-queue.md``.
"""

from baton.jobs.backoff import Backoff
from baton.jobs.errors import PermanentFailure, RetryLater
from baton.jobs.queue import DEFAULT_MAX_ATTEMPTS, enqueue, requeue_dead
from baton.jobs.registry import JobContext, JobHandler, JobRegistry
from baton.jobs.runner import Worker
from baton.jobs.wakeup import wake_workers

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "Backoff",
    "JobContext",
    "JobHandler",
    "JobRegistry",
    "PermanentFailure",
    "RetryLater",
    "Worker",
    "enqueue",
    "requeue_dead",
    "wake_workers",
]
