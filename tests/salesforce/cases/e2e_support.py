"""An email-to-Case world on loopback: Baton (API, worker, SMTP receiver), the emulator, a mailbox."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiosmtplib
import httpx2

from baton.app import create_app
from baton.mailsink import MailSink
from baton.services import Services
from baton_support import OrgCredentials, create_org, eventually, free_port, make_settings, serve_on_loopback
from salesforce_emulator.runtime import EmulatorOptions
from salesforce_emulator.state import ConnectedApp
from salesforce_emulator.testing import run_emulator

CLIENT_ID = "3MVG9baton.e2e.client"
CLIENT_SECRET = "baton-e2e-client-secret"
ADMIN, PASSWORD = "admin@emulator.test", "password"
SUPPORT = "support@acme.test"


@contextmanager
def emulator_for(callback_url: str) -> Iterator[str]:
    app = ConnectedApp(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        callback_urls=[callback_url],
        rotate_refresh_tokens=True,
    )
    with run_emulator(EmulatorOptions(apps=[app])) as url:
        yield url


@dataclass
class World:
    baton: str
    emulator: str
    smtp_port: int
    sink: MailSink
    org: OrgCredentials
    http: httpx2.AsyncClient
    services: Services  # the test's own view of the database

    async def api(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        return await self.http.request(method, f"{self.baton}{path}", headers=self.org.headers, **kwargs)

    async def send_customer_mail(
        self,
        text: str,
        *,
        subject: str = "My blender is broken",
        sender: str = "jane@example.com",
        name: str = "Jane Doe",
        in_reply_to: str | None = None,
        message_id: str | None = None,
    ) -> str:
        mail = EmailMessage()
        mail["From"] = f"{name} <{sender}>"
        mail["To"] = SUPPORT
        mail["Subject"] = subject
        mail["Message-ID"] = message_id or f"<{free_port()}.{len(text)}.{abs(hash(text))}@example.com>"
        if in_reply_to:
            mail["In-Reply-To"] = f"<{in_reply_to}>"
            mail["References"] = f"<{in_reply_to}>"
        mail.set_content(text)
        await aiosmtplib.send(mail, hostname="127.0.0.1", port=self.smtp_port)
        return str(mail["Message-ID"]).strip("<>")

    async def session_for_contact(self, email: str, count: int = 1) -> dict[str, Any]:
        async def found() -> dict[str, Any] | None:
            page = (await self.api("GET", "/api/v1/sessions", params={"contact_email": email})).json()
            items: list[dict[str, Any]] = page["items"]
            return items[0] if len(items) >= count else None

        return await eventually(found)

    async def session(self, session_id: str) -> dict[str, Any]:
        body: dict[str, Any] = (await self.api("GET", f"/api/v1/sessions/{session_id}")).json()
        return body

    async def wait_handoff_done(self, session_id: str) -> dict[str, Any]:
        async def done() -> dict[str, Any] | None:
            session = await self.session(session_id)
            handoff = session.get("handoff") or {}
            if handoff.get("state") == "failed":
                raise AssertionError(f"handoff failed: {handoff.get('error')}")
            return session if handoff.get("state") == "done" else None

        return await eventually(done, timeout=30)

    async def records(self, sobject: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = (
            await self.http.get(f"{self.emulator}/_emulator/records/{sobject}")
        ).json()
        return rows

    async def rep(self, action: str, case_id: str, **body: Any) -> dict[str, Any]:
        response = await self.http.post(f"{self.emulator}/_emulator/cases/{case_id}/{action}", json=body)
        assert response.status_code in (200, 201), response.text
        result: dict[str, Any] = response.json()
        return result

    async def faults(self, **faults: Any) -> None:
        (await self.http.post(f"{self.emulator}/_emulator/faults", json=faults)).raise_for_status()


async def connect_salesforce(
    http: httpx2.AsyncClient, baton: str, org: OrgCredentials, emulator: str
) -> dict[str, Any]:
    """Save credentials, click Connect, log in and approve at the emulator, land on Baton's callback."""
    credentials = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "login_url": emulator}
    saved = await http.put(
        f"{baton}/api/v1/integrations/salesforce/email", json=credentials, headers=org.headers
    )
    assert saved.status_code == 200, saved.text
    url = (
        await http.get(f"{baton}/api/v1/integrations/salesforce/email/authorize", headers=org.headers)
    ).json()["authorize_url"]
    params = dict(parse_qsl(urlsplit(url).query))
    authorize = f"{emulator}/services/oauth2/authorize"
    login = await http.post(
        authorize, data={**params, "action": "login", "username": ADMIN, "password": PASSWORD}
    )
    ticket = re.search(r"name='ticket' value='([^']+)'", login.text)
    assert ticket is not None, login.text
    approved = await http.post(authorize, data={**params, "ticket": ticket.group(1), "action": "approve"})
    assert approved.status_code == 302, approved.text
    page = await http.get(approved.headers["location"])
    assert page.status_code == 200, page.text
    assert "Connected" in page.text
    status: dict[str, Any] = (
        await http.get(f"{baton}/api/v1/integrations/salesforce/email", headers=org.headers)
    ).json()
    assert status["status"] == "connected"
    # What the admin does in Salesforce Setup: point the Named Credential at Baton, paste the secret.
    named = {"name": "OpenCX_Integration", "url": status["webhook_url"], "secret": status["webhook_secret"]}
    (await http.post(f"{emulator}/_emulator/named-credentials", json=named)).raise_for_status()
    return status


@asynccontextmanager
async def email_cases_world(database_url: str, services: Services, **settings: Any) -> AsyncIterator[World]:
    sink = MailSink()
    await sink.start("127.0.0.1", 0)
    smtp_port = free_port()

    def baton_app(base_url: str) -> Any:
        return create_app(
            make_settings(
                database_url,
                public_url=base_url,
                smtp_url=sink.smtp_url,
                smtp_listen=f"127.0.0.1:{smtp_port}",
                **settings,
            )
        )

    try:
        org = await create_org(services)
        async with services.session_factory() as db, db.begin():
            from baton.store.models import EmailAddress

            db.add(EmailAddress(address=SUPPORT, org_id=org.org_id))
        with (
            serve_on_loopback(baton_app) as baton,
            emulator_for(f"{baton}/oauth/salesforce/callback") as emulator,
        ):
            async with httpx2.AsyncClient(timeout=30) as http:
                await connect_salesforce(http, baton, org, emulator)
                yield World(baton, emulator, smtp_port, sink, org, http, services)
    finally:
        await sink.stop()
