"""Email Cases: handoffs per second, Salesforce API calls per handoff, and handoff-to-Case time.

Everything runs against the Salesforce emulator in its own process over loopback sockets,
with Baton workers as separate ``baton worker`` processes on one fresh database:

1. Throughput: N handed-off sessions are queued (held), then released at once to ONE
   worker process, and another N to FOUR; the time is from the release to the last
   ``salesforce.case.created`` event. The ratio between the two is the figure to read.
2. API calls per handoff: the emulator's own counter (``/_emulator/api-usage``) and the
   ``api_calls`` of the ``salesforce.case.created`` events, for the transcript above, a
   450-message transcript (a tree and two collections) and a returning contact whose open
   Case gets the new conversation appended.
3. Handoff-to-Case time: handoffs arrive one by one; the time from each ``handoff.requested``
   event to its ``salesforce.case.created`` event, against the latency the emulator adds to
   every call (``latency_ms``).

    cd bench && ../.venv/bin/python handoff_throughput.py --handoffs 500 --messages 10
    cd bench && ../.venv/bin/python handoff_throughput.py --handoffs 500 --messages 10 \\
        --database postgresql://postgres@127.0.0.1:5432/postgres

Prints tables; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx2
from sqlalchemy import func, select, text, update

from baton.conversations.service import add_message, create_session, get_or_create_contact
from baton.handoff.service import CASE_SYNC_JOB, HandoffRequest, request_handoff
from baton.services import Services, build_services
from baton.settings import Settings
from baton.store.base import Base, utcnow
from baton.store.models import DebugEvent, Job, JobAttempt, Session
from harness import (
    Emulator,
    WorkerProcess,
    connect_org,
    cpu_seconds,
    emulator_server,
    fresh_database,
    machine_cpu,
    sleep_until,
    start_worker,
    worker_env,
)

SECRET_KEY = "bench-secret-key"
HELD = timedelta(days=1)
CREATED = "salesforce.case.created"
APPENDED = "salesforce.case.appended_messages"


# -- seeding ---------------------------------------------------------------------------------


async def seed_handoffs(
    services: Services,
    org_id: str,
    *,
    prefix: str,
    count: int,
    messages: int,
    hold: bool = False,
    batch: int = 50,
) -> list[str]:
    """``count`` email sessions of ``messages`` turns each, handed off; with ``hold`` their jobs wait.

    A held job is due in a day, so no worker starts it until :func:`release` makes it due:
    seeding time never counts as throughput.
    """
    session_ids: list[str] = []
    for start in range(0, count, batch):
        async with services.session_factory() as db, db.begin():
            ids = []
            for index in range(start, min(start + batch, count)):
                contact = await get_or_create_contact(
                    db, org_id, email=f"{prefix}-{index}@example.com", name=f"Customer {prefix}-{index}"
                )
                session = await create_session(
                    db, org_id, contact, channel="email", subject=f"Order {prefix}-{index}"
                )
                for turn in range(messages):
                    role = "ai" if turn % 2 else "customer"
                    await add_message(db, session, role=role, text=f"message {turn} of {prefix}-{index}")
                await request_handoff(
                    db,
                    session,
                    HandoffRequest(reasons=["user_requested_human_assistance"], summary=f"Summary {index}"),
                )
                ids.append(session.id)
            if hold:
                await db.execute(update(Job).where(Job.session_id.in_(ids)).values(run_at=utcnow() + HELD))
            session_ids.extend(ids)
    return session_ids


async def release(services: Services, session_ids: list[str]) -> datetime:
    """Make the held jobs of these sessions due now; returns the release time."""
    async with services.session_factory() as db, db.begin():
        now = utcnow()
        await db.execute(update(Job).where(Job.session_id.in_(session_ids)).values(run_at=now))
    return now


async def count_done(services: Services, session_ids: list[str]) -> int:
    async with services.session_factory() as db:
        query = (
            select(func.count())
            .select_from(Session)
            .where(Session.id.in_(session_ids), Session.handoff_state == "done")
        )
        return int((await db.execute(query)).scalar_one())


async def wait_done(services: Services, session_ids: list[str], timeout: float) -> None:
    async def all_done() -> bool:
        return await count_done(services, session_ids) == len(session_ids)

    if not await sleep_until(all_done, timeout=timeout, interval=0.1):
        done = await count_done(services, session_ids)
        raise RuntimeError(f"only {done} of {len(session_ids)} handoffs done after {timeout} s")


# -- reading the timeline ----------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def events(services: Services, session_ids: list[str], type_: str) -> dict[str, DebugEvent]:
    """The (first) event of ``type_`` per session."""
    found: dict[str, DebugEvent] = {}
    async with services.session_factory() as db:
        for start in range(0, len(session_ids), 500):
            rows = await db.execute(
                select(DebugEvent)
                .where(DebugEvent.session_id.in_(session_ids[start : start + 500]), DebugEvent.type == type_)
                .order_by(DebugEvent.id)
            )
            for event in rows.scalars():
                found.setdefault(event.session_id, event)
    return found


async def first_attempt_starts(services: Services, session_ids: list[str]) -> dict[str, datetime]:
    """When a worker claimed each session's Case job (its first attempt)."""
    starts: dict[str, datetime] = {}
    async with services.session_factory() as db:
        rows = await db.execute(
            select(Job.session_id, func.min(JobAttempt.started_at))
            .join(JobAttempt, JobAttempt.job_id == Job.id)
            .where(Job.session_id.in_(session_ids), Job.kind == CASE_SYNC_JOB)
            .group_by(Job.session_id)
        )
        for session_id, started in rows.all():
            starts[str(session_id)] = _aware(started)
    return starts


async def attempt_stats(services: Services, session_ids: list[str]) -> tuple[int, set[str]]:
    """(attempts, worker pids that ran them) for these sessions' jobs."""
    async with services.session_factory() as db:
        rows = await db.execute(
            select(JobAttempt.worker)
            .join(Job, JobAttempt.job_id == Job.id)
            .where(Job.session_id.in_(session_ids))
        )
        workers = [str(w) for (w,) in rows.all()]
    return len(workers), {w.split(":")[1] for w in workers}


async def transactions(services: Services) -> int | None:
    """Commits + rollbacks so far in this (fresh) PostgreSQL database; None on SQLite."""
    if services.engine.dialect.name != "postgresql":
        return None
    await asyncio.sleep(1.5)  # the statistics collector publishes counters with a delay of up to 1 s
    async with services.session_factory() as db:
        query = text(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
        )
        return int((await db.execute(query)).scalar_one())


async def api_usage(http: httpx2.AsyncClient, emulator: Emulator) -> int:
    return int((await http.get(f"{emulator.url}/_emulator/api-usage")).json()["used"])


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


# -- 1. throughput -------------------------------------------------------------------------------


@dataclass
class ThroughputRow:
    workers: int
    handoffs: int
    seconds: float
    api_calls: int
    event_api_calls: list[int]
    attempts: int
    worker_cpu: float
    emulator_cpu: float
    machine_busy: float
    transactions: int | None  # PostgreSQL only: commits + rollbacks in the run's database

    @property
    def per_second(self) -> float:
        return self.handoffs / self.seconds


async def warm_up(services: Services, org_id: str, workers: list[WorkerProcess], prefix: str) -> None:
    """Until every worker process has run a job: imports done, connections and token in hand."""
    pids = {str(w.pid) for w in workers}
    seen: set[str] = set()
    for round_ in range(30):
        ids = await seed_handoffs(
            services, org_id, prefix=f"{prefix}-r{round_}", count=4 * len(workers), messages=2
        )
        await wait_done(services, ids, timeout=120)
        seen |= (await attempt_stats(services, ids))[1]
        if pids <= seen:
            return
    raise RuntimeError(f"worker processes {pids - seen} never ran a job")


async def measure_throughput(
    services: Services,
    emulator: Emulator,
    org_id: str,
    env: dict[str, str],
    *,
    workers: int,
    handoffs: int,
    messages: int,
    concurrency: int,
) -> ThroughputRow:
    processes = [start_worker(env, concurrency=concurrency) for _ in range(workers)]
    try:
        await warm_up(services, org_id, processes, prefix=f"warm{workers}")
        ids = await seed_handoffs(
            services, org_id, prefix=f"w{workers}", count=handoffs, messages=messages, hold=True
        )
        async with httpx2.AsyncClient(timeout=30) as http:
            usage_before = await api_usage(http, emulator)
            xacts_before = await transactions(services)
            cpu_before = [cpu_seconds(p.pid) for p in processes], cpu_seconds(emulator.pid), machine_cpu()
            released = await release(services, ids)
            await wait_done(services, ids, timeout=900)
            cpu_after = [cpu_seconds(p.pid) for p in processes], cpu_seconds(emulator.pid), machine_cpu()
            usage_after = await api_usage(http, emulator)
            xacts_after = await transactions(services)
    finally:
        for process in processes:
            process.stop()
    created = await events(services, ids, CREATED)
    last = max(_aware(event.created_at) for event in created.values())
    attempts, _ = await attempt_stats(services, ids)
    busy = (cpu_after[2][0] - cpu_before[2][0]) / max(1e-9, cpu_after[2][1] - cpu_before[2][1])
    return ThroughputRow(
        workers=workers,
        handoffs=len(created),
        seconds=(last - released).total_seconds(),
        api_calls=usage_after - usage_before,
        event_api_calls=[int(event.data["api_calls"]) for event in created.values()],
        attempts=attempts,
        worker_cpu=sum(cpu_after[0]) - sum(cpu_before[0]),
        emulator_cpu=cpu_after[1] - cpu_before[1],
        machine_busy=busy,
        transactions=None if xacts_after is None or xacts_before is None else xacts_after - xacts_before,
    )


def throughput_table(rows: list[ThroughputRow], concurrency: int) -> str:
    lines = [
        f"| worker processes (concurrency {concurrency} each) | handoffs | seconds | handoffs/s "
        "| API calls/handoff (emulator) | attempts/handoff | worker CPU ms/handoff "
        "| emulator CPU ms/handoff | DB transactions/handoff | machine CPU busy |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        xacts = "—" if row.transactions is None else f"{row.transactions / row.handoffs:.1f}"
        lines.append(
            f"| {row.workers} | {row.handoffs} | {row.seconds:.1f} | {row.per_second:.1f} "
            f"| {row.api_calls / row.handoffs:.2f} | {row.attempts / row.handoffs:.2f} "
            f"| {1000 * row.worker_cpu / row.handoffs:.1f} | {1000 * row.emulator_cpu / row.handoffs:.1f} "
            f"| {xacts} | {100 * row.machine_busy:.0f} % |"
        )
    if len(rows) >= 2:
        lines.append("")
        lines.append(
            f"ratio {rows[-1].workers} workers / {rows[0].workers} worker: "
            f"{rows[-1].per_second / rows[0].per_second:.2f}x"
        )
    return "\n".join(lines)


# -- 2. API calls per handoff ---------------------------------------------------------------------


@dataclass
class CallsRow:
    scenario: str
    handoffs: int
    api_calls: int
    event_type: str
    event_api_calls: list[int]


async def measure_calls(
    services: Services,
    emulator: Emulator,
    org_id: str,
    env: dict[str, str],
    *,
    scenario: str,
    prefix: str,
    count: int,
    messages: int,
    event_type: str,
) -> CallsRow:
    ids = await seed_handoffs(services, org_id, prefix=prefix, count=count, messages=messages, hold=True)
    worker = start_worker(env)
    try:
        async with httpx2.AsyncClient(timeout=30) as http:
            before = await api_usage(http, emulator)
            await release(services, ids)
            await wait_done(services, ids, timeout=300)
            after = await api_usage(http, emulator)
    finally:
        worker.stop()
    found = await events(services, ids, event_type)
    if len(found) != count:
        raise RuntimeError(f"{scenario}: {len(found)} of {count} sessions have a {event_type} event")
    return CallsRow(
        scenario, count, after - before, event_type, [int(e.data["api_calls"]) for e in found.values()]
    )


def calls_table(rows: list[CallsRow]) -> str:
    lines = [
        "| transcript | handoffs | API calls/handoff (emulator) "
        "| `api_calls` in the event (min–max) | event |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        low, high = min(row.event_api_calls), max(row.event_api_calls)
        spread = f"{low}" if low == high else f"{low}–{high}"
        lines.append(
            f"| {row.scenario} | {row.handoffs} | {row.api_calls / row.handoffs:.2f} | {spread} "
            f"| `{row.event_type}` |"
        )
    return "\n".join(lines)


# -- 3. handoff-to-Case time ------------------------------------------------------------------------


@dataclass
class LatencyRow:
    latency_ms: float
    handoffs: int
    to_case_ms: list[float]
    queued_ms: list[float]


async def measure_latency(
    services: Services,
    emulator: Emulator,
    org_id: str,
    env: dict[str, str],
    *,
    latencies: list[float],
    handoffs: int,
    messages: int,
    gap: float,
) -> list[LatencyRow]:
    """One worker; handoffs one at a time, ``gap`` seconds apart, so none waits behind another."""
    rows = []
    worker = start_worker(env)
    try:
        await warm_up(services, org_id, [worker], prefix="warm-latency")
        async with httpx2.AsyncClient(timeout=30) as http:
            for latency in latencies:
                (
                    await http.post(f"{emulator.url}/_emulator/faults", json={"latency_ms": latency})
                ).raise_for_status()
                ids: list[str] = []
                for index in range(handoffs):
                    ids += await seed_handoffs(
                        services, org_id, prefix=f"lat{latency:g}-{index}", count=1, messages=messages
                    )
                    await asyncio.sleep(gap)
                await wait_done(services, ids, timeout=300)
                requested = await events(services, ids, "handoff.requested")
                created = await events(services, ids, CREATED)
                claimed = await first_attempt_starts(services, ids)
                rows.append(
                    LatencyRow(
                        latency_ms=latency,
                        handoffs=len(ids),
                        to_case_ms=[
                            (_aware(created[i].created_at) - _aware(requested[i].created_at)).total_seconds()
                            * 1000
                            for i in ids
                        ],
                        queued_ms=[
                            (claimed[i] - _aware(requested[i].created_at)).total_seconds() * 1000 for i in ids
                        ],
                    )
                )
            await http.delete(f"{emulator.url}/_emulator/faults")
    finally:
        worker.stop()
    return rows


def latency_table(rows: list[LatencyRow], poll: float) -> str:
    lines = [
        "| emulator latency per call | handoffs | handoff→Case p50 | p95 | p50 ÷ latency "
        f"| p50 − latency | waiting for a worker (poll {poll:g} s) p50 |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        p50, p95 = percentile(row.to_case_ms, 0.5), percentile(row.to_case_ms, 0.95)
        ratio = f"{p50 / row.latency_ms:.2f}" if row.latency_ms else "—"
        lines.append(
            f"| {row.latency_ms:g} ms | {row.handoffs} | {p50:.0f} ms | {p95:.0f} ms | {ratio} "
            f"| {p50 - row.latency_ms:.0f} ms | {percentile(row.queued_ms, 0.5):.0f} ms |"
        )
    return "\n".join(lines)


# -- the run -------------------------------------------------------------------------------------


async def run(args: argparse.Namespace, database_url: str) -> None:
    settings = Settings(database_url=database_url, secret_key=SECRET_KEY, public_url="http://baton.bench")
    services = build_services(settings)
    async with services.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    # Default job settings: the figures are those of an unconfigured `baton worker`.
    env = worker_env(database_url, secret_key=SECRET_KEY, salesforce_poll_seconds=3600)
    label = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    started = time.monotonic()
    print("load average at the start (1, 5, 15 min): {:.1f} {:.1f} {:.1f}\n".format(*os.getloadavg()))
    try:
        with emulator_server() as emulator:
            org = await connect_org(services, emulator.url)
            print(f"## {label}: {args.handoffs} handoffs × {args.messages} messages, emulator latency 0\n")
            rows = []
            for workers in args.workers:
                rows.append(
                    await measure_throughput(
                        services,
                        emulator,
                        org.org_id,
                        env,
                        workers=workers,
                        handoffs=args.handoffs,
                        messages=args.messages,
                        concurrency=args.concurrency,
                    )
                )
            print(throughput_table(rows, args.concurrency))
            spread = Counter(c for row in rows for c in row.event_api_calls)
            print(f"\n`api_calls` in {CREATED} events: {dict(sorted(spread.items()))}\n")

            calls = [
                CallsRow(
                    f"{args.messages} messages, new Case (throughput run)",
                    sum(r.handoffs for r in rows),
                    sum(r.api_calls for r in rows),
                    CREATED,
                    [c for r in rows for c in r.event_api_calls],
                ),
                await measure_calls(
                    services,
                    emulator,
                    org.org_id,
                    env,
                    scenario="450 messages, new Case",
                    prefix="long",
                    count=args.long_handoffs,
                    messages=450,
                    event_type=CREATED,
                ),
                # Same e-mail addresses as the first throughput batch: each contact has an open Case.
                await measure_calls(
                    services,
                    emulator,
                    org.org_id,
                    env,
                    scenario=f"{args.messages} messages, returning contact (appended to the open Case)",
                    prefix=f"w{args.workers[0]}",
                    count=args.long_handoffs,
                    messages=args.messages,
                    event_type=APPENDED,
                ),
            ]
            print(f"## {label}: Salesforce API calls per handoff\n")
            print(calls_table(calls))
            print()

            latency_rows = await measure_latency(
                services,
                emulator,
                org.org_id,
                env,
                latencies=args.latencies,
                handoffs=args.latency_handoffs,
                messages=args.messages,
                gap=args.gap,
            )
            print(f"## {label}: handoff → Case created, one worker, handoffs {args.gap:g} s apart\n")
            print(latency_table(latency_rows, settings.job_poll_seconds))
            async with httpx2.AsyncClient(timeout=60) as http:
                cases = (await http.get(f"{emulator.url}/_emulator/records/Case")).json()
            by_session = Counter(case["OpenCX_Session_Id__c"] for case in cases)
            duplicates = sum(n - 1 for n in by_session.values() if n > 1)
            print(f"\nCases in the emulator: {len(cases)}, duplicates: {duplicates}")
    finally:
        await services.aclose()
    print(f"run took {time.monotonic() - started:.0f} s")
    print("load average at the end (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


def _numbers(text: str) -> list[float]:
    return [float(part) for part in text.split(",") if part]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--handoffs", type=int, default=500, help="handoffs per worker count")
    parser.add_argument("--messages", type=int, default=10, help="transcript length of each handoff")
    parser.add_argument("--workers", default="1,4", help="worker process counts to compare, e.g. 1,4")
    parser.add_argument("--concurrency", type=int, default=8, help="jobs each worker runs at once")
    parser.add_argument(
        "--long-handoffs", type=int, default=10, help="handoffs for the 450-message and append rows"
    )
    parser.add_argument("--latencies", default="0,50,200", help="emulator latency per call in ms")
    parser.add_argument("--latency-handoffs", type=int, default=40, help="handoffs per latency")
    parser.add_argument("--gap", type=float, default=0.3, help="seconds between handoffs when timing one")
    parser.add_argument(
        "--database",
        default=None,
        help="PostgreSQL server URL to create a fresh database on; default: a fresh SQLite file",
    )
    args = parser.parse_args()
    args.workers = [int(w) for w in _numbers(args.workers)]
    args.latencies = _numbers(args.latencies)
    if args.handoffs > 5000 or args.latency_handoffs > 500 or args.long_handoffs > 100:
        parser.error("keep a run bounded: at most 5000 handoffs, 500 timed handoffs, 100 long ones")
    with fresh_database(args.database) as url:
        asyncio.run(run(args, url))


if __name__ == "__main__":
    main()
