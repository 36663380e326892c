"""Shared by the email tests: the raw .eml fixtures and real SMTP servers on loopback."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"


@pytest.fixture
def eml() -> Callable[[str], bytes]:
    """``eml("gmail_reply_en")`` → the raw bytes of tests/fixtures/email/gmail_reply_en.eml."""

    def load(name: str) -> bytes:
        return (FIXTURES / f"{name}.eml").read_bytes()

    return load


# --- real SMTP servers on loopback -------------------------------------------------------------


@dataclass
class LoopbackSmtp:
    """An aiosmtpd server in the test's event loop, with what it received."""

    port: int
    received: list[Envelope] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)


class _RecordingHandler:
    def __init__(self, state: LoopbackSmtp, rcpt_reply: str | None, data_reply: str) -> None:
        self.state = state
        self.rcpt_reply = rcpt_reply
        self.data_reply = data_reply

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if self.rcpt_reply is not None and "refuse" in address:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply.startswith("250"):
            self.state.received.append(envelope)
        return self.data_reply


SmtpServerFactory = Callable[..., AbstractAsyncContextManager[LoopbackSmtp]]


@pytest.fixture
def smtp_server() -> SmtpServerFactory:
    """``async with smtp_server(rcpt_reply=..., data_reply=..., tls=..., implicit_tls=..., password=...)``.

    Recipients containing "refuse" get ``rcpt_reply``; DATA gets ``data_reply``.
    ``password`` enables AUTH (accepting user "mailer" with that password).
    """

    @asynccontextmanager
    async def serve(
        *,
        rcpt_reply: str | None = None,
        data_reply: str = "250 OK",
        tls: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        password: str | None = None,
    ) -> AsyncIterator[LoopbackSmtp]:
        state = LoopbackSmtp(port=0)
        handler = _RecordingHandler(state, rcpt_reply, data_reply)

        def authenticator(
            server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
        ) -> AuthResult:
            assert isinstance(auth_data, LoginPassword)
            login, secret = auth_data.login.decode(), auth_data.password.decode()
            state.logins.append((login, secret))
            # handled=False: let aiosmtpd send the 235/535 reply itself.
            return AuthResult(success=(login, secret) == ("mailer", password), handled=False)

        loop = asyncio.get_running_loop()
        kwargs: dict[str, Any] = {}
        if password is not None:
            kwargs.update(authenticator=authenticator, auth_require_tls=False)
        if tls is not None and not implicit_tls:
            kwargs.update(tls_context=tls)

        def factory() -> SMTP:
            return SMTP(handler, hostname="test.invalid", loop=loop, **kwargs)

        server = await loop.create_server(factory, "127.0.0.1", 0, ssl=tls if implicit_tls else None)
        state.port = server.sockets[0].getsockname()[1]
        try:
            yield state
        finally:
            server.close()
            await server.wait_closed()

    return serve


@pytest.fixture(scope="session")
def tls_server_context(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    """A server TLS context with a fresh self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .sign(key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp("tls")
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context
