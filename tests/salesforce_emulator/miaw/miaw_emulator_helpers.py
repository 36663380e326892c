"""Helpers for the MIAW emulator tests: signing keys, identity tokens, an SSE reader.

They are written independently of Baton's client on purpose.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import httpx2
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ORG_ID_18 = "00D5g000004ABCDEAA"
ORG_ID_15 = ORG_ID_18[:15]
DEPLOYMENT = "Baton_Test_Deployment"
ISSUER = "https://baton.example"
KEYSET = "BatonKeys"


def b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class SigningKey:
    private_key: rsa.RSAPrivateKey
    kid: str
    jwk: dict[str, Any]

    def identity_token(self, sub: str = "contact-1", **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {"iss": ISSUER, "sub": sub, "iat": now, "exp": now + 300}
        claims.update(overrides.pop("claims", {}))
        algorithm = overrides.pop("algorithm", "RS256")
        headers = {"kid": overrides.pop("kid", self.kid)}
        return jwt.encode(claims, self.private_key, algorithm=algorithm, headers=headers)


def make_signing_key(kid: str | None = None) -> SigningKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "baton-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    numbers = key.public_key().public_numbers()
    kid = kid or str(uuid.uuid4())
    jwk = {
        "kty": "RSA",
        "kid": kid,
        "alg": "RS256",
        "use": "sig",
        "n": b64url_uint(numbers.n),
        "e": b64url_uint(numbers.e),
        "x5c": [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()],
    }
    return SigningKey(key, kid, jwk)


def deployment_doc(key: SigningKey | None = None, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "orgId": ORG_ID_18,
        "esDeveloperName": DEPLOYMENT,
        "hiddenPrechatFields": ["OpencxSessionId", "Chat_Consumer_Type", "Origin"],
        "keyset": {"name": KEYSET, "issuer": ISSUER, "keys": [key.jwk] if key else []},
    }
    doc.update(extra)
    return doc


def token_body(**extra: Any) -> dict[str, Any]:
    return {
        "orgId": ORG_ID_15,
        "esDeveloperName": DEPLOYMENT,
        "capabilitiesVersion": "1",
        "platform": "Web",
        **extra,
    }


def auth_body(identity_token: str) -> dict[str, Any]:
    return token_body(authorizationType="JWT", customerIdentityToken=identity_token)


def new_conversation_id() -> str:
    return str(uuid.uuid4())


def text_message(text: str, message_id: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "message": {
            "id": message_id or str(uuid.uuid4()),
            "messageType": "StaticContentMessage",
            "staticContent": {"formatType": "Text", "text": text},
        },
        "esDeveloperName": DEPLOYMENT,
        **extra,
    }


@dataclass
class Frame:
    event: str
    id: str
    data: str
    retry: int | None = None

    def envelope(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.data)
        return value


class SseReader:
    """Reads frames off one open stream; every read has a deadline so tests cannot hang."""

    def __init__(self, iterator: AsyncIterator[httpx2.ServerSentEvent]) -> None:
        self._iterator = iterator

    async def next(self, seconds: float = 5.0, *, skip_pings: bool = True) -> Frame:
        with anyio.fail_after(seconds):
            while True:
                sse = await anext(self._iterator)
                # A block holding only "retry:" carries no event to act on.
                if skip_pings and (sse.event == "ping" or (sse.retry is not None and not sse.data)):
                    continue
                return Frame(sse.event, sse.id, sse.data, sse.retry)

    async def until(self, event: str, seconds: float = 5.0) -> Frame:
        with anyio.fail_after(seconds):
            while True:
                frame = await self.next(seconds)
                if frame.event == event:
                    return frame

    async def closed(self, seconds: float = 5.0) -> bool:
        """True once the server ends the stream."""
        with anyio.fail_after(seconds):
            try:
                while True:
                    await anext(self._iterator)
            except StopAsyncIteration:
                return True


@dataclass
class Emulator:
    base_url: str
    http: httpx2.AsyncClient

    async def admin(self, method: str, path: str, json: Any = None) -> httpx2.Response:
        return await self.http.request(method, f"/_emulator/miaw{path}", json=json)

    async def guest_token(self) -> dict[str, Any]:
        response = await self.http.post(
            "/iamessage/api/v2/authorization/unauthenticated/access-token", json=token_body()
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def verified_subject(self, identity_token: str) -> str:
        response = await self.http.post(
            "/iamessage/api/v2/authorization/authenticated/access-token", json=auth_body(identity_token)
        )
        assert response.status_code == 200, response.text
        return str(response.json()["context"]["endUser"]["subject"])


@asynccontextmanager
async def open_stream(
    http: httpx2.AsyncClient, token: str, last_event_id: str, org_id: str = ORG_ID_15
) -> AsyncIterator[SseReader]:
    headers = {
        "Authorization": f"Bearer {token}",
        "X-Org-Id": org_id,
        "Last-Event-Id": last_event_id,
        "Accept": "text/event-stream",
    }
    async with http.stream("GET", "/eventrouter/v1/sse", headers=headers) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield SseReader(aiter(httpx2.EventSource(response)))
