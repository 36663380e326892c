"""Live Messaging under faults: a worker killed while holding streams, streams dropped every few seconds.

Both end with the same check: every rep message is stored exactly once, in the
order the rep sent it, for every conversation.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from live_support import LiveWorld, live_world, miaw_emulator, register_key, settings_body
from sqlalchemy import func, select

from baton.app import create_app
from baton.conversations.service import add_message, get_session_for_org
from baton.services import Services
from baton.store.models import MessagingStream
from baton_support import TEST_SECRET_KEY, create_org, eventually

pytestmark = pytest.mark.anyio


def _worker_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BATON_")}
    env.update(
        {
            "BATON_DATABASE_URL": database_url,
            "BATON_SECRET_KEY": TEST_SECRET_KEY,
            "BATON_PUBLIC_URL": "http://baton.test",
            "BATON_JOB_POLL_SECONDS": "0.05",
            # A short lease, so the killed worker's streams are adopted within seconds.
            "BATON_MESSAGING_STREAM_LEASE_SECONDS": "2",
            "BATON_MESSAGING_STREAM_POLL_SECONDS": "0.2",
            "BATON_MESSAGING_STREAM_BACKOFF_SECONDS": "0.1",
        }
    )
    return env


@contextmanager
def worker_process(database_url: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "baton.cli", "worker", "--concurrency", "4"],
            env=_worker_env(database_url),
            stdout=sink,
            stderr=sink,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


async def _stream_owner(services: Services) -> str | None:
    async with services.session_factory() as db:
        owners = (await db.execute(select(MessagingStream.lease_owner))).scalars().all()
    return owners[0] if len(owners) == 1 else None


async def test_a_killed_worker_s_stream_is_adopted_without_losing_or_repeating_messages(
    database_url: str, services: Services, tmp_path: Path
) -> None:
    org = await create_org(services)
    app = create_app(services.settings, services=services, run_worker=False)
    # No replay after Last-Event-Id: what the dead worker missed must come back through /entries.
    with miaw_emulator(replay_on_reconnect=False) as emulator:
        async with (
            httpx2.AsyncClient(
                transport=httpx2.ASGITransport(app=app), base_url="http://baton.test"
            ) as baton,
            httpx2.AsyncClient(timeout=30) as http,
        ):
            await register_key(http, emulator)
            saved = await baton.put(
                "/api/v1/integrations/salesforce/messaging", json=settings_body(emulator), headers=org.headers
            )
            assert saved.json()["status"] == "connected"
            created = await baton.post(
                "/api/v1/sessions",
                json={"channel": "web", "contact": {"email": "kim@example.com", "name": "Kim"}},
                headers=org.headers,
            )
            session_id = created.json()["id"]
            await baton.post(
                f"/api/v1/sessions/{session_id}/messages", json={"text": "Hi"}, headers=org.headers
            )
            await baton.post(f"/api/v1/sessions/{session_id}/handoff", json={}, headers=org.headers)

            async def agent_texts() -> list[str]:
                messages = (
                    await baton.get(f"/api/v1/sessions/{session_id}/messages", headers=org.headers)
                ).json()
                return [m["text"] for m in messages if m["role"] == "agent"]

            with worker_process(database_url, tmp_path / "a.log") as first:

                async def conversation_id() -> str | None:
                    session = (await baton.get(f"/api/v1/sessions/{session_id}", headers=org.headers)).json()
                    done = (session.get("handoff") or {}).get("state") == "done"
                    return session["salesforce_miaw_session_id"] if done else None

                conversation = await eventually(conversation_id, timeout=30)

                async def held_by_first() -> bool:
                    owner = await _stream_owner(services)
                    return owner is not None and f":{first.pid}:" in owner

                await eventually(held_by_first, timeout=15)
                rep = f"{emulator}/_emulator/miaw/conversations/{conversation}"
                (await http.post(f"{rep}/accept", json={"displayName": "Jane Rep"})).raise_for_status()
                sent = [f"before {i}" for i in range(5)]
                for text in sent:
                    (await http.post(f"{rep}/messages", json={"text": text})).raise_for_status()

                async def first_batch() -> bool:
                    return await agent_texts() == sent

                await eventually(first_batch, timeout=15)
                with worker_process(database_url, tmp_path / "b.log") as second:
                    first.send_signal(signal.SIGKILL)  # a crashed machine: no lease is released
                    first.wait(timeout=10)
                    after = [f"after {i}" for i in range(10)]
                    for text in after:
                        (await http.post(f"{rep}/messages", json={"text": text})).raise_for_status()
                    sent += after

                    async def all_delivered() -> list[str] | None:
                        texts = await agent_texts()
                        return texts if len(texts) >= len(sent) else None

                    assert await eventually(all_delivered, timeout=30) == sent
                    owner = await _stream_owner(services)
                    assert owner is not None and f":{second.pid}:" in owner
                    # Still exactly once a moment later (a late duplicate would show up now).
                    (await http.post(f"{rep}/messages", json={"text": "last"})).raise_for_status()
                    sent.append("last")

                    async def last_delivered() -> list[str] | None:
                        texts = await agent_texts()
                        return texts if texts[-1:] == ["last"] else None

                    assert await eventually(last_delivered, timeout=15) == sent


CONVERSATIONS = 50
MESSAGES_PER_CONVERSATION = 4  # 200 rep messages; bench/live_relay.py runs 1,000


async def _hand_off_many(world: LiveWorld, count: int) -> list[tuple[str, str]]:
    sessions = []
    for index in range(count):
        session = await world.new_session("web", email=f"c{index}@example.com", name=f"Customer {index}")
        async with world.services.session_factory() as db, db.begin():
            # Stored directly: the AI's answer is not what this test is about.
            stored = await get_session_for_org(db, world.org.org_id, session["id"])
            assert stored is not None
            await add_message(db, stored, role="customer", text=f"I need a person (customer {index})")
        response = await world.api("POST", f"/api/v1/sessions/{session['id']}/handoff", json={})
        assert response.status_code == 202, response.text
        sessions.append(session["id"])
    done = await asyncio.gather(*(world.wait_handoff_done(s, timeout=120) for s in sessions))
    return [(str(d["id"]), str(d["salesforce_miaw_session_id"])) for d in done]


async def test_streams_dropped_every_few_seconds_deliver_each_rep_message_once_in_order(
    database_url: str, services: Services
) -> None:
    overrides: dict[str, Any] = {"drop_streams_every_seconds": 3.0, "replay_on_reconnect": False}
    async with live_world(database_url, services, emulator_overrides=overrides) as world:
        pairs = await _hand_off_many(world, CONVERSATIONS)
        for _, conversation in pairs:
            await world.rep("accept", conversation, displayName="Jane Rep")
        expected: dict[str, list[str]] = {session: [] for session, _ in pairs}

        async def rep_writes(session: str, conversation: str) -> None:
            for number in range(MESSAGES_PER_CONVERSATION):
                text = f"{conversation[:8]} message {number}"
                await world.rep("messages", conversation, text=text)
                expected[session].append(text)
                await asyncio.sleep(0.3)  # spread the messages over several stream drops

        await asyncio.gather(*(rep_writes(s, c) for s, c in pairs))

        async def all_delivered() -> bool:
            for session, texts in expected.items():
                if len(await world.agent_texts(session)) < len(texts):
                    return False
            return True

        await eventually(all_delivered, timeout=120, interval=0.5)
        for session, texts in expected.items():
            assert await world.agent_texts(session) == texts
        async with services.session_factory() as db:
            reconnects = await db.scalar(select(func.sum(MessagingStream.reconnects)))
        assert reconnects and reconnects > 0  # the drops really happened
