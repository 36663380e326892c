from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from baton_support import OrgCredentials

pytestmark = pytest.mark.anyio

GOOD = {
    "client_id": "3MVG9abcdefghijklmnop",
    "client_secret": "S3CR3T-abcdef-123456",
    "login_url": "https://login.salesforce.com",
}


async def test_fresh_org_is_not_configured(client: httpx2.AsyncClient, org: OrgCredentials) -> None:
    status = (await client.get("/api/v1/integrations/salesforce/email", headers=org.headers)).json()
    assert status["status"] == "not_configured"
    assert status["callback_url"] == "http://baton.test/oauth/salesforce/callback"


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("login_url", "ftp://login.salesforce.com", "https"),
        ("login_url", "http://login.salesforce.com", "https"),
        ("client_id", "3MVG9 abc defghijklmnop", "white space"),
        ("client_secret", "", "at least"),
    ],
)
async def test_bad_credentials_answer_422_naming_the_field(
    client: httpx2.AsyncClient, org: OrgCredentials, field: str, value: str, reason: str
) -> None:
    response = await client.put(
        "/api/v1/integrations/salesforce/email", json={**GOOD, field: value}, headers=org.headers
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == field
    assert reason in error["reason"]
    status = (await client.get("/api/v1/integrations/salesforce/email", headers=org.headers)).json()
    assert status["status"] == "not_configured"  # nothing changed


async def test_loopback_http_login_url_is_allowed_for_the_emulator(
    client: httpx2.AsyncClient, org: OrgCredentials
) -> None:
    response = await client.put(
        "/api/v1/integrations/salesforce/email",
        json={**GOOD, "login_url": "http://127.0.0.1:8800"},
        headers=org.headers,
    )
    assert response.status_code == 200, response.text


async def test_saved_credentials_never_echo_the_client_secret(
    client: httpx2.AsyncClient, org: OrgCredentials
) -> None:
    response = await client.put("/api/v1/integrations/salesforce/email", json=GOOD, headers=org.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "credentials_saved"
    assert GOOD["client_secret"] not in response.text
    assert body["webhook_url"].startswith("http://baton.test/webhooks/salesforce/")
    assert len(body["webhook_secret"]) == 64
    again = (await client.get("/api/v1/integrations/salesforce/email", headers=org.headers)).json()
    assert again["webhook_secret"] == body["webhook_secret"]  # stable across reads and saves


async def test_authorize_url_uses_pkce_and_a_signed_state(
    client: httpx2.AsyncClient, org: OrgCredentials
) -> None:
    missing = await client.get("/api/v1/integrations/salesforce/email/authorize", headers=org.headers)
    assert missing.status_code == 409
    await client.put("/api/v1/integrations/salesforce/email", json=GOOD, headers=org.headers)
    url = (await client.get("/api/v1/integrations/salesforce/email/authorize", headers=org.headers)).json()[
        "authorize_url"
    ]
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert (
        f"{parts.scheme}://{parts.netloc}{parts.path}"
        == "https://login.salesforce.com/services/oauth2/authorize"
    )
    assert query["client_id"] == [GOOD["client_id"]]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["http://baton.test/oauth/salesforce/callback"]
    assert set(query["scope"][0].split()) == {"api", "refresh_token", "offline_access"}
    # A tampered state is refused by the callback, and nothing is connected.
    tampered = query["state"][0][:-2] + "xx"
    page = await client.get("/oauth/salesforce/callback", params={"code": "abc", "state": tampered})
    assert page.status_code == 400
    assert "Not connected" in page.text


async def test_callback_reports_salesforce_errors(client: httpx2.AsyncClient, org: OrgCredentials) -> None:
    await client.put("/api/v1/integrations/salesforce/email", json=GOOD, headers=org.headers)
    url = (await client.get("/api/v1/integrations/salesforce/email/authorize", headers=org.headers)).json()[
        "authorize_url"
    ]
    state = parse_qs(urlsplit(url).query)["state"][0]
    page = await client.get(
        "/oauth/salesforce/callback",
        params={
            "error": "access_denied",
            "error_description": "end-user denied authorization",
            "state": state,
        },
    )
    assert page.status_code == 400
    assert "end-user denied authorization" in page.text
    status = (await client.get("/api/v1/integrations/salesforce/email", headers=org.headers)).json()
    assert status["status"] == "credentials_saved"
    assert "denied" in status["error"]
