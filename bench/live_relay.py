"""Live Messaging: relay latency, streams per worker, memory per stream, handoff time, drops.

Everything runs as real processes on loopback: ``baton emulator`` (REST and the
MIAW SCRT host on one port) and one ``baton worker`` process that runs the
handoff jobs and holds every stream. For each size N:

1. N web sessions with a three-message transcript are handed off; the worker
   creates N MIAW conversations (one guest identity and one SSE stream each).
   Handoff time (requested → ``salesforce.miaw.handed_off``) is compared with the
   time the same handoff spent waiting for the emulator (the sum of its calls).
2. A rep accepts every conversation and sends one message in each, all at once;
   relay latency = the agent message's ``created_at`` in Baton − the moment the
   rep's message was posted to the emulator (same machine, same clock).
3. Streams held by the worker process and its resident memory before and after.

``--fault-run`` instead sends M rep messages over C conversations while the
emulator drops every stream every few seconds, and checks each message is
stored exactly once and in order per conversation.

    python bench/live_relay.py --sizes 100 1000 [--database postgresql://postgres@127.0.0.1/postgres]
    python bench/live_relay.py --fault-run --conversations 50 --messages 1000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
from sqlalchemy import func, select

from baton.api.keys import create_api_key
from baton.app import create_app
from baton.conversations.service import (
    add_message,
    create_organization,
    create_session,
    get_or_create_contact,
)
from baton.handoff.service import HandoffRequest, request_handoff
from baton.services import Services, build_services
from baton.settings import Settings
from baton.store.base import Base
from baton.store.models import DebugEvent, Message, MessagingStream, Session
from harness import free_port

SECRET = "bench-secret-key-for-live-relay"
ORG_ID = "00D000000000001AAA"
DEPLOYMENT = "Baton_Messaging"
STREAM_SETTINGS = {
    "messaging_stream_poll_seconds": 0.2,
    "messaging_stream_lease_seconds": 15,
    "messaging_stream_backoff_seconds": 0.2,
    "job_poll_seconds": 0.05,
}


@contextmanager
def emulator_process() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "baton.cli", "emulator", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx2.get(f"{url}/_emulator/miaw/stats", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the emulator did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def worker_process(database_url: str, log: Path, concurrency: int = 16) -> Iterator[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BATON_")}
    env.update({"BATON_DATABASE_URL": database_url, "BATON_SECRET_KEY": SECRET})
    env.update({f"BATON_{k.upper()}": str(v) for k, v in STREAM_SETTINGS.items()})
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "baton.cli", "worker", "--concurrency", str(concurrency)],
            env=env,
            stdout=sink,
            stderr=sink,
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@contextmanager
def database(url: str | None) -> Iterator[str]:
    if url is None:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    import psycopg

    name = f"baton_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{url.rpartition('/')[0]}/{name}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def setup(services: Services, emulator: str) -> tuple[str, str]:
    async with services.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with services.session_factory() as db, db.begin():
        org = await create_organization(db, "Bench")
        key = await create_api_key(db, org.id)
    app = create_app(services.settings, services=services, run_worker=False)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://bench") as baton:
        body = {
            "instance_url": emulator,
            "scrt_url": emulator,
            "org_id": ORG_ID,
            "es_developer_name": DEPLOYMENT,
        }
        saved = await baton.put(
            "/api/v1/integrations/salesforce/messaging", json=body, headers={"Authorization": f"Bearer {key}"}
        )
        if saved.json().get("status") != "connected":
            raise RuntimeError(f"settings not connected: {saved.text}")
    return org.id, key


async def hand_off(services: Services, org_id: str, count: int, tag: str) -> list[str]:
    ids: list[str] = []
    for start in range(0, count, 100):
        async with services.session_factory() as db, db.begin():
            for index in range(start, min(start + 100, count)):
                contact = await get_or_create_contact(
                    db, org_id, email=f"{tag}{index}@example.com", name=f"C{index}"
                )
                session = await create_session(db, org_id, contact, channel="web")
                for turn in range(3):
                    await add_message(db, session, role="ai" if turn % 2 else "customer", text=f"turn {turn}")
                await request_handoff(
                    db, session, HandoffRequest(reasons=["user_requested_human_assistance"])
                )
                ids.append(session.id)
    return ids


async def wait_done(services: Services, session_ids: list[str], timeout: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with services.session_factory() as db:
            rows = (
                await db.execute(
                    select(Session.id, Session.salesforce_miaw_session_id).where(
                        Session.id.in_(session_ids), Session.handoff_state == "done"
                    )
                )
            ).all()
        if len(rows) == len(session_ids):
            return {row[0]: str(row[1]) for row in rows}
        await asyncio.sleep(0.5)
    raise RuntimeError("handoffs did not finish in time")


async def handoff_figures(services: Services, session_ids: list[str]) -> tuple[list[float], list[float]]:
    async with services.session_factory() as db:
        sessions = {
            s.id: s for s in (await db.execute(select(Session).where(Session.id.in_(session_ids)))).scalars()
        }
        events = (
            await db.execute(
                select(DebugEvent).where(
                    DebugEvent.session_id.in_(session_ids), DebugEvent.type == "salesforce.miaw.handed_off"
                )
            )
        ).scalars()
        totals, emulator = [], []
        for event in events:
            requested = sessions[event.session_id].handoff_requested_at
            assert requested is not None
            totals.append((event.created_at - requested).total_seconds() * 1000)
        call_events = (
            await db.execute(
                select(DebugEvent).where(
                    DebugEvent.session_id.in_(session_ids),
                    DebugEvent.type.in_(("salesforce.miaw.handed_off",)),
                )
            )
        ).scalars()
        for event in call_events:
            emulator.append(sum(c["duration_ms"] or 0 for c in event.data.get("calls", [])))
    return totals, emulator


async def wait_streams(services: Services, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with services.session_factory() as db:
            held = await db.scalar(
                select(func.count())
                .select_from(MessagingStream)
                .where(MessagingStream.lease_owner.is_not(None))
            )
        if (held or 0) >= count:
            return
        await asyncio.sleep(0.5)
    raise RuntimeError("streams were not all held in time")


async def relay_latencies(
    services: Services, http: httpx2.AsyncClient, emulator: str, conversations: dict[str, str]
) -> list[float]:
    admin = f"{emulator}/_emulator/miaw/conversations"
    semaphore = asyncio.Semaphore(50)

    async def accept(conversation: str) -> None:
        async with semaphore:
            (
                await http.post(f"{admin}/{conversation}/accept", json={"displayName": "Rep"})
            ).raise_for_status()

    await asyncio.gather(*(accept(c) for c in conversations.values()))
    sent_at: dict[str, float] = {}

    async def send(session_id: str, conversation: str) -> None:
        async with semaphore:
            text = f"relay {session_id}"
            sent_at[session_id] = time.time()
            (await http.post(f"{admin}/{conversation}/messages", json={"text": text})).raise_for_status()

    await asyncio.gather(*(send(s, c) for s, c in conversations.items()))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        async with services.session_factory() as db:
            rows = (
                await db.execute(
                    select(Message.session_id, Message.created_at).where(
                        Message.session_id.in_(list(conversations)), Message.role == "agent"
                    )
                )
            ).all()
        if len(rows) >= len(conversations):
            return [(created.timestamp() - sent_at[session]) * 1000 for session, created in rows]
        await asyncio.sleep(0.5)
    raise RuntimeError("not every rep message arrived")


@dataclass
class SizeResult:
    size: int
    relay_p50: float
    relay_p99: float
    streams_held: int
    emulator_open_streams: int
    rss_before_mib: float
    rss_after_mib: float
    handoff_p50: float
    emulator_p50: float

    @property
    def kib_per_stream(self) -> float:
        return (self.rss_after_mib - self.rss_before_mib) * 1024 / max(1, self.streams_held)

    @property
    def handoff_ratio(self) -> float:
        return self.handoff_p50 / max(0.001, self.emulator_p50)


async def run_size(services: Services, emulator: str, org_id: str, worker_pid: int, size: int) -> SizeResult:
    async with httpx2.AsyncClient(timeout=60, limits=httpx2.Limits(max_connections=100)) as http:
        rss_before = rss_kib(worker_pid) / 1024
        session_ids = await hand_off(services, org_id, size, tag=f"s{size}-")
        conversations = await wait_done(services, session_ids, timeout=900)
        await wait_streams(services, size, timeout=300)
        rss_after = rss_kib(worker_pid) / 1024
        stats = (await http.get(f"{emulator}/_emulator/miaw/stats")).json()
        totals, emulator_ms = await handoff_figures(services, session_ids)
        latencies = await relay_latencies(services, http, emulator, conversations)
        # End them all so the next size starts with no open stream.
        await asyncio.gather(
            *(http.post(f"{emulator}/_emulator/miaw/conversations/{c}/end") for c in conversations.values())
        )
    return SizeResult(
        size=size,
        relay_p50=percentile(latencies, 0.5),
        relay_p99=percentile(latencies, 0.99),
        streams_held=size,
        emulator_open_streams=int(stats.get("openStreams", 0)),
        rss_before_mib=rss_before,
        rss_after_mib=rss_after,
        handoff_p50=statistics.median(totals),
        emulator_p50=statistics.median(emulator_ms),
    )


async def wait_no_streams(services: Services, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with services.session_factory() as db:
            active = await db.scalar(
                select(func.count()).select_from(MessagingStream).where(MessagingStream.status == "active")
            )
        if not active:
            return
        await asyncio.sleep(0.5)


async def fault_run(
    services: Services, emulator: str, org_id: str, conversations: int, messages: int
) -> dict[str, Any]:
    async with httpx2.AsyncClient(timeout=60) as http:
        (
            await http.post(
                f"{emulator}/_emulator/miaw/faults",
                json={"dropStreamsEverySeconds": 3, "replayOnReconnect": False},
            )
        ).raise_for_status()
        session_ids = await hand_off(services, org_id, conversations, tag="fault-")
        pairs = await wait_done(services, session_ids, timeout=600)
        admin = f"{emulator}/_emulator/miaw/conversations"
        for conversation in pairs.values():
            (
                await http.post(f"{admin}/{conversation}/accept", json={"displayName": "Rep"})
            ).raise_for_status()
        per_conversation = messages // conversations
        expected: dict[str, list[str]] = {s: [] for s in pairs}
        started = time.monotonic()

        async def rep(session_id: str, conversation: str) -> None:
            for number in range(per_conversation):
                text = f"{conversation[:8]} #{number}"
                (await http.post(f"{admin}/{conversation}/messages", json={"text": text})).raise_for_status()
                expected[session_id].append(text)
                await asyncio.sleep(0.2)

        await asyncio.gather(*(rep(s, c) for s, c in pairs.items()))
        total = sum(len(v) for v in expected.values())
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            async with services.session_factory() as db:
                stored = await db.scalar(
                    select(func.count())
                    .select_from(Message)
                    .where(Message.session_id.in_(session_ids), Message.role == "agent")
                )
            if (stored or 0) >= total:
                break
            await asyncio.sleep(0.5)
        seconds = time.monotonic() - started
        async with services.session_factory() as db:
            rows = (
                await db.execute(
                    select(Message.session_id, Message.text)
                    .where(Message.session_id.in_(session_ids), Message.role == "agent")
                    .order_by(Message.id)
                )
            ).all()
            reconnects = await db.scalar(select(func.sum(MessagingStream.reconnects)))
    got: dict[str, list[str]] = {s: [] for s in pairs}
    for session_id, text in rows:
        got[session_id].append(text)
    in_order = sum(1 for s in pairs if got[s] == expected[s])
    return {
        "conversations": conversations,
        "rep messages sent": total,
        "agent messages stored": len(rows),
        "duplicates": len(rows) - len({(s, t) for s, t in rows}),
        "conversations complete and in order": in_order,
        "stream reconnects": reconnects,
        "seconds": round(seconds, 1),
        "exactly once, in order": "yes" if in_order == conversations and len(rows) == total else "NO",
    }


def table(rows: list[tuple[str, Any]]) -> str:
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--database", default=None, help="PostgreSQL admin URL (default: a SQLite file)")
    parser.add_argument("--fault-run", action="store_true")
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    kind = "postgresql" if args.database else "sqlite"
    print(f"cpus={os.cpu_count()} load={os.getloadavg()[0]:.2f} database={kind}")
    with (
        database(args.database) as url,
        emulator_process() as emulator,
        tempfile.TemporaryDirectory() as logs,
    ):
        services = build_services(Settings(database_url=url, secret_key=SECRET, **STREAM_SETTINGS))  # type: ignore[arg-type]
        try:
            org_id, _ = await setup(services, emulator)
            with worker_process(url, Path(logs) / "worker.log") as worker:
                if args.fault_run:
                    print(
                        table(
                            list(
                                (
                                    await fault_run(
                                        services, emulator, org_id, args.conversations, args.messages
                                    )
                                ).items()
                            )
                        )
                    )
                    return
                # Warm-up: the worker has imported everything and run one handoff before anything is measured.
                await run_size(services, emulator, org_id, worker.pid, 2)
                await wait_no_streams(services)
                results = []
                for size in args.sizes:
                    results.append(await run_size(services, emulator, org_id, worker.pid, size))
                    await wait_no_streams(services)
            header = ("", *(f"{r.size} conversations" for r in results))
            rows = [
                ("relay latency p50 (ms)", *(f"{r.relay_p50:.0f}" for r in results)),
                ("relay latency p99 (ms)", *(f"{r.relay_p99:.0f}" for r in results)),
                ("streams held by the one worker process", *(str(r.streams_held) for r in results)),
                ("open SSE streams at the emulator", *(str(r.emulator_open_streams) for r in results)),
                (
                    "worker RSS before → after (MiB)",
                    *(f"{r.rss_before_mib:.0f} → {r.rss_after_mib:.0f}" for r in results),
                ),
                ("memory per stream (KiB)", *(f"{r.kib_per_stream:.0f}" for r in results)),
                ("handoff time p50 (ms)", *(f"{r.handoff_p50:.0f}" for r in results)),
                ("of which waiting for the emulator p50 (ms)", *(f"{r.emulator_p50:.0f}" for r in results)),
                ("handoff time / emulator time", *(f"{r.handoff_ratio:.1f}" for r in results)),
            ]
            widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
            for row in [header, *rows]:
                print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
            print(json.dumps([r.__dict__ for r in results]))
        finally:
            await services.aclose()


if __name__ == "__main__":
    asyncio.run(main())
