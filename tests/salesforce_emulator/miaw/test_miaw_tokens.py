"""Access tokens: guest, verified user (JWK and JWKS URL), fallbacks, expiry, 429."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import jwt
import pytest
from miaw_emulator_helpers import (
    DEPLOYMENT,
    ISSUER,
    KEYSET,
    ORG_ID_18,
    Emulator,
    SigningKey,
    auth_body,
    deployment_doc,
    make_signing_key,
    token_body,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from salesforce_emulator.miaw import MiawConfig, create_miaw_app, serve_in_thread

pytestmark = pytest.mark.anyio

UNAUTH = "/iamessage/api/v2/authorization/unauthenticated/access-token"
AUTH = "/iamessage/api/v2/authorization/authenticated/access-token"
LIST = "/iamessage/api/v2/conversation/list"
CONTINUATION = "/iamessage/api/v2/authorization/continuation-access-token"


async def test_guest_token_shape(emulator: Emulator) -> None:
    body = await emulator.guest_token()
    assert body["context"]["endUser"]["subject"].startswith("v2/iamessage/ANON/")
    assert body["lastEventId"].isdigit()
    claims = jwt.decode(body["accessToken"], options={"verify_signature": False})
    assert claims["exp"] > claims["iat"]
    config = body["context"]["configuration"]["embeddedServiceConfig"]
    fields = config["forms"][0]["formFields"]
    assert [f["name"] for f in fields] == ["OpencxSessionId", "Chat_Consumer_Type", "Origin"]
    assert all(f["isHidden"] for f in fields)
    assert config["deploymentType"] == "api"


async def test_each_guest_token_is_a_new_identity(emulator: Emulator) -> None:
    first = await emulator.guest_token()
    second = await emulator.guest_token()
    assert first["context"]["endUser"]["subject"] != second["context"]["endUser"]["subject"]


@pytest.mark.parametrize(
    "body",
    [
        token_body(capabilitiesVersion=1),
        {k: v for k, v in token_body().items() if k != "platform"},
        token_body(esDeveloperName="Unknown"),
        token_body(orgId="00D000000000001"),
    ],
)
async def test_guest_token_rejects_bad_requests(emulator: Emulator, body: dict[str, object]) -> None:
    response = await emulator.http.post(UNAUTH, json=body)
    assert response.status_code == 400
    assert response.json()["message"]


async def test_verified_token_has_auth_subject(emulator: Emulator, signing_key: SigningKey) -> None:
    body = token_body(authorizationType="JWT", customerIdentityToken=signing_key.identity_token("contact-42"))
    response = await emulator.http.post(AUTH, json=body)
    assert response.status_code == 200
    assert response.json()["context"]["endUser"]["subject"] == f"v2/iamessage/AUTH/{KEYSET}/uid:contact-42"


async def test_rs512_is_accepted(emulator: Emulator, signing_key: SigningKey) -> None:
    token = signing_key.identity_token(algorithm="RS512")
    assert "/AUTH/" in await emulator.verified_subject(token)


@pytest.mark.parametrize(
    "case", ["wrong_key", "wrong_issuer", "expired", "unknown_kid", "no_exp", "hs256", "garbage"]
)
async def test_failed_verification_falls_back_to_guest(
    emulator: Emulator, signing_key: SigningKey, case: str
) -> None:
    if case == "wrong_key":
        token = make_signing_key(kid=signing_key.kid).identity_token()
    elif case == "wrong_issuer":
        token = signing_key.identity_token(claims={"iss": "https://someone-else"})
    elif case == "expired":
        token = signing_key.identity_token(claims={"exp": 1000})
    elif case == "unknown_kid":
        token = signing_key.identity_token(kid="nope")
    elif case == "no_exp":
        claims = {"iss": ISSUER, "sub": "x"}
        token = jwt.encode(claims, signing_key.private_key, "RS256", {"kid": signing_key.kid})
    elif case == "hs256":
        claims = {"iss": ISSUER, "sub": "x", "exp": 9999999999}
        token = jwt.encode(claims, "k" * 32, "HS256", {"kid": signing_key.kid})
    else:
        token = "not-a-jwt"
    response = await emulator.http.post(AUTH, json=auth_body(token))
    assert response.status_code == 200
    assert response.json()["context"]["endUser"]["subject"].startswith("v2/iamessage/ANON/")
    stats = (await emulator.admin("GET", "/stats")).json()
    assert stats["lastVerificationError"]


async def test_reject_mode_answers_401(emulator: Emulator, signing_key: SigningKey) -> None:
    await emulator.admin("POST", "/faults", {"verificationFailure": "reject"})
    token = make_signing_key(kid=signing_key.kid).identity_token()
    response = await emulator.http.post(AUTH, json=auth_body(token))
    assert response.status_code == 401


async def test_authenticated_requires_jwt_type(emulator: Emulator, signing_key: SigningKey) -> None:
    body = token_body(authorizationType="Bearer", customerIdentityToken=signing_key.identity_token())
    assert (await emulator.http.post(AUTH, json=body)).status_code == 400


async def test_key_upload_rules(emulator: Emulator, signing_key: SigningKey) -> None:
    other = make_signing_key()
    path = f"/deployments/{DEPLOYMENT}/keys"
    assert (await emulator.admin("POST", path, [other.jwk])).status_code == 400
    no_x5c = {k: v for k, v in other.jwk.items() if k != "x5c"}
    assert (await emulator.admin("POST", path, no_x5c)).status_code == 400
    mismatched = {**other.jwk, "x5c": signing_key.jwk["x5c"]}
    assert (await emulator.admin("POST", path, mismatched)).status_code == 400
    assert (await emulator.admin("POST", path, other.jwk)).status_code == 201
    token = other.identity_token("second-key-user")
    assert (await emulator.verified_subject(token)).endswith("uid:second-key-user")


@pytest.fixture
def jwks_server(signing_key: SigningKey) -> Iterator[str]:
    async def jwks(request: Request) -> JSONResponse:
        return JSONResponse({"keys": [signing_key.jwk]})

    with serve_in_thread(Starlette(routes=[Route("/jwks.json", jwks)])) as url:
        yield f"{url}/jwks.json"


async def test_keys_from_a_jwks_url(emulator: Emulator, signing_key: SigningKey, jwks_server: str) -> None:
    doc = deployment_doc(None)
    doc["keyset"]["jwksUrl"] = jwks_server
    assert (await emulator.admin("POST", "/deployments", doc)).status_code == 201
    token = signing_key.identity_token("via-jwks")
    assert (await emulator.verified_subject(token)).endswith("uid:via-jwks")


async def test_expired_access_token_answers_401(emulator: Emulator) -> None:
    token = (await emulator.guest_token())["accessToken"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await emulator.http.get(LIST, headers=headers)).status_code == 200
    await emulator.admin("POST", "/faults/expire-tokens")
    response = await emulator.http.get(LIST, headers=headers)
    assert response.status_code == 401
    assert response.json()["message"]


async def test_access_token_exp_is_enforced_with_the_clock() -> None:
    now = [1_700_000_000.0]
    config = MiawConfig(access_token_ttl_seconds=60, clock=lambda: now[0])
    with serve_in_thread(create_miaw_app(config)) as url:
        async with httpx2.AsyncClient(base_url=url) as http:
            await http.post("/_emulator/miaw/deployments", json=deployment_doc(None))
            token = (await http.post(UNAUTH, json=token_body())).json()["accessToken"]
            headers = {"Authorization": f"Bearer {token}"}
            assert (await http.get("/iamessage/api/v2/conversation/list", headers=headers)).status_code == 200
            now[0] += 61
            assert (await http.get("/iamessage/api/v2/conversation/list", headers=headers)).status_code == 401


async def test_continuation_token_keeps_subject_and_expiry(emulator: Emulator) -> None:
    grant = await emulator.guest_token()
    headers = {"Authorization": f"Bearer {grant['accessToken']}"}
    response = await emulator.http.get(CONTINUATION, headers=headers)
    assert response.status_code == 200
    old = jwt.decode(grant["accessToken"], options={"verify_signature": False})
    new = jwt.decode(response.json()["accessToken"], options={"verify_signature": False})
    assert (new["sub"], new["exp"]) == (old["sub"], old["exp"])
    assert new["clientId"] != old["clientId"]


async def test_token_rate_limit(emulator: Emulator) -> None:
    await emulator.admin("POST", "/faults", {"tokenRequestsPerMinute": 2})
    statuses = [(await emulator.http.post(UNAUTH, json=token_body())).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


async def test_forced_429(emulator: Emulator) -> None:
    await emulator.admin("POST", "/faults", {"force429": 1})
    assert (await emulator.http.post(UNAUTH, json=token_body())).status_code == 429
    assert (await emulator.http.post(UNAUTH, json=token_body())).status_code == 200


async def test_eighteen_char_org_id_accepted(emulator: Emulator) -> None:
    response = await emulator.http.post(UNAUTH, json=token_body(orgId=ORG_ID_18))
    assert response.status_code == 200
