"""OAuth web-server flow: PKCE, authorize URL, signed state, token endpoint, login URL rules."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from sf_fakes import Scripted

from baton.salesforce.errors import OAuthError, RateLimited, Transient
from baton.salesforce.oauth import (
    InvalidState,
    TokenResponse,
    build_authorize_url,
    exchange_code,
    generate_pkce,
    pkce_challenge,
    refresh_access_token,
    revoke_token,
    sign_state,
    validate_login_url,
    verify_state,
    verify_token_signature,
)

pytestmark = pytest.mark.anyio

LOGIN = "https://login.salesforce.com"
SECRET = b"state-signing-key-0123456789abcdef"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

TOKEN_BODY = {
    "access_token": "00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog.39AsX.LVpxezPwuX5VAIrrbbHMuol7GQx",
    "refresh_token": "5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJrOUG6rScwvM4aK0JvOVzlx6dP6hSyPYuk8Ge7y.MtS8LBbYQ",
    "signature": "placeholder",
    "scope": "refresh_token api",
    "instance_url": "https://acme.my.salesforce.com",
    "id": "https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001Sv6AAAS",
    "token_type": "Bearer",
    "issued_at": "1764000000123",
}


# --- PKCE and authorize URL -----------------------------------------------------------------


def test_pkce_rfc7636_appendix_b_vector() -> None:
    assert (
        pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_generate_pkce_pairs() -> None:
    verifier, challenge = generate_pkce()
    assert 43 <= len(verifier) <= 128
    assert set(verifier) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == expected and "=" not in challenge
    assert generate_pkce()[0] != verifier


def test_authorize_url_contents() -> None:
    url = build_authorize_url(
        "https://acme.my.salesforce.com/",
        "3MVG9client",
        "https://baton.example.com/oauth/salesforce/callback",
        state="st.ate",
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "acme.my.salesforce.com",
        "/services/oauth2/authorize",
    )
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": ["3MVG9client"],
        "redirect_uri": ["https://baton.example.com/oauth/salesforce/callback"],
        "scope": ["api refresh_token offline_access"],
        "state": ["st.ate"],
        "code_challenge": ["E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"],
        "code_challenge_method": ["S256"],
        "prompt": ["login consent"],
    }
    assert "+" not in parts.query  # spaces are %20


def test_authorize_url_custom_scopes_and_no_prompt() -> None:
    url = build_authorize_url(
        LOGIN, "c", "https://b/cb", state="s", code_challenge="x", scopes=["api"], prompt=None
    )
    query = parse_qs(urlsplit(url).query)
    assert query["scope"] == ["api"] and "prompt" not in query


def test_authorize_url_refuses_http_login_url() -> None:
    with pytest.raises(ValueError, match="https"):
        build_authorize_url("http://login.salesforce.com", "c", "https://b/cb", state="s", code_challenge="x")


# --- login URL validation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("https://login.salesforce.com", "https://login.salesforce.com"),
        ("  https://Acme.My.Salesforce.com/  ", "https://acme.my.salesforce.com"),
        ("https://test.salesforce.com", "https://test.salesforce.com"),
        ("https://acme.my.site.com/support/", "https://acme.my.site.com/support"),
        ("http://localhost:8765", "http://localhost:8765"),
        ("http://127.0.0.1:8765/", "http://127.0.0.1:8765"),
        ("http://[::1]:8765", "http://[::1]:8765"),
    ],
)
def test_login_url_accepted(url: str, normalised: str) -> None:
    assert validate_login_url(url) == normalised


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "empty"),
        ("http://login.salesforce.com", "https"),
        ("http://10.0.0.5", "https"),
        ("http://localhost.evil.com", "https"),
        ("ftp://login.salesforce.com", "https"),
        ("login.salesforce.com", "https"),
        ("https://", "host"),
        ("https://user:pw@login.salesforce.com", "user name or password"),
        ("https://login.salesforce.com/?x=1", "query"),
        ("https://login.salesforce.com/#frag", "query"),
        ("https://login.salesforce.com:99999", "valid URL"),
        ("https://login.sales force.com", "spaces"),
    ],
)
def test_login_url_rejected_with_reason(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        validate_login_url(url)


# --- signed state ---------------------------------------------------------------------------


def test_state_round_trip() -> None:
    data = {"org": "org_1", "verifier_ref": "abc", "n": 3}
    state = sign_state(SECRET, data, now=NOW)
    assert set(state) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert verify_state(SECRET, state, now=NOW + timedelta(seconds=599)) == data


def test_state_expiry() -> None:
    state = sign_state(SECRET, {"org": "o"}, now=NOW)
    with pytest.raises(InvalidState, match="expired"):
        verify_state(SECRET, state, now=NOW + timedelta(seconds=601))
    assert verify_state(SECRET, state, max_age_seconds=3600, now=NOW + timedelta(seconds=601)) == {"org": "o"}


def test_state_from_the_future_is_refused() -> None:
    state = sign_state(SECRET, {"org": "o"}, now=NOW + timedelta(hours=1))
    with pytest.raises(InvalidState, match="future"):
        verify_state(SECRET, state, now=NOW)


def test_state_tampering_is_detected() -> None:
    state = sign_state(SECRET, {"org": "org_1"}, now=NOW)
    payload, mac = state.split(".")
    forged_payload = base64.urlsafe_b64encode(b'{"d":{"org":"org_2"},"iat":1764000000}').rstrip(b"=").decode()
    for forged in (f"{forged_payload}.{mac}", f"{payload}.{mac[:-2]}AA", f"{payload}x.{mac}"):
        with pytest.raises(InvalidState, match="signature"):
            verify_state(SECRET, forged, now=NOW)
    with pytest.raises(InvalidState, match="signature"):
        verify_state(b"another-key-0123456789abcdef", state, now=NOW)


@pytest.mark.parametrize("state", ["", "nodot", ".mac", "payload.", "a.b.c"])
def test_malformed_state(state: str) -> None:
    with pytest.raises(InvalidState):
        verify_state(SECRET, state, now=NOW)


def test_state_secret_must_be_long_enough() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        sign_state(b"short", {}, now=NOW)


# --- token endpoint -----------------------------------------------------------------------


def _form(request: httpx2.Request) -> dict[str, list[str]]:
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    return parse_qs(request.content.decode())


async def test_exchange_code_posts_form_and_parses_tokens() -> None:
    script = Scripted(httpx2.Response(200, json=TOKEN_BODY))
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(script)) as http:
        token = await exchange_code(
            http,
            LOGIN,
            client_id="cid",
            client_secret="csecret",
            code="aPrx.code",
            redirect_uri="https://baton.example.com/cb",
            code_verifier="verifier",
        )
    request = script.requests[0]
    assert str(request.url) == f"{LOGIN}/services/oauth2/token"
    assert _form(request) == {
        "grant_type": ["authorization_code"],
        "code": ["aPrx.code"],
        "client_id": ["cid"],
        "client_secret": ["csecret"],
        "redirect_uri": ["https://baton.example.com/cb"],
        "code_verifier": ["verifier"],
    }
    assert token.access_token == TOKEN_BODY["access_token"]
    assert token.refresh_token == TOKEN_BODY["refresh_token"]
    assert token.instance_url == "https://acme.my.salesforce.com"
    assert token.id_url == TOKEN_BODY["id"]
    assert token.scope == "refresh_token api"
    assert token.issued_at == datetime(2025, 11, 24, 16, 0, 0, 123000, tzinfo=UTC)


@pytest.mark.parametrize("rotated", [True, False])
async def test_refresh_with_and_without_rotation(rotated: bool) -> None:
    body = dict(TOKEN_BODY)
    if not rotated:
        del body["refresh_token"]
    script = Scripted(httpx2.Response(200, json=body))
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(script)) as http:
        token = await refresh_access_token(
            http, LOGIN, client_id="cid", client_secret="cs", refresh_token="rt-old"
        )
    assert _form(script.requests[0]) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["rt-old"],
        "client_id": ["cid"],
        "client_secret": ["cs"],
    }
    assert token.refresh_token == (TOKEN_BODY["refresh_token"] if rotated else None)
    assert token.access_token == TOKEN_BODY["access_token"]


def test_token_repr_hides_secrets() -> None:
    token = TokenResponse.from_json(TOKEN_BODY)
    text = repr(token) + str(token)
    assert TOKEN_BODY["access_token"] not in text
    assert TOKEN_BODY["refresh_token"] not in text
    assert "placeholder" not in text
    assert "acme.my.salesforce.com" in text


@pytest.mark.parametrize(
    ("issued_at", "expected"),
    [
        ("1764000000123", datetime(2025, 11, 24, 16, 0, 0, 123000, tzinfo=UTC)),
        (1764000000000, datetime(2025, 11, 24, 16, 0, tzinfo=UTC)),
        ("not-a-number", None),
        (None, None),
    ],
)
def test_issued_at_parsing(issued_at: object, expected: datetime | None) -> None:
    body = {**TOKEN_BODY, "issued_at": issued_at}
    assert TokenResponse.from_json(body).issued_at == expected


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"instance_url": "https://acme.my.salesforce.com"},
        {"access_token": "x"},
        {"access_token": "x", "instance_url": "http://acme.my.salesforce.com"},
    ],
)
def test_unusable_token_response(body: object) -> None:
    with pytest.raises(OAuthError) as info:
        TokenResponse.from_json(body)
    assert info.value.error == "invalid_response"
    assert info.value.body is None  # a token response is never echoed into an error


def test_token_signature_verification() -> None:
    issued_at = TOKEN_BODY["issued_at"]
    digest = hmac.new(b"csecret", (TOKEN_BODY["id"] + issued_at).encode(), hashlib.sha256).digest()
    signed = TokenResponse.from_json({**TOKEN_BODY, "signature": base64.b64encode(digest).decode()})
    assert verify_token_signature(signed, "csecret")
    assert not verify_token_signature(signed, "other")
    assert not verify_token_signature(TokenResponse.from_json(TOKEN_BODY), "csecret")


@pytest.mark.parametrize(
    ("error", "description", "admin_fragment"),
    [
        ("invalid_grant", "expired access/refresh token", "the refresh token expired or was revoked"),
        ("invalid_grant", "authentication failure", "Connect to Salesforce again"),
        ("invalid_client_id", "client identifier invalid", "2–10 minutes"),
        ("invalid_client", "invalid client credentials", "Client Secret"),
        ("redirect_uri_mismatch", "redirect_uri must match configuration", "Callback URL"),
        ("inactive_user", "inactive user", "inactive"),
        ("inactive_org", "inactive organization", "org is inactive"),
        ("invalid_scope", "", "scopes"),
        ("something_new", "who knows", "something_new"),
    ],
)
async def test_oauth_errors_map_to_admin_messages(error: str, description: str, admin_fragment: str) -> None:
    script = Scripted(httpx2.Response(400, json={"error": error, "error_description": description}))
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(script)) as http:
        with pytest.raises(OAuthError) as info:
            await refresh_access_token(
                http, LOGIN, client_id="cid", client_secret="csecret", refresh_token="rt-secret"
            )
    exc = info.value
    assert (exc.error, exc.description, exc.status) == (error, description, 400)
    assert admin_fragment in exc.admin_message
    for text in (str(exc), repr(exc), exc.admin_message):
        assert "rt-secret" not in text and "csecret" not in text


async def test_token_endpoint_outage_is_transient_not_oauth() -> None:
    script = Scripted(
        httpx2.Response(503, text="Service Unavailable"),
        httpx2.ConnectError("refused"),
        httpx2.Response(429, text="slow down"),
    )
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(script)) as http:
        for expected in (Transient, Transient, RateLimited):
            with pytest.raises(expected):
                await refresh_access_token(http, LOGIN, client_id="c", client_secret="s", refresh_token="r")


async def test_non_json_client_error_is_invalid_response() -> None:
    script = Scripted(httpx2.Response(404, text="<html>not found</html>"))
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(script)) as http:
        with pytest.raises(OAuthError) as info:
            await exchange_code(
                http,
                LOGIN,
                client_id="c",
                client_secret="s",
                code="x",
                redirect_uri="https://b/cb",
                code_verifier="v",
            )
    assert info.value.error == "invalid_response"
    assert "login URL" in info.value.admin_message


async def test_revoke_posts_token_form() -> None:
    script = Scripted(httpx2.Response(200), httpx2.Response(400, json={"error": "unsupported_token_type"}))
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(script)) as http:
        await revoke_token(http, "https://acme.my.salesforce.com", "rt-1")
        with pytest.raises(OAuthError):
            await revoke_token(http, "https://acme.my.salesforce.com", "rt-1")
    assert str(script.requests[0].url) == "https://acme.my.salesforce.com/services/oauth2/revoke"
    assert _form(script.requests[0]) == {"token": ["rt-1"]}
