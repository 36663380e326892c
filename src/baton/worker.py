"""Every job kind Baton runs, and the worker process that runs them."""

from __future__ import annotations

import asyncio
import contextlib

from baton.conversations.email import INBOUND_JOB, process_inbound_email, send_reply_email
from baton.conversations.turns import EMAIL_AI_REPLY_JOB
from baton.handoff.service import CASE_SYNC_JOB, MIAW_HANDOFF_JOB, MIAW_RECONCILE_JOB, MIAW_RELAY_JOB
from baton.jobs.registry import JobRegistry
from baton.jobs.runner import Worker
from baton.salesforce.cases.poll import POLL_JOB, poll_case_updates, run_poll_scheduler
from baton.salesforce.cases.replies import CASE_EVENT_JOB, EMAIL_AGENT_REPLY_JOB, apply_case_event
from baton.salesforce.cases.sync import sync_case
from baton.salesforce.messaging.handoff import hand_off_live_session, relay_customer_messages
from baton.salesforce.messaging.reconcile import reconcile_session
from baton.salesforce.messaging.streams import run_stream_manager
from baton.services import Services


def build_registry() -> JobRegistry:
    registry = JobRegistry()
    registry.register(CASE_SYNC_JOB, sync_case)
    registry.register(CASE_EVENT_JOB, apply_case_event)
    registry.register(POLL_JOB, poll_case_updates)
    registry.register(INBOUND_JOB, process_inbound_email)
    registry.register(EMAIL_AGENT_REPLY_JOB, send_reply_email)
    registry.register(EMAIL_AI_REPLY_JOB, send_reply_email)
    registry.register(MIAW_HANDOFF_JOB, hand_off_live_session)
    registry.register(MIAW_RELAY_JOB, relay_customer_messages)
    registry.register(MIAW_RECONCILE_JOB, reconcile_session)
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
    services: Services,
    stop: asyncio.Event,
    *,
    concurrency: int = 8,
    polls: bool = True,
    streams: bool = True,
    jobs: bool = True,
) -> None:
    """A worker, the Salesforce poll scheduler and the MIAW stream manager, until ``stop`` is set."""
    tasks = []
    if jobs:
        worker = build_worker(services, concurrency=concurrency)
        tasks.append(asyncio.create_task(worker.run(stop), name="baton-worker"))
    if polls:
        tasks.append(asyncio.create_task(run_poll_scheduler(services, stop), name="baton-poll-scheduler"))
    if streams:
        tasks.append(asyncio.create_task(run_stream_manager(services, stop), name="baton-miaw-streams"))
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
