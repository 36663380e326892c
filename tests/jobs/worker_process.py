"""A worker process that claims ``hang`` jobs and never finishes them, for kill -9 tests.

Usage: python worker_process.py DATABASE_URL WORKER_ID LEASE_SECONDS
"""

from __future__ import annotations

import asyncio
import sys

from baton.jobs import JobContext, JobRegistry, Worker
from baton.store.engine import create_engine, session_factory


async def main(url: str, worker_id: str, lease_seconds: float) -> None:
    registry = JobRegistry()

    @registry.handler("hang")
    async def hang(ctx: JobContext) -> None:
        await asyncio.Event().wait()

    engine = create_engine(url)
    worker = Worker(
        session_factory(engine),
        registry,
        worker_id=worker_id,
        poll_interval=0.05,
        lease_seconds=lease_seconds,
        heartbeat_seconds=lease_seconds / 4,
    )
    # Runs until killed; the test sends SIGKILL, so nothing after this line ever runs.
    await worker.run(asyncio.Event())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
