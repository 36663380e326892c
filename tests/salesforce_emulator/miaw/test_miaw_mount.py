"""The MIAW app mounted at the root of a host app, as the combined emulator does."""

from __future__ import annotations

import httpx2
import pytest
from miaw_emulator_helpers import deployment_doc, token_body
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from salesforce_emulator.miaw import MiawConfig, create_miaw_app, serve_in_thread

pytestmark = pytest.mark.anyio


async def test_mounted_at_root_after_host_routes() -> None:
    async def host_route(request: Request) -> PlainTextResponse:
        return PlainTextResponse("host")

    host = Starlette(
        routes=[
            Route("/services/oauth2/token", host_route, methods=["POST"]),
            Mount("/", app=create_miaw_app(MiawConfig(ping_interval_seconds=0.2))),
        ]
    )
    with serve_in_thread(host) as url:
        async with httpx2.AsyncClient(base_url=url) as http:
            assert (await http.post("/services/oauth2/token")).text == "host"
            assert (
                await http.post("/_emulator/miaw/deployments", json=deployment_doc(None))
            ).status_code == 201
            token = await http.post(
                "/iamessage/api/v2/authorization/unauthenticated/access-token", json=token_body()
            )
            assert token.status_code == 200
            missing = await http.post("/iamessage/api/v2/conversation", json={})
            assert missing.status_code == 401 and "message" in missing.json()
            assert (await http.get("/miaw-console")).status_code == 200
