"""Exactly once under faults: N email handoffs against a hostile Salesforce, with a worker killed mid-run.

The emulator answers 20 % of calls with a 5xx, hangs on some (longer than Baton's
timeout, then applies the request: an ambiguous outcome), loses some responses after
applying them, expires every access token several times, and refuses everything for a
rate-limit window; one of two worker processes is killed with SIGKILL mid-run and a
replacement started. At the end every session must have exactly one Case, every Case
exactly its transcript, and no Case may exist twice.

    python bench/exactly_once.py --handoffs 1000 [--database postgresql://postgres@127.0.0.1:5432/postgres]

With ``--database`` a fresh database is created on that PostgreSQL server for the run and
dropped afterwards; without it, a fresh SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx2
from sqlalchemy import func, select

from baton.conversations.service import add_message, create_session, get_or_create_contact
from baton.handoff.service import HandoffRequest, request_handoff
from baton.services import Services, build_services
from baton.settings import Settings
from baton.store.base import Base
from baton.store.models import Job, JobAttempt, Session
from harness import (
    connect_org,
    emulator_process,
    fresh_database,
    sleep_until,
    start_worker,
    worker_env,
)

MESSAGES_PER_SESSION = 3


@dataclass
class Outcome:
    handoffs: int
    sessions_done: int
    cases: int
    duplicate_cases: int
    sessions_without_case: int
    incomplete_transcripts: int
    duplicated_comments: int
    dead_jobs: int
    attempts: int
    api_calls: int
    seconds: float
    faults_seen: dict[str, int] = field(default_factory=dict)

    @property
    def exactly_once(self) -> bool:
        return (
            self.cases == self.handoffs
            and self.duplicate_cases == 0
            and self.sessions_without_case == 0
            and self.incomplete_transcripts == 0
            and self.duplicated_comments == 0
            and self.dead_jobs == 0
        )

    def table(self) -> str:
        rows = [
            ("handoffs", self.handoffs),
            ("sessions with handoff done", self.sessions_done),
            ("Cases in Salesforce", self.cases),
            ("duplicate Cases", self.duplicate_cases),
            ("sessions without a Case", self.sessions_without_case),
            ("Cases with an incomplete transcript", self.incomplete_transcripts),
            ("duplicated comments", self.duplicated_comments),
            ("dead jobs", self.dead_jobs),
            ("job attempts", self.attempts),
            ("REST calls counted by Salesforce", self.api_calls),
            ("seconds", round(self.seconds, 1)),
            ("exactly once", "yes" if self.exactly_once else "NO"),
        ]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


async def seed_handoffs(services: Services, org_id: str, count: int) -> None:
    """Sessions with a short transcript, each handed off (which enqueues its Case job)."""
    batch = 100
    for start in range(0, count, batch):
        async with services.session_factory() as db, db.begin():
            for index in range(start, min(start + batch, count)):
                contact = await get_or_create_contact(
                    db, org_id, email=f"customer{index}@example.com", name=f"Customer {index}"
                )
                session = await create_session(
                    db, org_id, contact, channel="email", subject=f"Order #{index}"
                )
                for turn in range(MESSAGES_PER_SESSION):
                    role = "ai" if turn % 2 else "customer"
                    await add_message(db, session, role=role, text=f"message {turn} of session {index}")
                await request_handoff(
                    db,
                    session,
                    HandoffRequest(reasons=["user_requested_human_assistance"], summary=f"Summary {index}"),
                )


async def verify(services: Services, emulator: str, org_id: str) -> dict[str, Any]:
    async with httpx2.AsyncClient(timeout=60) as http:
        cases = (await http.get(f"{emulator}/_emulator/records/Case")).json()
        comments = (await http.get(f"{emulator}/_emulator/records/CaseComment")).json()
        usage = (await http.get(f"{emulator}/_emulator/api-usage")).json()
    by_session = Counter(c["OpenCX_Session_Id__c"] for c in cases)
    comments_by_case: dict[str, list[str]] = {}
    for comment in comments:
        comments_by_case.setdefault(comment["ParentId"], []).append(comment["CommentBody"])
    async with services.session_factory() as db:
        sessions = list((await db.execute(select(Session).where(Session.org_id == org_id))).scalars())
        dead = (
            await db.execute(select(func.count()).select_from(Job).where(Job.status == "dead"))
        ).scalar_one()
        attempts = (await db.execute(select(func.count()).select_from(JobAttempt))).scalar_one()
    case_ids = {c["OpenCX_Session_Id__c"]: c["Id"] for c in cases}
    incomplete = 0
    duplicated = 0
    for session in sessions:
        bodies = comments_by_case.get(case_ids.get(session.id, ""), [])
        if len(set(bodies)) != MESSAGES_PER_SESSION:
            incomplete += 1
        duplicated += len(bodies) - len(set(bodies))
    return {
        "cases": len(cases),
        "duplicate_cases": sum(n - 1 for n in by_session.values() if n > 1),
        "sessions_without_case": sum(
            1 for s in sessions if s.salesforce_case_id is None or case_ids.get(s.id) != s.salesforce_case_id
        ),
        "incomplete": incomplete,
        "duplicated_comments": duplicated,
        "sessions_done": sum(1 for s in sessions if s.handoff_state == "done"),
        "dead": int(dead),
        "attempts": int(attempts),
        "api_calls": int(usage["used"]),
    }


async def run_exactly_once(database_url: str, handoffs: int, *, kill_worker: bool = True) -> Outcome:
    settings = Settings(
        database_url=database_url,
        secret_key="bench-secret-key",
        public_url="http://baton.bench",
        salesforce_timeout_seconds=1.5,
    )
    services = build_services(settings)
    async with services.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    env = worker_env(
        database_url,
        secret_key="bench-secret-key",
        salesforce_timeout_seconds=1.5,
        job_lease_seconds=4,
        job_poll_seconds=0.1,
        salesforce_rate_limit_retry_seconds=2,
        salesforce_poll_seconds=3600,
    )
    try:
        with emulator_process() as emulator:
            org = await connect_org(services, emulator)
            await seed_handoffs(services, org.org_id, handoffs)
            started = time.monotonic()
            async with httpx2.AsyncClient(timeout=30) as http:
                fault_settings = {
                    "error_rate_5xx": 0.2,
                    "timeout_rate": 0.03,
                    "timeout_seconds": 3,
                    "lost_response_rate": 0.03,
                    # With refresh-token rotation a lost token response is unrecoverable by design
                    # (Salesforce documents no grace period): the token endpoint only answers 5xx here.
                    "ambiguous_oauth_faults": False,
                    "seed": 7,
                }
                (await http.post(f"{emulator}/_emulator/faults", json=fault_settings)).raise_for_status()
                workers = [start_worker(env), start_worker(env)]

                async def progress() -> int:
                    async with services.session_factory() as db:
                        return int(
                            (
                                await db.execute(
                                    select(func.count())
                                    .select_from(Session)
                                    .where(Session.handoff_state == "done")
                                )
                            ).scalar_one()
                        )

                async def reached(fraction: float) -> bool:
                    return await progress() >= handoffs * fraction

                await sleep_until(lambda: reached(0.2), timeout=600)
                (
                    await http.post(f"{emulator}/_emulator/faults", json={"expire_tokens_now": True})
                ).raise_for_status()
                await sleep_until(lambda: reached(0.35), timeout=600)
                if kill_worker:
                    workers[0].kill()  # mid-run, holding leased jobs
                    workers.append(start_worker(env))
                await sleep_until(lambda: reached(0.5), timeout=600)
                window = {"rate_limit_for_seconds": 3, "expire_tokens_now": True}
                (await http.post(f"{emulator}/_emulator/faults", json=window)).raise_for_status()
                await sleep_until(lambda: reached(0.75), timeout=600)
                (
                    await http.post(f"{emulator}/_emulator/faults", json={"expire_tokens_now": True})
                ).raise_for_status()
                await sleep_until(lambda: reached(1.0), timeout=900)
                elapsed = time.monotonic() - started
                (await http.delete(f"{emulator}/_emulator/faults")).raise_for_status()
                for worker in workers:
                    worker.stop()
            checked = await verify(services, emulator, org.org_id)
    finally:
        await services.aclose()
    return Outcome(
        handoffs=handoffs,
        sessions_done=checked["sessions_done"],
        cases=checked["cases"],
        duplicate_cases=checked["duplicate_cases"],
        sessions_without_case=checked["sessions_without_case"],
        incomplete_transcripts=checked["incomplete"],
        duplicated_comments=checked["duplicated_comments"],
        dead_jobs=checked["dead"],
        attempts=checked["attempts"],
        api_calls=checked["api_calls"],
        seconds=elapsed,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--handoffs", type=int, default=1000)
    parser.add_argument(
        "--database",
        default=None,
        help="PostgreSQL server URL to create a fresh database on; default: a fresh SQLite file",
    )
    args = parser.parse_args()
    with fresh_database(args.database) as url:
        outcome = asyncio.run(run_exactly_once(url, args.handoffs))
    print(outcome.table())
    raise SystemExit(0 if outcome.exactly_once else 1)


if __name__ == "__main__":
    main()
