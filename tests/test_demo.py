"""``baton demo`` walked end to end over real sockets: the demo page, Baton, the emulator, the mailbox."""

from __future__ import annotations

import random
import socket
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import create_engine, func, select

from baton.demo import PortInUse, running_demo
from baton.store.models import Integration, Organization
from baton_support import eventually

pytestmark = pytest.mark.anyio


def free_port_range(count: int = 5) -> int:
    """A base port whose next ``count`` ports are all free (the demo uses port … port + 4)."""
    for _ in range(200):
        base = random.randrange(20000, 60000)
        taken = []
        try:
            for port in range(base, base + count):
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                taken.append(sock)
                sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for sock in taken:
                sock.close()
        return base
    raise RuntimeError("no free port range")


async def _session_of(http: httpx2.AsyncClient, baton: str, key: str, email: str) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        page = await http.get(
            f"{baton}/api/v1/sessions",
            params={"contact_email": email},
            headers={"Authorization": f"Bearer {key}"},
        )
        items: list[dict[str, Any]] = page.json()["items"]
        return items[0] if items else None

    return await eventually(found, timeout=30)


async def _case_for(http: httpx2.AsyncClient, emulator: str, session_id: str) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        cases: list[dict[str, Any]] = (await http.get(f"{emulator}/_emulator/records/Case")).json()
        return next((c for c in cases if c.get("OpenCX_Session_Id__c") == session_id), None)

    return await eventually(found, timeout=30)


def _count(home: Path, model: Any) -> int:
    engine = create_engine(f"sqlite:///{home / 'baton.db'}")
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(model)).scalar_one())
    finally:
        engine.dispose()


async def test_the_tour_email_in_hand_off_reply_as_the_rep_and_the_reply_reaches_the_mailbox(
    tmp_path: Path,
) -> None:
    async with (
        running_demo(home=tmp_path, host="127.0.0.1", port=free_port_range()) as urls,
        httpx2.AsyncClient(timeout=30) as http,
    ):
        page = await http.get(urls.demo_page)
        assert page.status_code == 200
        assert "Send an email as a customer" in page.text
        assert urls.console in page.text and urls.mailbox in page.text
        assert (await http.get(urls.docs)).status_code == 200
        assert (await http.get(urls.console)).status_code == 200

        # 1. The customer writes in through the demo page's form (real SMTP into Baton).
        sent = await http.post(
            f"{urls.demo_page}/send",
            data={
                "from_name": "Jane Doe",
                "from_address": "jane@example.com",
                "subject": "Warranty question",
                "text": "Hi, how long is the warranty on my blender?",
            },
        )
        assert sent.status_code == 303
        assert "sent=" in sent.headers["location"]
        session = await _session_of(http, urls.baton, urls.api_key, "jane@example.com")
        assert session["assignee"] == "ai"

        # The AI answers from the demo's help articles, by email, citing the article.
        answer = await _mail_matching(http, urls.mailbox, "two-year warranty")
        assert answer["to"] == ["jane@example.com"]
        assert "Warranty" in answer["text"].split("Source")[-1]

        # 2. The session shows on the demo page with a Hand off button; press it.
        listed = (await http.get(f"{urls.demo_page}/sessions")).text
        assert f"handoff-{session['id']}" in listed
        handed = await http.post(f"{urls.demo_page}/sessions/{session['id']}/handoff")
        assert handed.status_code == 303

        # 3. The Case is in Salesforce, and the demo page links to it in the rep console.
        case = await _case_for(http, urls.emulator, session["id"])
        assert case["Case_From__c"] == "opencx"
        assert case["Subject"] == "Warranty question"

        async def linked() -> bool:
            return f"{urls.console}/cases/{case['Id']}" in (await http.get(f"{urls.demo_page}/sessions")).text

        await eventually(linked, timeout=30)
        console_page = await http.get(f"{urls.console}/cases/{case['Id']}")
        assert console_page.status_code == 200
        assert "Warranty question" in console_page.text

        # 4. The rep replies in the console's form, as a public comment.
        reply = await http.post(
            f"{urls.console}/cases/{case['Id']}/reply",
            data={"kind": "public", "body": "Please send us a photo of the label, Jane."},
        )
        assert reply.status_code == 303

        # 5. The reply reaches the customer's mailbox, threaded under the ticket.
        mail = await _mail_matching(http, urls.mailbox, "photo of the label")
        assert mail["to"] == ["jane@example.com"]
        assert urls.support_address in mail["from"]
        assert mail["subject"] == f"Re: Warranty question [#{session['ticket_number']}]"


async def _mail_matching(http: httpx2.AsyncClient, mailbox: str, text: str) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        messages: list[dict[str, Any]] = (await http.get(f"{mailbox}/api/messages")).json()["messages"]
        return next((m for m in messages if text in m["text"]), None)

    return await eventually(found, timeout=30)


async def test_a_second_run_reuses_the_org_key_and_connection(tmp_path: Path) -> None:
    async with running_demo(home=tmp_path, port=free_port_range()) as first:
        assert not first.reused
    async with (
        running_demo(home=tmp_path, port=free_port_range()) as second,
        httpx2.AsyncClient(timeout=30) as http,
    ):
        assert second.reused
        assert (second.org_id, second.api_key) == (first.org_id, first.api_key)
        assert _count(tmp_path, Organization) == 1
        assert _count(tmp_path, Integration) == 1
        status = (
            await http.get(
                f"{second.baton}/api/v1/integrations/salesforce/email",
                headers={"Authorization": f"Bearer {second.api_key}"},
            )
        ).json()
        assert status["status"] == "connected"
        assert status["instance_url"] == second.emulator

        # The emulator started empty, and the reused connection works against it.
        await http.post(
            f"{second.demo_page}/send",
            data={
                "from_name": "Sam Lee",
                "from_address": "sam@example.com",
                "subject": "Refund",
                "text": "I want to talk to a human about my refund.",
            },
        )
        session = await _session_of(http, second.baton, second.api_key, "sam@example.com")
        case = await _case_for(http, second.emulator, session["id"])
        assert case["SuppliedEmail"] == "sam@example.com"


async def test_a_taken_port_is_named_with_the_option_that_moves_it(tmp_path: Path) -> None:
    base = free_port_range()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as blocker:
        blocker.bind(("127.0.0.1", base + 2))
        blocker.listen()
        with pytest.raises(PortInUse) as raised:
            async with running_demo(home=tmp_path, port=base):
                pass
    assert raised.value.port == base + 2
    assert f"port {base + 2}" in str(raised.value) and "--port" in str(raised.value)
    assert not (tmp_path / "demo.json").exists()
