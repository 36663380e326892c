"""The Live Messaging settings document: what the admin saves, and the decrypted view jobs use.

Stored in an ``Integration`` row of kind ``salesforce_messaging``: the plain
settings in ``settings`` (URLs, ids, routing) and the private key in
``secrets_encrypted``. The private key is never returned by the API; its public
half is (PEM, JWK and the JWKS URL), because the admin registers it in Salesforce.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from baton.salesforce.messaging.keys import load_private_key
from baton.services import Services
from baton.store.models import Integration

MESSAGING_INTEGRATION = "salesforce_messaging"
# Salesforce's own limit for a text message is not documented; stay well under common limits.
DEFAULT_MAX_MESSAGE_CHARS = 4000

ORG_ID = re.compile(r"^00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")
API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
DEFAULT_ORIGINS = {"web": "Web", "sms": "SMS", "whatsapp": "WhatsApp", "phone": "Phone", "api": "API"}
# Where an extra routing attribute may take its value from.
EXTRA_SOURCES = frozenset(
    {
        "contact.id",
        "contact.email",
        "contact.phone",
        "contact.name",
        "contact.external_id",
        "session.id",
        "session.subject",
        "session.ticket_number",
        "session.sentiment",
        "session.channel",
        "session.handoff_summary",
        "session.handoff_reasons",
    }
)


def validate_base_url(value: str, label: str) -> str:
    """An https base URL (http only for loopback hosts), normalised without a trailing slash."""
    candidate = value.strip()
    if not candidate:
        raise ValueError(f"{label} is empty.")
    if any(char.isspace() for char in candidate):
        raise ValueError(f"{label} must not contain spaces.")
    try:
        parts = urlsplit(candidate)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError as exc:
        raise ValueError(f"{label} is not a valid URL ({exc}).") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("https", "http"):
        raise ValueError(f"{label} must start with https://.")
    if not host:
        raise ValueError(f"{label} has no host name.")
    if scheme == "http" and not _is_loopback(host):
        raise ValueError(f"{label} must use https:// (http is accepted for loopback hosts only).")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{label} must not contain a user name or password.")
    if parts.query or parts.fragment:
        raise ValueError(f"{label} must not contain a query string or fragment.")
    if parts.path not in ("", "/"):
        raise ValueError(f"{label} must be the bare host, without a path.")
    return f"{scheme}://{parts.netloc}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class RoutingSettings(BaseModel):
    """Routing attribute names, channel → ``Origin`` values and extra mappings."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    session_id_attribute: str = Field(default="OpencxSessionId", pattern=API_NAME.pattern)
    consumer_type_attribute: str = Field(default="Chat_Consumer_Type", pattern=API_NAME.pattern)
    origin_attribute: str = Field(default="Origin", pattern=API_NAME.pattern)
    priority_attribute: str = Field(default="Priority", pattern=API_NAME.pattern)
    language_attribute: str = Field(default="Chat_language", pattern=API_NAME.pattern)
    origins: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_ORIGINS))
    default_priority: str = Field(default="Medium", min_length=1, max_length=40)
    default_language: str = Field(default="en", pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    # Extra attribute name → source ("contact.email", "session.subject", "contact.data.<key>").
    extra: dict[str, str] = Field(default_factory=dict)

    @field_validator("origins")
    @classmethod
    def _origins(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = set(value) - set(DEFAULT_ORIGINS)
        if unknown:
            raise ValueError(f"unknown channel(s) {sorted(unknown)}; use {sorted(DEFAULT_ORIGINS)}")
        return {**DEFAULT_ORIGINS, **{k: v.strip() for k, v in value.items()}}

    @field_validator("extra")
    @classmethod
    def _extra(cls, value: dict[str, str]) -> dict[str, str]:
        for name, source in value.items():
            if not API_NAME.match(name):
                raise ValueError(f"{name!r} is not a valid attribute API name")
            if source not in EXTRA_SOURCES and not re.fullmatch(r"contact\.data\.[A-Za-z0-9_]{1,64}", source):
                raise ValueError(
                    f"{name}: unknown source {source!r}; "
                    f"use one of {sorted(EXTRA_SOURCES)} or contact.data.<key>"
                )
        return value


class MessagingSettingsIn(BaseModel):
    """``PUT /api/v1/integrations/salesforce/messaging``.

    ``private_key_pem`` may be left out to keep the stored key; with a key,
    ``auth_key_id`` and ``issuer`` are required.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    instance_url: str = Field(max_length=255)
    scrt_url: str = Field(max_length=255)
    org_id: str
    es_developer_name: str
    auth_key_id: str | None = Field(default=None, max_length=255)
    private_key_pem: str | None = Field(default=None, max_length=20_000)
    issuer: str | None = Field(default=None, max_length=255)
    routing: RoutingSettings = Field(default_factory=RoutingSettings)
    # What a rep's End Chat does to the Baton session: hand it back to the AI, or close it.
    on_rep_end: Literal["return_to_ai", "close"] = "return_to_ai"
    # "api" sessions go to Case by default; this routes them to Live Messaging instead.
    api_sessions_use_messaging: bool = False
    max_message_chars: int = Field(default=DEFAULT_MAX_MESSAGE_CHARS, ge=200, le=20_000)

    @field_validator("instance_url")
    @classmethod
    def _instance_url(cls, value: str) -> str:
        return validate_base_url(value, "The instance URL")

    @field_validator("scrt_url")
    @classmethod
    def _scrt_url(cls, value: str) -> str:
        return validate_base_url(value, "The SCRT URL")

    @field_validator("org_id")
    @classmethod
    def _org_id(cls, value: str) -> str:
        if not ORG_ID.match(value):
            raise ValueError(
                "must be the 15- or 18-character Organization ID starting with 00D "
                "(Setup → Company Information)"
            )
        return value

    @field_validator("es_developer_name")
    @classmethod
    def _es_developer_name(cls, value: str) -> str:
        if not API_NAME.match(value):
            raise ValueError("must be the deployment's API Name (letters, digits and underscores)")
        return value

    @field_validator("auth_key_id", "issuer")
    @classmethod
    def _no_space(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value:
            raise ValueError("must not be empty")
        if any(char.isspace() for char in value):
            raise ValueError("contains white space: copy the value again from Salesforce")
        return value

    @field_validator("private_key_pem")
    @classmethod
    def _private_key(cls, value: str | None) -> str | None:
        if value is None:
            return None
        load_private_key(value)  # raises ValueError with the reason (incomplete, not RSA, < 2048 bits)
        return value.strip() + "\n"


@dataclass(frozen=True)
class MessagingConfig:
    """The saved settings with the private key decrypted (for jobs and the settings check)."""

    org_id: str  # Baton's organization
    instance_url: str
    scrt_url: str
    sf_org_id: str
    es_developer_name: str
    auth_key_id: str | None
    issuer: str | None
    private_key_pem: str | None = field(repr=False)
    routing: RoutingSettings
    on_rep_end: str
    api_sessions_use_messaging: bool
    max_message_chars: int
    status: str

    @property
    def can_authenticate(self) -> bool:
        """True when verified contacts can get an authenticated identity."""
        return bool(self.private_key_pem and self.auth_key_id and self.issuer)


async def load_messaging_integration(
    db: AsyncSession, org_id: str, *, for_update: bool = False
) -> Integration | None:
    """The org's Live Messaging integration row, or None."""
    query = select(Integration).where(Integration.org_id == org_id, Integration.kind == MESSAGING_INTEGRATION)
    if for_update:
        query = query.with_for_update()
    return (await db.execute(query)).scalar_one_or_none()


def config_from_integration(services: Services, integration: Integration) -> MessagingConfig:
    """Decrypt and type the stored document."""
    settings: dict[str, Any] = integration.settings
    secrets = services.secret_box.decrypt(integration.secrets_encrypted)
    return MessagingConfig(
        org_id=integration.org_id,
        instance_url=str(settings["instance_url"]),
        scrt_url=str(settings["scrt_url"]),
        sf_org_id=str(settings["org_id"]),
        es_developer_name=str(settings["es_developer_name"]),
        auth_key_id=settings.get("auth_key_id"),
        issuer=settings.get("issuer"),
        private_key_pem=secrets.get("private_key_pem"),
        routing=RoutingSettings.model_validate(settings.get("routing") or {}),
        on_rep_end=str(settings.get("on_rep_end") or "return_to_ai"),
        api_sessions_use_messaging=bool(settings.get("api_sessions_use_messaging")),
        max_message_chars=int(settings.get("max_message_chars") or DEFAULT_MAX_MESSAGE_CHARS),
        status=integration.status,
    )


async def load_messaging_config(services: Services, org_id: str) -> MessagingConfig | None:
    """The org's saved settings, or None when Live Messaging is not configured."""
    async with services.session_factory() as db:
        integration = await load_messaging_integration(db, org_id)
    if integration is None or "scrt_url" not in integration.settings:
        return None
    return config_from_integration(services, integration)


async def api_sessions_use_messaging(db: AsyncSession, org_id: str) -> bool:
    """Whether the org routes "api" sessions to Live Messaging (a setting; off by default)."""
    integration = await load_messaging_integration(db, org_id)
    return bool(integration and integration.settings.get("api_sessions_use_messaging"))
