"""Rep reply → customer's mailbox: how long a published CaseComment takes to be mailed.

Runs the same end-to-end world as the tests (Baton with its in-process worker and SMTP
receiver, the Salesforce emulator firing the shipped Apex's webhook, a mailbox) and times,
for each reply, the rep's comment at the emulator until the mail is in the mailbox. Also
times the same through the reconciliation poll alone (webhooks dropped).

    python bench/reply_latency.py --replies 50
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The benchmark drives the very world the end-to-end tests build, so both measure the same wiring.
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "salesforce" / "cases")]

from e2e_support import email_cases_world  # noqa: E402

from baton.services import build_services  # noqa: E402
from baton.store.base import Base  # noqa: E402
from baton_support import make_settings  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(replies: int, poll_seconds: float) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {"webhook": [], "poll only": []}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        services = build_services(make_settings(url))
        async with services.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        try:
            async with email_cases_world(url, services, salesforce_poll_seconds=poll_seconds) as world:
                await world.send_customer_mail("I want to talk to a human about my order.")
                session = await world.session_for_contact("jane@example.com")
                done = await world.wait_handoff_done(session["id"])
                case_id = str(done["salesforce_case_id"])
                for mode in results:
                    await world.faults(drop_webhook_rate=1.0 if mode == "poll only" else 0.0)
                    count = replies if mode == "webhook" else max(3, replies // 10)
                    for index in range(count):
                        marker = f"reply {mode} {index}"
                        started = time.perf_counter()
                        await world.rep("comments", case_id, body=marker, is_published=True)
                        await world.sink.wait_for(
                            lambda m, marker=marker: marker in m.text, timeout=poll_seconds * 4 + 30
                        )
                        results[mode].append(time.perf_counter() - started)
        finally:
            await services.aclose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replies", type=int, default=50)
    parser.add_argument("--poll-seconds", type=float, default=5.0)
    args = parser.parse_args()
    results = asyncio.run(measure(args.replies, args.poll_seconds))
    print(f"{'path':<10} {'n':>4} {'p50 s':>8} {'p95 s':>8} {'max s':>8}")
    for mode, values in results.items():
        print(
            f"{mode:<10} {len(values):>4} {statistics.median(values):>8.3f} "
            f"{percentile(values, 0.95):>8.3f} {max(values):>8.3f}"
        )
    print(f"(poll interval {args.poll_seconds} s)")


if __name__ == "__main__":
    main()
