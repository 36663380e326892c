"""Baton's Salesforce REST and OAuth clients against the local emulator over real sockets.

The emulator is written from Salesforce's documentation, independently of these
clients, so agreement here means both read the protocol the same way.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx2
import pytest

from baton.salesforce.errors import DuplicateValue, MultipleMatches, OAuthError, Permanent
from baton.salesforce.oauth import (
    TokenResponse,
    build_authorize_url,
    exchange_code,
    generate_pkce,
    refresh_access_token,
    revoke_token,
    sign_state,
    verify_state,
)
from baton.salesforce.rest import AccessToken, CallRecord, SalesforceRestClient, soql_quote
from salesforce_emulator.runtime import EmulatorOptions
from salesforce_emulator.state import ConnectedApp
from salesforce_emulator.testing import run_emulator

pytestmark = pytest.mark.anyio

CLIENT_ID = "3MVG9contract.client"
CLIENT_SECRET = "contract-client-secret"
CALLBACK = "https://baton.example.com/oauth/salesforce/callback"
STATE_KEY = b"contract-test-state-signing-key!"
USERNAME, PASSWORD = "admin@emulator.test", "password"
TOKEN_LIFETIME_SECONDS = 3600


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    app = ConnectedApp(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, callback_urls=[CALLBACK], rotate_refresh_tokens=True
    )
    options = EmulatorOptions(apps=[app], access_token_lifetime_seconds=TOKEN_LIFETIME_SECONDS)
    with run_emulator(options) as base_url:
        yield base_url


@pytest.fixture
async def http(emulator_url: str) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(timeout=30) as client:
        (await client.post(f"{emulator_url}/_emulator/reset")).raise_for_status()
        yield client


async def connect(http: httpx2.AsyncClient, login_url: str) -> TokenResponse:
    """The web-server flow end to end, as an admin clicking through the pages would."""
    verifier, challenge = generate_pkce()
    now = datetime.now(UTC)
    state = sign_state(STATE_KEY, {"org": "org_1"}, now=now)
    url = build_authorize_url(login_url, CLIENT_ID, CALLBACK, state=state, code_challenge=challenge)
    params = dict(parse_qsl(urlsplit(url).query))
    assert (await http.get(url)).status_code == 200
    authorize = f"{login_url}/services/oauth2/authorize"
    login = await http.post(
        authorize, data={**params, "action": "login", "username": USERNAME, "password": PASSWORD}
    )
    ticket = re.search(r"name='ticket' value='([^']+)'", login.text)
    assert ticket is not None, login.text
    approved = await http.post(authorize, data={**params, "ticket": ticket.group(1), "action": "approve"})
    assert approved.status_code == 302
    callback = parse_qs(urlsplit(approved.headers["location"]).query)
    assert verify_state(STATE_KEY, callback["state"][0], now=now) == {"org": "org_1"}
    return await exchange_code(
        http,
        login_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        code=callback["code"][0],
        redirect_uri=CALLBACK,
        code_verifier=verifier,
    )


class RotatingTokens:
    """A minimal TokenProvider: refreshes over OAuth and keeps a rotated refresh token."""

    def __init__(self, http: httpx2.AsyncClient, login_url: str, token: TokenResponse) -> None:
        assert token.refresh_token is not None
        self.http, self.login_url = http, login_url
        self.access = AccessToken(token.access_token, token.instance_url)
        self.refresh_token: str = token.refresh_token
        self.refreshes = 0

    async def current(self) -> AccessToken:
        return self.access

    async def refresh(self, stale: AccessToken) -> AccessToken:
        token = await refresh_access_token(
            self.http,
            self.login_url,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            refresh_token=self.refresh_token,
        )
        if token.refresh_token is not None:
            self.refresh_token = token.refresh_token
        self.access = AccessToken(token.access_token, token.instance_url)
        self.refreshes += 1
        return self.access


@pytest.fixture
async def connected(
    http: httpx2.AsyncClient, emulator_url: str
) -> tuple[SalesforceRestClient, RotatingTokens, list[CallRecord]]:
    tokens = RotatingTokens(http, emulator_url, await connect(http, emulator_url))
    records: list[CallRecord] = []
    return SalesforceRestClient(http, tokens, on_call=records.append), tokens, records


Connected = tuple[SalesforceRestClient, RotatingTokens, list[CallRecord]]


def _tree(session_id: str, comments: int) -> list[dict[str, object]]:
    return [
        {
            "attributes": {"type": "Case", "referenceId": "case"},
            "Subject": "Refund request",
            "Origin": "Email",
            "OpenCX_Session_Id__c": session_id,
            "CaseComments": {
                "records": [
                    {
                        "attributes": {"type": "CaseComment", "referenceId": f"comment{i}"},
                        "CommentBody": f"Transcript part {i}",
                        "IsPublished": False,
                    }
                    for i in range(comments)
                ]
            },
        }
    ]


async def test_connect_returns_usable_tokens(http: httpx2.AsyncClient, emulator_url: str) -> None:
    token = await connect(http, emulator_url)
    assert token.refresh_token is not None
    assert token.instance_url == emulator_url
    assert token.issued_at is not None and abs((datetime.now(UTC) - token.issued_at).total_seconds()) < 3600


async def test_create_get_update(connected: Connected) -> None:
    client, _, records = connected
    case_id = await client.create("Case", {"Subject": "Where is my order?", "Origin": "Email"})
    await client.update("Case", case_id, {"Priority": "High"})
    case = await client.get("Case", case_id, ["Subject", "Priority"])
    assert (case["Subject"], case["Priority"]) == ("Where is my order?", "High")
    assert [record.status for record in records] == [201, 204, 200]
    assert client.last_api_usage is not None and client.last_api_usage.used >= 3


async def test_tree_with_199_comments_in_one_call(connected: Connected) -> None:
    client, _, records = connected
    results = await client.create_tree("Case", _tree("sess-tree", 199))
    assert len(results) == 200
    assert [record.method for record in records] == ["POST"]
    case_id = next(result.id for result in results if result.reference_id == "case")
    comments = await client.query(f"SELECT Id FROM CaseComment WHERE ParentId = {soql_quote(case_id)}")
    assert len(comments) == 199


async def test_query_pagination_across_three_pages(connected: Connected) -> None:
    client, _, records = connected
    for n in range(3):
        await client.create_tree("Case", _tree(f"sess-{n}", 199))
    del records[:]
    pages = [page async for page in client.query_pages("SELECT Id FROM CaseComment", batch_size=200)]
    assert [len(page) for page in pages] == [200, 200, 197]
    assert len({record["Id"] for page in pages for record in page}) == 597
    assert len(records) == 3


async def test_duplicate_external_id(connected: Connected) -> None:
    client, _, _ = connected
    first = await client.create("Case", {"Subject": "a", "OpenCX_Session_Id__c": "sess-dup"})
    with pytest.raises(DuplicateValue) as info:
        await client.create("Case", {"Subject": "b", "OpenCX_Session_Id__c": "sess-dup"})
    assert info.value.existing_id is not None
    assert info.value.existing_id[:15] == first[:15]
    with pytest.raises(DuplicateValue) as tree_info:
        await client.create_tree("Case", _tree("sess-dup", 2))
    assert tree_info.value.existing_id is not None and tree_info.value.existing_id[:15] == first[:15]


async def test_upsert_by_session_id(connected: Connected) -> None:
    client, _, _ = connected
    created = await client.upsert("Case", "OpenCX_Session_Id__c", "sess-up", {"Subject": "first"})
    updated = await client.upsert("Case", "OpenCX_Session_Id__c", "sess-up", {"Subject": "second"})
    assert created.created is True and updated.created is False
    assert created.id == updated.id


async def test_upsert_multiple_matches(connected: Connected) -> None:
    client, _, _ = connected
    for _ in range(2):
        await client.create("Contact", {"LastName": "Lovelace", "External_Id__c": "ext-1"})
    with pytest.raises(MultipleMatches) as info:
        await client.upsert("Contact", "External_Id__c", "ext-1", {"FirstName": "Ada"})
    assert len(info.value.matches) == 2


async def test_string_too_long(connected: Connected) -> None:
    client, _, _ = connected
    with pytest.raises(Permanent) as info:
        await client.create("Case", {"Subject": "x" * 256})
    assert info.value.error_code == "STRING_TOO_LONG"
    tree = _tree("sess-long", 2)
    tree[0]["CaseComments"]["records"][1]["CommentBody"] = "é" * 2001  # type: ignore[index]  # 4,002 bytes
    with pytest.raises(Permanent) as tree_info:
        await client.create_tree("Case", tree)
    assert tree_info.value.error_code == "STRING_TOO_LONG"
    assert "comment1" in tree_info.value.message


async def test_collection(connected: Connected) -> None:
    client, _, _ = connected
    case_id = await client.create("Case", {"Subject": "collection"})
    rows = [
        {"attributes": {"type": "CaseComment"}, "ParentId": case_id, "CommentBody": "ok"},
        {"attributes": {"type": "CaseComment"}, "ParentId": case_id, "CommentBody": "x" * 4001},
    ]
    results = await client.create_collection(rows, all_or_none=False)
    assert [result.success for result in results] == [True, False]
    assert results[1].errors[0]["statusCode"] == "STRING_TOO_LONG"


async def test_expired_access_token_refreshes_with_rotation(
    connected: Connected, http: httpx2.AsyncClient, emulator_url: str
) -> None:
    client, tokens, records = connected
    await client.create("Case", {"Subject": "before expiry"})
    old_refresh = tokens.refresh_token
    advance = await http.post(
        f"{emulator_url}/_emulator/clock/advance", json={"seconds": TOKEN_LIFETIME_SECONDS + 1}
    )
    advance.raise_for_status()
    del records[:]
    await client.create("Case", {"Subject": "after expiry"})
    assert tokens.refreshes == 1
    assert [(record.status, record.error_code) for record in records] == [
        (401, "INVALID_SESSION_ID"),
        (201, None),
    ]
    assert tokens.refresh_token != old_refresh
    # Rotation: the previous refresh token no longer works.
    with pytest.raises(OAuthError) as info:
        await refresh_access_token(
            http, emulator_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, refresh_token=old_refresh
        )
    assert info.value.error == "invalid_grant"
    assert "Connect to Salesforce again" in info.value.admin_message


async def test_revoked_refresh_token_gives_admin_message(
    connected: Connected, http: httpx2.AsyncClient, emulator_url: str
) -> None:
    _, tokens, _ = connected
    await revoke_token(http, emulator_url, tokens.refresh_token)
    with pytest.raises(OAuthError) as info:
        await tokens.refresh(tokens.access)
    assert info.value.error == "invalid_grant"


async def test_wrong_client_secret(http: httpx2.AsyncClient, emulator_url: str) -> None:
    token = await connect(http, emulator_url)
    assert token.refresh_token is not None
    with pytest.raises(OAuthError) as info:
        await refresh_access_token(
            http, emulator_url, client_id=CLIENT_ID, client_secret="wrong", refresh_token=token.refresh_token
        )
    assert info.value.error == "invalid_client"
    assert "Client Secret" in info.value.admin_message
