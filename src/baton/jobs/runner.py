"""The worker: claims due jobs, runs their handlers, records every attempt.

Many workers (in one process or many) share the ``jobs`` table; the lease
protocol in :mod:`baton.jobs.leases` keeps each job with one owner at a time and
lets a live worker adopt the jobs of a dead one once their lease expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from baton.jobs import leases
from baton.jobs.backoff import Backoff
from baton.jobs.errors import PermanentFailure, RetryLater, describe_error
from baton.jobs.leases import ClaimedJob, Outcome
from baton.jobs.registry import JobContext, JobRegistry
from baton.jobs.wakeup import register_waiter, unregister_waiter
from baton.store.base import utcnow

logger = logging.getLogger(__name__)

# Recording an outcome is retried a few times: losing it means the job runs again after its lease.
_FINISH_TRIES = 4


def default_worker_id() -> str:
    """``host:pid:random``: unique per Worker, readable in ``locked_by`` and attempt rows."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"


class Worker:
    """Runs jobs of the kinds in ``registry`` with up to ``concurrency`` at a time."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        registry: JobRegistry,
        *,
        services: Any = None,
        worker_id: str | None = None,
        concurrency: int = 4,
        poll_interval: float = 0.2,
        lease_seconds: float = 30,
        heartbeat_seconds: float = 10,
        shutdown_grace: float = 10,
        backoff: Backoff | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        if not 0 < heartbeat_seconds < lease_seconds:
            raise ValueError("heartbeat_seconds must be > 0 and shorter than lease_seconds")
        if poll_interval <= 0:
            raise ValueError("poll_interval must be > 0")
        self.session_factory = session_factory
        self.registry = registry
        self.services = services
        self.worker_id = (worker_id or default_worker_id())[:128]
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.lease_seconds = lease_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self.shutdown_grace = shutdown_grace
        self.backoff = backoff or Backoff()
        # Injectable so tests can move time (due retries, expired leases) without sleeping.
        self.clock = clock
        self._inflight: dict[asyncio.Task[None], ClaimedJob] = {}
        self._wake = asyncio.Event()
        self._lost: set[tuple[int, int]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Run jobs until ``stop`` is set, then finish (or release) the jobs in hand."""
        await self._serve(stop=stop, until_idle=False)

    async def run_until_idle(self, timeout: float) -> None:  # noqa: ASYNC109 (part of the public API)
        """Run jobs until none is due and none is running anywhere; raise TimeoutError after ``timeout``.

        Jobs scheduled in the future (backoff) do not count as due. Meant for tests
        and one-shot maintenance commands.
        """
        async with asyncio.timeout(timeout):
            await self._serve(stop=None, until_idle=True)

    # -- the loop ---------------------------------------------------------------------------

    async def _serve(self, *, stop: asyncio.Event | None, until_idle: bool) -> None:
        wake = self._wake = asyncio.Event()
        register_waiter(wake)
        helpers = [asyncio.create_task(self._heartbeat_loop(), name=f"heartbeat {self.worker_id}")]
        if stop is not None:
            helpers.append(asyncio.create_task(_set_when(stop, wake)))
        try:
            while stop is None or not stop.is_set():
                # Cleared before claiming, so a wake-up during the claim is not lost.
                wake.clear()
                free = self.concurrency - len(self._inflight)
                claimed = await self._claim(free) if free > 0 else []
                for job in claimed:
                    self._start(job)
                if until_idle and not claimed and not self._inflight and not await self._has_work():
                    return
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_interval):
                        await wake.wait()
            await self._drain()
        finally:
            unregister_waiter(wake)
            await self._release_all()
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)

    async def _claim(self, limit: int) -> list[ClaimedJob]:
        kinds = self.registry.kinds()
        try:
            async with self.session_factory() as db, db.begin():
                return await leases.claim_jobs(
                    db,
                    worker_id=self.worker_id,
                    kinds=kinds,
                    limit=limit,
                    now=self.clock(),
                    lease_seconds=self.lease_seconds,
                )
        except Exception as exc:
            # A database hiccup must not kill the worker; the next poll tries again.
            logger.warning("job claim failed: %s", describe_error(exc))
            return []

    async def _has_work(self) -> bool:
        try:
            async with self.session_factory() as db, db.begin():
                return await leases.has_work(db, kinds=self.registry.kinds(), now=self.clock())
        except Exception as exc:
            logger.warning("job queue check failed: %s", describe_error(exc))
            return True

    def _start(self, job: ClaimedJob) -> None:
        task = asyncio.create_task(self._execute(job), name=f"job {job.id} {job.kind}")
        self._inflight[task] = job
        task.add_done_callback(self._on_done)

    def _on_done(self, task: asyncio.Task[None]) -> None:
        self._inflight.pop(task, None)
        self._wake.set()
        if not task.cancelled() and (exc := task.exception()) is not None:
            logger.error("job task crashed: %s", describe_error(exc))

    async def _drain(self) -> None:
        """Graceful stop: let running handlers finish within ``shutdown_grace``; the rest are released."""
        if self._inflight:
            await asyncio.wait(list(self._inflight), timeout=self.shutdown_grace)

    async def _release_all(self) -> None:
        tasks = list(self._inflight)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- one attempt ------------------------------------------------------------------------

    async def _execute(self, job: ClaimedJob) -> None:
        handler = self.registry.get(job.kind)
        ctx = JobContext(
            job_id=job.id,
            kind=job.kind,
            args=job.args,
            org_id=job.org_id,
            session_id=job.session_id,
            attempt=job.attempt,
            max_attempts=job.max_attempts,
            services=self.services,
            worker_id=self.worker_id,
        )
        started = time.monotonic()
        outcome: Outcome
        error: str | None = None
        delay: float | None = None
        try:
            if handler is None:
                raise PermanentFailure(f"no handler registered for job kind {job.kind!r}")
            await handler(ctx)
        except asyncio.CancelledError:
            # Worker shutting down: give the job back without counting the attempt as a failure.
            await asyncio.shield(self._record(job, "released", None, started))
            raise
        except PermanentFailure as exc:
            outcome, error = "dead", describe_error(exc)
        except RetryLater as exc:
            outcome, error, delay = "retry", describe_error(exc), exc.delay_seconds
        except Exception as exc:
            outcome, error = "retry", describe_error(exc)
        else:
            outcome = "succeeded"
        if outcome == "retry" and job.attempt >= job.max_attempts:
            outcome = "dead"
        if outcome != "succeeded":
            logger.info("job %s (%s) attempt %s: %s: %s", job.id, job.kind, job.attempt, outcome, error)
        await self._record(job, outcome, error, started, delay)

    async def _record(
        self, job: ClaimedJob, outcome: Outcome, error: str | None, started: float, delay: float | None = None
    ) -> None:
        duration_ms = int((time.monotonic() - started) * 1000)
        for attempt in range(_FINISH_TRIES):
            now = self.clock()
            retry_at = None
            if outcome == "retry":
                seconds = delay if delay is not None else self.backoff.delay(job.attempt)
                retry_at = now + timedelta(seconds=seconds)
            try:
                async with self.session_factory() as db, db.begin():
                    recorded = await leases.finish_attempt(
                        db,
                        job,
                        worker_id=self.worker_id,
                        outcome=outcome,
                        error=error,
                        now=now,
                        duration_ms=duration_ms,
                        retry_at=retry_at,
                    )
            except Exception as exc:
                logger.warning("recording job %s outcome failed: %s", job.id, describe_error(exc))
                await asyncio.sleep(0.05 * 2**attempt)
                continue
            if not recorded:
                logger.warning(
                    "job %s attempt %s finished after its lease was lost; outcome %s discarded",
                    job.id,
                    job.attempt,
                    outcome,
                )
            return
        logger.error("job %s outcome %s could not be recorded; it will run again", job.id, outcome)

    # -- leases -----------------------------------------------------------------------------

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            jobs = list(self._inflight.values())
            if not jobs:
                continue
            try:
                async with self.session_factory() as db, db.begin():
                    renewed = await leases.renew_leases(
                        db,
                        jobs,
                        worker_id=self.worker_id,
                        now=self.clock(),
                        lease_seconds=self.lease_seconds,
                    )
            except Exception as exc:
                logger.warning("lease renewal failed: %s", describe_error(exc))
                continue
            for job in jobs:
                key = (job.id, job.attempt)
                if key not in renewed and key not in self._lost:
                    self._lost.add(key)
                    logger.warning("job %s attempt %s: lease lost to another worker", job.id, job.attempt)


async def _set_when(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()
