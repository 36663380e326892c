"""The admin API, the app factory's MIAW mount and the loopback helper."""

from __future__ import annotations

import httpx2
import pytest
from sfemu_support import API, connect, create
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from salesforce_emulator.runtime import EmulatorOptions
from salesforce_emulator.server import create_app
from salesforce_emulator.state import ConnectedApp
from salesforce_emulator.testing import run_emulator

pytestmark = pytest.mark.anyio


async def test_reset_forgets_records_apps_tokens_and_usage(client: httpx2.AsyncClient) -> None:
    tokens = await connect(client)
    await create(client, tokens, "Case", {"Subject": "s"})
    await client.post("/_emulator/reset")
    assert (await client.get("/_emulator/records/Case")).json() == []
    assert (await client.get("/_emulator/apps")).json() == []
    assert (await client.get("/_emulator/api-usage")).json()["used"] == 0
    assert (await client.get(f"{API}/limits", headers=tokens.headers)).status_code == 401


async def test_admin_input_is_validated(client: httpx2.AsyncClient) -> None:
    assert (await client.post("/_emulator/apps", json={"client_id": "x"})).status_code == 400
    assert (await client.post("/_emulator/named-credentials", json={"url": "http://x"})).status_code == 400
    assert (await client.get("/_emulator/records/Account")).status_code == 404
    assert (
        await client.post("/_emulator/cases/500Q0000000000ZAAA/comments", json={"body": "x"})
    ).status_code == 404
    assert (await client.post("/_emulator/integration-user", json={"username": "nobody"})).status_code == 404


async def test_users_show_who_the_integration_user_is(client: httpx2.AsyncClient) -> None:
    users = {u["Username"]: u for u in (await client.get("/_emulator/users")).json()}
    assert users["admin@emulator.test"]["IsIntegrationUser"] is True
    assert users["jane.rep@emulator.test"]["IsIntegrationUser"] is False
    assert "_password" not in users["admin@emulator.test"]


async def test_options_seed_apps_and_the_miaw_app_gets_its_paths() -> None:
    async def miaw(request: Request) -> Response:
        return PlainTextResponse(f"miaw {request.url.path}")

    miaw_app = Starlette(routes=[Route("/iamessage/api/v2/conversation", miaw, methods=["POST"])])
    options = EmulatorOptions(apps=[ConnectedApp("seeded", "secret", ["http://cb"])])
    with run_emulator(options, miaw_app=miaw_app) as base_url:
        async with httpx2.AsyncClient(base_url=base_url) as http:
            assert [a["client_id"] for a in (await http.get("/_emulator/apps")).json()] == ["seeded"]
            routed = await http.post("/iamessage/api/v2/conversation")
            assert routed.text == "miaw /iamessage/api/v2/conversation"
            assert (await http.get("/services/data")).status_code == 200


def test_create_app_exposes_the_runtime() -> None:
    app = create_app(EmulatorOptions(daily_api_limit=10))
    assert app.state.emulator.org.daily_api_limit == 10
