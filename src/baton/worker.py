"""Every job kind Baton runs, and the worker process that runs them."""

from __future__ import annotations

import asyncio
import contextlib

from baton.conversations.email import INBOUND_JOB, process_inbound_email, send_reply_email
from baton.conversations.turns import EMAIL_AI_REPLY_JOB
from baton.handoff.service import CASE_SYNC_JOB
from baton.jobs.registry import JobRegistry
from baton.jobs.runner import Worker
from baton.salesforce.cases.poll import POLL_JOB, poll_case_updates, run_poll_scheduler
from baton.salesforce.cases.replies import CASE_EVENT_JOB, EMAIL_AGENT_REPLY_JOB, apply_case_event
from baton.salesforce.cases.sync import sync_case
from baton.services import Services


def build_registry() -> JobRegistry:
    registry = JobRegistry()
    registry.register(CASE_SYNC_JOB, sync_case)
    registry.register(CASE_EVENT_JOB, apply_case_event)
    registry.register(POLL_JOB, poll_case_updates)
    registry.register(INBOUND_JOB, process_inbound_email)
    registry.register(EMAIL_AGENT_REPLY_JOB, send_reply_email)
    registry.register(EMAIL_AI_REPLY_JOB, send_reply_email)
    return registry


def build_worker(services: Services, *, concurrency: int = 8, worker_id: str | None = None) -> Worker:
    return Worker(
        services.session_factory,
        build_registry(),
        services=services,
        worker_id=worker_id,
        concurrency=concurrency,
        poll_interval=services.settings.job_poll_seconds,
        lease_seconds=services.settings.job_lease_seconds,
        heartbeat_seconds=services.settings.job_lease_seconds / 3,
    )


async def run_worker(
    services: Services, stop: asyncio.Event, *, concurrency: int = 8, polls: bool = True
) -> None:
    """A worker plus the Salesforce poll scheduler, until ``stop`` is set."""
    worker = build_worker(services, concurrency=concurrency)
    tasks = [asyncio.create_task(worker.run(stop), name="baton-worker")]
    if polls:
        tasks.append(asyncio.create_task(run_poll_scheduler(services, stop), name="baton-poll-scheduler"))
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
