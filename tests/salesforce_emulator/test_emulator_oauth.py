"""OAuth 2.0 as Salesforce answers it, over a real socket."""

from __future__ import annotations

import base64

import httpx2
import pytest
from sfemu_support import (
    API,
    CALLBACK,
    CLIENT_ID,
    CLIENT_SECRET,
    approve,
    authorize_params,
    connect,
    pkce_pair,
    register_app,
)

pytestmark = pytest.mark.anyio


async def test_web_server_flow_with_pkce_returns_salesforce_token_shape(client: httpx2.AsyncClient) -> None:
    tokens = await connect(client)
    body = tokens.body
    assert list(body) == [
        "access_token",
        "refresh_token",
        "signature",
        "scope",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
    ]
    assert "expires_in" not in body
    assert body["token_type"] == "Bearer"
    assert body["issued_at"].isdigit() and len(body["issued_at"]) == 13  # epoch milliseconds
    assert body["instance_url"] == str(client.base_url).rstrip("/")
    assert body["id"].startswith(f"{body['instance_url']}/id/00D")
    userinfo = await client.get("/services/oauth2/userinfo", headers=tokens.headers)
    assert userinfo.json()["preferred_username"] == "admin@emulator.test"


async def test_callback_carries_state_and_deny_gives_access_denied(client: httpx2.AsyncClient) -> None:
    await register_app(client)
    allowed = await approve(client, authorize_params(state="s-1"))
    assert allowed.params["state"] == "s-1" and allowed.params["code"]
    denied = await approve(client, authorize_params(state="s-2"), action="deny")
    assert str(denied).startswith(CALLBACK)
    assert denied.params["error"] == "access_denied" and denied.params["state"] == "s-2"


async def test_unknown_client_and_foreign_redirect_are_shown_not_redirected(
    client: httpx2.AsyncClient,
) -> None:
    await register_app(client)
    unknown = await client.get("/services/oauth2/authorize", params=authorize_params(client_id="nope"))
    assert unknown.status_code == 400 and "error=invalid_client_id" in unknown.text
    foreign = await client.get(
        "/services/oauth2/authorize", params=authorize_params(redirect_uri="https://evil/cb")
    )
    assert foreign.status_code == 400 and "error=redirect_uri_mismatch" in foreign.text


async def test_wrong_password_stays_on_the_login_page(client: httpx2.AsyncClient) -> None:
    await register_app(client)
    response = await client.post(
        "/services/oauth2/authorize",
        data={
            **authorize_params(),
            "action": "login",
            "username": "admin@emulator.test",
            "password": "wrong",
        },
    )
    assert response.status_code == 401 and "id='username'" in response.text


async def _code_exchange(client: httpx2.AsyncClient, **overrides: str) -> httpx2.Response:
    verifier, challenge = pkce_pair()
    callback = await approve(client, authorize_params(challenge))
    form = {
        "grant_type": "authorization_code",
        "code": callback.params["code"],
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
    }
    form |= overrides
    return await client.post("/services/oauth2/token", data={k: v for k, v in form.items() if v != "<omit>"})


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_verifier": "<omit>"}, "invalid_grant"),
        ({"code_verifier": "w" * 50}, "invalid_request"),
        ({"client_secret": "wrong"}, "invalid_client"),
        ({"client_id": "nope"}, "invalid_client_id"),
        ({"redirect_uri": "http://127.0.0.1:9/other"}, "redirect_uri_mismatch"),
        ({"code": "made-up"}, "invalid_grant"),
    ],
)
async def test_token_endpoint_errors(
    client: httpx2.AsyncClient, overrides: dict[str, str], error: str
) -> None:
    await register_app(client)
    response = await _code_exchange(client, **overrides)
    assert response.status_code == 400
    assert response.json()["error"] == error and response.json()["error_description"]


async def test_codes_are_single_use(client: httpx2.AsyncClient) -> None:
    await register_app(client)
    verifier, challenge = pkce_pair()
    callback = await approve(client, authorize_params(challenge))
    form = {
        "grant_type": "authorization_code",
        "code": callback.params["code"],
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
    }
    assert (await client.post("/services/oauth2/token", data=form)).status_code == 200
    again = await client.post("/services/oauth2/token", data=form)
    assert again.json() == {"error": "invalid_grant", "error_description": "invalid authorization code"}


async def test_token_endpoint_only_reads_form_bodies(client: httpx2.AsyncClient) -> None:
    await register_app(client)
    response = await client.post(
        "/services/oauth2/token",
        json={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    )
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


async def test_refresh_without_rotation_keeps_the_refresh_token(client: httpx2.AsyncClient) -> None:
    tokens = await connect(client)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": tokens.refresh_token,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    first = await client.post("/services/oauth2/token", data=form)
    second = await client.post("/services/oauth2/token", data=form)
    assert first.status_code == second.status_code == 200
    assert "refresh_token" not in first.json()
    assert first.json()["access_token"] != tokens.access_token


async def test_refresh_with_rotation_invalidates_the_old_refresh_token(client: httpx2.AsyncClient) -> None:
    tokens = await connect(client, rotate_refresh_tokens=True)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": tokens.refresh_token,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    rotated = await client.post("/services/oauth2/token", data=form)
    new_refresh = rotated.json()["refresh_token"]
    assert new_refresh != tokens.refresh_token
    reused = await client.post("/services/oauth2/token", data=form)
    assert reused.json() == {"error": "invalid_grant", "error_description": "expired access/refresh token"}
    fresh = await client.post("/services/oauth2/token", data=form | {"refresh_token": new_refresh})
    assert fresh.status_code == 200


async def test_client_credentials_with_basic_auth_has_no_refresh_token(client: httpx2.AsyncClient) -> None:
    await register_app(client)
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    response = await client.post(
        "/services/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200
    assert "refresh_token" not in response.json()
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    assert (await client.get(f"{API}/limits", headers=headers)).status_code == 200
    no_secret = await client.post(
        "/services/oauth2/token", data={"grant_type": "client_credentials", "client_id": CLIENT_ID}
    )
    assert no_secret.json()["error"] == "invalid_client"


async def test_revoking_the_refresh_token_revokes_its_access_tokens(client: httpx2.AsyncClient) -> None:
    tokens = await connect(client)
    assert (await client.get(f"{API}/limits", headers=tokens.headers)).status_code == 200
    revoked = await client.post("/services/oauth2/revoke", data={"token": tokens.refresh_token})
    assert revoked.status_code == 200
    after = await client.get(f"{API}/limits", headers=tokens.headers)
    assert after.status_code == 401
    assert after.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    unknown = await client.post("/services/oauth2/revoke", data={"token": "nope"})
    assert unknown.status_code == 400


async def test_access_tokens_expire_after_their_lifetime(client: httpx2.AsyncClient) -> None:
    tokens = await connect(client)
    assert (await client.get(f"{API}/limits", headers=tokens.headers)).status_code == 200
    await client.post("/_emulator/clock/advance", json={"seconds": 7201})
    assert (await client.get(f"{API}/limits", headers=tokens.headers)).status_code == 401
    assert (await client.get("/services/oauth2/userinfo", headers=tokens.headers)).status_code == 403
