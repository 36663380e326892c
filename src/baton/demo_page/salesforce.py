"""Connecting the demo org to the emulator exactly as an admin does it, through the real OAuth pages.

The emulator keeps its org in memory, so every demo start is a fresh Salesforce org: the
same Baton connection (same Client ID, same webhook URL and secret) is approved again.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx2

from salesforce_emulator.state import ADMIN, ConnectedApp

CALLBACK_PATH = "/oauth/salesforce/callback"
NAMED_CREDENTIAL = "OpenCX_Integration"


class ConnectFailed(RuntimeError):
    """A step of the OAuth flow did not answer as Salesforce would; the message says which."""


def external_client_app(baton_url: str, client_id: str, client_secret: str) -> ConnectedApp:
    """The External Client App an admin creates in Setup: Baton's callback, rotating refresh tokens."""
    return ConnectedApp(
        client_id=client_id,
        client_secret=client_secret,
        callback_urls=[baton_url + CALLBACK_PATH],
        rotate_refresh_tokens=True,
        name="Baton (demo)",
    )


def _expect(response: httpx2.Response, step: str, *statuses: int) -> httpx2.Response:
    if response.status_code not in statuses:
        raise ConnectFailed(f"{step}: HTTP {response.status_code}: {response.text[:300]}")
    return response


async def connect_salesforce(
    http: httpx2.AsyncClient,
    baton_url: str,
    api_key: str,
    emulator_url: str,
    app: ConnectedApp,
) -> dict[str, Any]:
    """Save the credentials, approve at the emulator, land on Baton's callback, set the Named Credential."""
    headers = {"Authorization": f"Bearer {api_key}"}
    settings_url = f"{baton_url}/api/v1/integrations/salesforce/email"
    credentials = {"client_id": app.client_id, "client_secret": app.client_secret, "login_url": emulator_url}
    _expect(await http.put(settings_url, json=credentials, headers=headers), "saving credentials", 200)
    authorize_url = _expect(
        await http.get(f"{settings_url}/authorize", headers=headers), "building the authorize URL", 200
    ).json()["authorize_url"]

    params = dict(parse_qsl(urlsplit(authorize_url).query))
    authorize = f"{emulator_url}/services/oauth2/authorize"
    login = _expect(
        await http.post(
            authorize,
            data={**params, "action": "login", "username": ADMIN.username, "password": ADMIN.password},
        ),
        "signing in at Salesforce",
        200,
    )
    ticket = re.search(r"name='ticket' value='([^']+)'", login.text)
    if ticket is None:
        raise ConnectFailed("signing in at Salesforce: the approval page was not shown")
    approved = _expect(
        await http.post(authorize, data={**params, "ticket": ticket.group(1), "action": "approve"}),
        "approving access",
        302,
    )
    _expect(await http.get(approved.headers["location"]), "Baton's OAuth callback", 200)

    status: dict[str, Any] = _expect(
        await http.get(settings_url, headers=headers), "reading the connection", 200
    ).json()
    if status["status"] != "connected":
        raise ConnectFailed(f"Baton is not connected: {status.get('error')}")
    # What the admin does next in Setup: point the Named Credential at Baton and paste the secret.
    named = {"name": NAMED_CREDENTIAL, "url": status["webhook_url"], "secret": status["webhook_secret"]}
    _expect(
        await http.post(f"{emulator_url}/_emulator/named-credentials", json=named),
        "setting the Named Credential",
        201,
    )
    return status
