"""Fault injection: what is applied and what the client sees."""

from __future__ import annotations

from typing import Any

import anyio
import httpx2
import pytest
from sfemu_support import API, Tokens, connect

pytestmark = pytest.mark.anyio


@pytest.fixture
async def tokens(client: httpx2.AsyncClient) -> Tokens:
    return await connect(client)


async def cases(client: httpx2.AsyncClient) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (await client.get("/_emulator/records/Case")).json()
    return rows


async def test_5xx_errors_are_not_applied(client: httpx2.AsyncClient, tokens: Tokens) -> None:
    await client.post("/_emulator/faults", json={"error_rate_5xx": 1, "seed": 7})
    response = await client.post(f"{API}/sobjects/Case", json={"Subject": "x"}, headers=tokens.headers)
    assert response.status_code in (500, 503)
    assert response.json()[0]["errorCode"] in ("SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION")
    assert await cases(client) == []


async def test_lost_responses_are_applied_but_the_client_cannot_tell(
    client: httpx2.AsyncClient, tokens: Tokens
) -> None:
    await client.post("/_emulator/faults", json={"lost_response_rate": 1, "seed": 1})
    outcomes = []
    for _ in range(6):
        try:
            response = await client.post(
                f"{API}/sobjects/Case", json={"Subject": "x"}, headers=tokens.headers
            )
        except httpx2.TransportError:
            outcomes.append("dropped")
        else:
            assert response.status_code == 502
            outcomes.append("502")
    assert set(outcomes) == {"dropped", "502"}  # the seed gives both kinds
    assert len(await cases(client)) == 6


async def test_the_same_seed_gives_the_same_faults(client: httpx2.AsyncClient, tokens: Tokens) -> None:
    async def statuses() -> list[int]:
        await client.post("/_emulator/faults", json={"error_rate_5xx": 0.5, "seed": 42})
        return [(await client.get(f"{API}/limits", headers=tokens.headers)).status_code for _ in range(12)]

    first, second = await statuses(), await statuses()
    assert first == second and 200 in first and {500, 503} & set(first)


async def test_rate_limit_window_and_clearing_faults(client: httpx2.AsyncClient, tokens: Tokens) -> None:
    await client.post("/_emulator/faults", json={"rate_limit_for_seconds": 300})
    limited = await client.get(f"{API}/limits", headers=tokens.headers)
    assert limited.status_code == 403 and limited.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert (await client.get("/_emulator/faults")).json()["rate_limited_for_seconds"] > 0
    await client.delete("/_emulator/faults")
    assert (await client.get(f"{API}/limits", headers=tokens.headers)).status_code == 200


async def test_expire_tokens_now_forces_a_refresh(client: httpx2.AsyncClient, tokens: Tokens) -> None:
    await client.post("/_emulator/faults", json={"expire_tokens_now": True})
    assert (await client.get(f"{API}/limits", headers=tokens.headers)).status_code == 401
    refreshed = await client.post(
        "/services/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "client_id": "baton-test-client",
            "client_secret": "baton-test-secret",
        },
    )
    headers = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    assert (await client.get(f"{API}/limits", headers=headers)).status_code == 200


async def test_rotation_can_be_switched_on_at_runtime(client: httpx2.AsyncClient, tokens: Tokens) -> None:
    await client.post("/_emulator/faults", json={"rotate_refresh_tokens": True})
    form = {
        "grant_type": "refresh_token",
        "refresh_token": tokens.refresh_token,
        "client_id": "baton-test-client",
        "client_secret": "baton-test-secret",
    }
    rotated = await client.post("/services/oauth2/token", data=form)
    assert "refresh_token" in rotated.json()
    assert (await client.post("/services/oauth2/token", data=form)).status_code == 400


async def test_bad_fault_settings_are_refused(client: httpx2.AsyncClient) -> None:
    assert (await client.post("/_emulator/faults", json={"error_rate_5xx": 2})).status_code == 400
    assert (await client.post("/_emulator/faults", json={"nonsense": 1})).status_code == 400


async def test_admin_api_is_never_faulted(client: httpx2.AsyncClient) -> None:
    await client.post("/_emulator/faults", json={"error_rate_5xx": 1})
    assert (await client.get("/_emulator/api-usage")).status_code == 200


async def test_a_timed_out_request_is_still_applied(client: httpx2.AsyncClient, tokens: Tokens) -> None:
    await client.post("/_emulator/faults", json={"timeout_rate": 1, "timeout_seconds": 0.3})
    with pytest.raises(httpx2.ReadTimeout):
        await client.post(
            f"{API}/sobjects/Case", json={"Subject": "late"}, headers=tokens.headers, timeout=0.05
        )
    for _ in range(100):
        if await cases(client):
            break
        await anyio.sleep(0.05)
    assert [c["Subject"] for c in await cases(client)] == ["late"]


async def test_oauth_endpoints_can_be_kept_to_unambiguous_faults(
    client: httpx2.AsyncClient, tokens: Tokens
) -> None:
    from sfemu_support import CLIENT_ID, CLIENT_SECRET

    await client.post(
        "/_emulator/faults", json={"lost_response_rate": 1, "ambiguous_oauth_faults": False, "seed": 3}
    )
    refreshed = await client.post(
        "/services/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )
    assert refreshed.status_code == 200  # the token endpoint answered
    # REST calls still lose their responses.
    try:
        response = await client.post(f"{API}/sobjects/Case", json={"Subject": "x"}, headers=tokens.headers)
    except httpx2.TransportError:
        pass
    else:
        assert response.status_code == 502
    bad = await client.post("/_emulator/faults", json={"ambiguous_oauth_faults": "no"})
    assert bad.status_code == 400
