"""A handoff made while Salesforce is not connected fails clearly, and goes through once an admin connects."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import httpx2
import pytest
from e2e_support import ADMIN, CLIENT_ID, CLIENT_SECRET, PASSWORD, emulator_for

from baton.conversations.service import add_message, create_session, get_or_create_contact
from baton.handoff.service import hand_off_manually
from baton.services import Services
from baton.store.models import Session
from baton.worker import build_worker
from baton_support import OrgCredentials

pytestmark = pytest.mark.anyio


async def test_handoff_waits_for_the_connection_then_creates_the_case(
    services: Services, org: OrgCredentials, client: httpx2.AsyncClient
) -> None:
    async with services.session_factory() as db, db.begin():
        contact = await get_or_create_contact(db, org.org_id, email="jane@example.com", name="Jane")
        session = await create_session(db, org.org_id, contact, channel="email", subject="Refund")
        await add_message(db, session, role="customer", text="Please refund order 42.")
        await hand_off_manually(db, session, "refund")
    worker = build_worker(services, concurrency=2)
    await worker.run_until_idle(timeout=30)
    async with services.session_factory() as db:
        failed = await db.get(Session, session.id)
        assert failed is not None
        assert failed.handoff_state == "failed"
        assert "not connected" in (failed.handoff_error or "")

    with emulator_for("http://baton.test/oauth/salesforce/callback") as emulator:
        credentials = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "login_url": emulator}
        saved = await client.put(
            "/api/v1/integrations/salesforce/email", json=credentials, headers=org.headers
        )
        assert saved.status_code == 200
        url = (
            await client.get("/api/v1/integrations/salesforce/email/authorize", headers=org.headers)
        ).json()["authorize_url"]
        params = dict(parse_qsl(urlsplit(url).query))
        async with httpx2.AsyncClient() as http:
            authorize = f"{emulator}/services/oauth2/authorize"
            login = await http.post(
                authorize, data={**params, "action": "login", "username": ADMIN, "password": PASSWORD}
            )
            ticket = re.search(r"name='ticket' value='([^']+)'", login.text)
            assert ticket is not None
            approved = await http.post(
                authorize, data={**params, "ticket": ticket.group(1), "action": "approve"}
            )
            location = urlsplit(approved.headers["location"])
            page = await client.get(f"{location.path}?{location.query}")
            assert "1 waiting handoff(s) are being sent now" in page.text
            await worker.run_until_idle(timeout=30)
            cases = (await http.get(f"{emulator}/_emulator/records/Case")).json()
    async with services.session_factory() as db:
        done = await db.get(Session, session.id)
        assert done is not None
        assert done.handoff_state == "done"
        assert done.handoff_error is None
    assert [c["Id"] for c in cases] == [done.salesforce_case_id]
