"""Live Messaging settings: per-field validation, the test on save, public keys only, JWKS, keys CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from live_support import DEPLOYMENT, KID, miaw_emulator, settings_body, signing_keys
from typer.testing import CliRunner

from baton.cli import app as cli_app
from baton.salesforce.messaging.keys import generate_key_pair, load_private_key
from baton_support import OrgCredentials

pytestmark = pytest.mark.anyio
PATH = "/api/v1/integrations/salesforce/messaging"


@pytest.fixture(scope="module")
def emulator() -> Iterator[str]:
    with miaw_emulator() as url:
        yield url


@pytest.fixture(scope="module")
def key_registered(emulator: str) -> bool:
    with httpx2.Client() as http:
        response = http.post(
            f"{emulator}/_emulator/miaw/deployments/{DEPLOYMENT}/keys", json=signing_keys().jwk
        )
        assert response.status_code == 201, response.text
    return True


def _short_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


BAD_FIELDS: list[tuple[str, Any, str]] = [
    ("instance_url", "acme.my.salesforce.com", "https://"),
    ("instance_url", "http://acme.my.salesforce.com", "https://"),
    ("scrt_url", "https://acme.my.salesforce-scrt.com/iamessage", "without a path"),
    ("scrt_url", "ftp://acme.example", "https://"),
    ("org_id", "00D5g000004ABC", "15- or 18-character"),
    ("org_id", "0055g000004ABCDEAA", "00D"),
    ("es_developer_name", "My Deployment", "API Name"),
    ("auth_key_id", "key id", "white space"),
    ("private_key_pem", "-----BEGIN PRIVATE KEY-----\nMIIEv", "incomplete"),
    ("private_key_pem", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "BEGIN and END"),
    ("issuer", "", "empty"),
]


@pytest.mark.parametrize(("field", "value", "reason"), BAD_FIELDS)
async def test_each_bad_field_answers_422_naming_it(
    client: httpx2.AsyncClient, org: OrgCredentials, emulator: str, field: str, value: Any, reason: str
) -> None:
    response = await client.put(PATH, json=settings_body(emulator, **{field: value}), headers=org.headers)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert reason in errors[0]["reason"]


async def test_a_short_rsa_key_is_refused(
    client: httpx2.AsyncClient, org: OrgCredentials, emulator: str
) -> None:
    response = await client.put(
        PATH, json=settings_body(emulator, private_key_pem=_short_key()), headers=org.headers
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "private_key_pem"
    assert "2048" in error["reason"]


async def test_a_key_needs_its_key_id_and_issuer(
    client: httpx2.AsyncClient, org: OrgCredentials, emulator: str
) -> None:
    body = settings_body(emulator)
    del body["auth_key_id"]
    response = await client.put(PATH, json=body, headers=org.headers)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["auth_key_id"]


async def test_saving_tests_the_settings_and_never_returns_the_private_key(
    client: httpx2.AsyncClient, org: OrgCredentials, emulator: str, key_registered: bool
) -> None:
    assert (await client.get(PATH, headers=org.headers)).json()["status"] == "not_configured"
    saved = await client.put(PATH, json=settings_body(emulator), headers=org.headers)
    assert saved.status_code == 200, saved.text
    document = saved.json()
    assert document["status"] == "connected", document
    assert document["error"] is None
    assert document["check"]["authenticated_subject"].startswith("v2/iamessage/AUTH/")
    fetched = (await client.get(PATH, headers=org.headers)).json()
    private = signing_keys().private_key_pem
    for body in (document, fetched, (await client.get(f"/.well-known/baton/{org.org_id}/jwks.json")).json()):
        text = json.dumps(body)
        assert "PRIVATE KEY" not in text
        assert private.splitlines()[1] not in text
        assert "private_key_pem" not in body
    assert fetched["public_key_pem"] == signing_keys().public_key_pem
    jwk = fetched["jwk"]
    assert {"kid", "alg", "use", "kty", "n", "e", "x5c"} <= set(jwk)
    assert (jwk["kid"], jwk["alg"], jwk["use"]) == (KID, "RS256", "sig")
    assert jwk["n"] == signing_keys().jwk["n"]
    assert fetched["jwks_url"].endswith(f"/.well-known/baton/{org.org_id}/jwks.json")
    assert fetched["routing"]["session_id_attribute"] == "OpencxSessionId"

    # Saving again without the key keeps the stored one.
    body = settings_body(emulator)
    del body["private_key_pem"]
    again = (await client.put(PATH, json=body, headers=org.headers)).json()
    assert again["status"] == "connected"
    assert again["jwk"] == jwk


async def test_the_jwks_endpoint_serves_the_public_key(
    client: httpx2.AsyncClient, org: OrgCredentials, emulator: str, key_registered: bool
) -> None:
    assert (await client.get(f"/.well-known/baton/{org.org_id}/jwks.json")).status_code == 404
    await client.put(PATH, json=settings_body(emulator), headers=org.headers)
    response = await client.get(f"/.well-known/baton/{org.org_id}/jwks.json")
    assert response.status_code == 200
    [key] = response.json()["keys"]
    assert key["kid"] == KID and key["x5c"]
    assert (await client.get("/.well-known/baton/unknown-org/jwks.json")).status_code == 404


async def test_a_key_salesforce_does_not_know_saves_with_an_error(
    client: httpx2.AsyncClient, org: OrgCredentials, emulator: str
) -> None:
    other = generate_key_pair(kid="unregistered")
    body = settings_body(emulator, auth_key_id="unregistered", private_key_pem=other.private_key_pem)
    document = (await client.put(PATH, json=body, headers=org.headers)).json()
    assert document["status"] == "error"
    assert "guest identity" in document["error"]
    assert "unregistered" in document["error"]


async def test_a_wrong_deployment_saves_with_salesforces_reason(
    client: httpx2.AsyncClient, org: OrgCredentials, emulator: str
) -> None:
    document = (
        await client.put(PATH, json=settings_body(emulator, es_developer_name="Nope"), headers=org.headers)
    ).json()
    assert document["status"] == "error"
    assert "HTTP 400" in document["error"] and "deployment" in document["error"]


async def test_an_unreachable_scrt_host_saves_with_an_error(
    client: httpx2.AsyncClient, org: OrgCredentials, emulator: str
) -> None:
    document = (
        await client.put(
            PATH, json=settings_body(emulator, scrt_url="http://127.0.0.1:9"), headers=org.headers
        )
    ).json()
    assert document["status"] == "error"
    assert "Could not reach" in document["error"]


async def test_routing_names_are_configurable_and_checked(
    client: httpx2.AsyncClient, org: OrgCredentials, emulator: str
) -> None:
    routing = {
        "origin_attribute": "Channel__c",
        "origins": {"web": "Website"},
        "extra": {"Email": "contact.email"},
    }
    document = (
        await client.put(PATH, json=settings_body(emulator, routing=routing), headers=org.headers)
    ).json()
    assert document["routing"]["origin_attribute"] == "Channel__c"
    assert document["routing"]["origins"]["web"] == "Website"
    assert document["routing"]["origins"]["sms"] == "SMS"
    bad = await client.put(
        PATH,
        json=settings_body(emulator, routing={"extra": {"Email": "contact.password"}}),
        headers=org.headers,
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "routing.extra"


async def test_the_webhook_requires_the_miaw_scope(
    client: httpx2.AsyncClient, org: OrgCredentials, services: Any
) -> None:
    from baton.api.keys import create_api_key

    async with services.session_factory() as db, db.begin():
        narrow = await create_api_key(db, org.org_id, scopes=["sessions:read"])
    body = {"event": "message:new", "session_id": "x"}
    response = await client.post(
        "/webhooks/salesforce/messaging", json=body, headers={"Authorization": f"Bearer {narrow}"}
    )
    assert response.status_code == 403
    assert (await client.post("/webhooks/salesforce/messaging", json=body)).status_code == 401


def test_keys_generate_prints_what_salesforce_needs(tmp_path: Path) -> None:
    target = tmp_path / "baton-key.pem"
    result = CliRunner().invoke(
        cli_app, ["keys", "generate", "--kid", "k-1", "--json", "--private-key-file", str(target)]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["jwk"]["kid"] == "k-1"
    assert {"kty", "kid", "alg", "x5c", "n", "e"} <= set(document["jwk"])
    assert "private_key_pem" not in document  # written to the file instead
    assert target.stat().st_mode & 0o777 == 0o600
    assert load_private_key(target.read_text()).key_size == 2048
    plain = CliRunner().invoke(cli_app, ["keys", "generate"])
    assert plain.exit_code == 0
    assert "BEGIN PUBLIC KEY" in plain.output and "Auth Key ID" in plain.output
