"""Helpers the emulator tests share: register an app, run the OAuth dance, call the REST API."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

import httpx2

CLIENT_ID = "baton-test-client"
CLIENT_SECRET = "baton-test-secret"
CALLBACK = "http://127.0.0.1:9/oauth/callback"
API = "/services/data/v66.0"


@dataclass
class Tokens:
    access_token: str
    refresh_token: str | None
    body: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def register_app(client: httpx2.AsyncClient, **overrides: Any) -> None:
    body = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "callback_urls": [CALLBACK], **overrides}
    (await client.post("/_emulator/apps", json=body)).raise_for_status()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_params(challenge: str | None = None, **overrides: str) -> dict[str, str]:
    params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": CALLBACK, "state": "xyz"}
    if challenge is not None:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return params | overrides


async def approve(
    client: httpx2.AsyncClient,
    params: dict[str, str],
    *,
    username: str = "admin@emulator.test",
    action: str = "approve",
) -> httpx2.URL:
    """Log in on the authorize page, press Allow (or Deny) and return the callback URL."""
    login = await client.post(
        "/services/oauth2/authorize",
        data={**params, "action": "login", "username": username, "password": "password"},
    )
    assert login.status_code == 200, login.text
    match = re.search(r"name='ticket' value='([^']+)'", login.text)
    assert match is not None
    decision = await client.post(
        "/services/oauth2/authorize", data={**params, "action": action, "ticket": match[1]}
    )
    assert decision.status_code == 302
    return httpx2.URL(decision.headers["location"])


async def connect(client: httpx2.AsyncClient, *, username: str = "admin@emulator.test", **app: Any) -> Tokens:
    """Register the app and run the web-server flow with PKCE, as Baton does."""
    await register_app(client, **app)
    verifier, challenge = pkce_pair()
    params = authorize_params(challenge)
    callback = await approve(client, params, username=username)
    response = await client.post(
        "/services/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": callback.params["code"],
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return Tokens(body["access_token"], body.get("refresh_token"), body)


async def create(client: httpx2.AsyncClient, tokens: Tokens, sobject: str, body: dict[str, Any]) -> str:
    response = await client.post(f"{API}/sobjects/{sobject}", json=body, headers=tokens.headers)
    assert response.status_code == 201, response.text
    record_id: str = response.json()["id"]
    return record_id


async def query(client: httpx2.AsyncClient, tokens: Tokens, soql: str, **headers: str) -> httpx2.Response:
    return await client.get(f"{API}/query", params={"q": soql}, headers=tokens.headers | headers)
