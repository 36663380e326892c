"""Live Messaging settings (``/api/v1/integrations/salesforce/messaging``), public JWKS, nudge webhook.

``PUT`` validates every field (422 naming it), tests the settings by minting
tokens and saves them with status ``connected`` or ``error`` and the reason.
``GET`` returns the public key as PEM and JWK for the admin to register; the
private key is stored encrypted and never returned.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from baton.api.deps import CurrentOrg, DbSession
from baton.handoff.service import MIAW_RECONCILE_JOB
from baton.jobs.queue import enqueue
from baton.jobs.wakeup import wake_workers
from baton.salesforce.messaging.conversations import conversation_for_reference
from baton.salesforce.messaging.keys import (
    jwks_document,
    load_private_key,
    public_jwk,
    public_key_pem,
    self_signed_certificate,
)
from baton.salesforce.messaging.settings import (
    MESSAGING_INTEGRATION,
    MessagingSettingsIn,
    RoutingSettings,
    load_messaging_integration,
)
from baton.salesforce.messaging.settings_check import check_messaging_settings
from baton.services import Services
from baton.store.models import Integration, Organization

router = APIRouter(prefix="/integrations/salesforce/messaging", tags=["salesforce"])
public_router = APIRouter(tags=["salesforce"])

WEBHOOK_SCOPE = "salesforce-miaw:write"
JWKS_PATH = "/.well-known/baton/{org_id}/jwks.json"


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def jwks_url(services: Services, org_id: str) -> str:
    return services.settings.public_url + JWKS_PATH.format(org_id=org_id)


def _jwk(integration: Integration, private_key_pem: str | None) -> dict[str, Any] | None:
    settings = integration.settings
    if not private_key_pem or not settings.get("auth_key_id"):
        return None
    from cryptography import x509

    key = load_private_key(private_key_pem)
    certificate = x509.load_pem_x509_certificate(str(settings["certificate_pem"]).encode())
    return public_jwk(key, kid=str(settings["auth_key_id"]), certificate=certificate)


def _document(services: Services, org_id: str, integration: Integration | None) -> dict[str, Any]:
    if integration is None or "scrt_url" not in integration.settings:
        return {
            "status": "not_configured",
            "error": None,
            "jwks_url": jwks_url(services, org_id),
            "webhook_url": f"{services.settings.public_url}/webhooks/salesforce/messaging",
            "routing": RoutingSettings().model_dump(),
        }
    settings = integration.settings
    secrets = services.secret_box.decrypt(integration.secrets_encrypted)
    private = secrets.get("private_key_pem")
    return {
        "status": integration.status,
        "error": integration.last_error,
        **{
            name: settings.get(name)
            for name in (
                "instance_url",
                "scrt_url",
                "org_id",
                "es_developer_name",
                "auth_key_id",
                "issuer",
                "on_rep_end",
                "api_sessions_use_messaging",
                "max_message_chars",
                "check",
            )
        },
        "routing": RoutingSettings.model_validate(settings.get("routing") or {}).model_dump(),
        "has_private_key": bool(private),
        "public_key_pem": public_key_pem(load_private_key(private)) if private else None,
        "certificate_pem": settings.get("certificate_pem") if private else None,
        "jwk": _jwk(integration, private),
        "jwks_url": jwks_url(services, org_id),
        "webhook_url": f"{services.settings.public_url}/webhooks/salesforce/messaging",
    }


def _missing(field: str, reason: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", field), "msg": reason, "type": "value_error"}])


@router.get("")
async def get_messaging_settings(org: CurrentOrg, db: DbSession, request: Request) -> dict[str, Any]:
    return _document(_services(request), org.org_id, await load_messaging_integration(db, org.org_id))


@router.put("")
async def save_messaging_settings(
    body: MessagingSettingsIn, org: CurrentOrg, db: DbSession, request: Request
) -> dict[str, Any]:
    services = _services(request)
    async with db.begin():
        existing = await load_messaging_integration(db, org.org_id)
        stored = services.secret_box.decrypt(existing.secrets_encrypted) if existing else {}
    private_key = body.private_key_pem or stored.get("private_key_pem")
    if private_key and not body.auth_key_id:
        raise _missing("auth_key_id", "is required with a private key: the Auth Key ID of the registered key")
    if private_key and not body.issuer:
        raise _missing("issuer", "is required with a private key: the Issuer of the User Verification keyset")
    if (body.auth_key_id or body.issuer) and not private_key:
        raise _missing("private_key_pem", "is required to sign identity tokens for auth_key_id and issuer")
    check = await check_messaging_settings(
        services,
        scrt_url=body.scrt_url,
        org_id=body.org_id,
        es_developer_name=body.es_developer_name,
        private_key_pem=private_key,
        auth_key_id=body.auth_key_id,
        issuer=body.issuer,
    )
    async with db.begin():
        integration = await load_messaging_integration(db, org.org_id, for_update=True)
        if integration is None:
            integration = Integration(org_id=org.org_id, kind=MESSAGING_INTEGRATION, settings={})
            db.add(integration)
        old_settings = dict(integration.settings)
        certificate_pem = old_settings.get("certificate_pem")
        if private_key and (private_key != stored.get("private_key_pem") or not certificate_pem):
            # x5c needs a certificate; self-signed is enough (Salesforce reads the key from it).
            from cryptography.hazmat.primitives import serialization

            certificate = self_signed_certificate(load_private_key(private_key), common_name="baton")
            certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
        document = body.model_dump(mode="json", exclude={"private_key_pem"})
        integration.settings = {**document, "certificate_pem": certificate_pem, "check": check.details}
        integration.secrets_encrypted = services.secret_box.encrypt(
            {"private_key_pem": private_key} if private_key else {}
        )
        integration.status = check.status
        integration.last_error = check.error
    return _document(services, org.org_id, integration)


@public_router.get(JWKS_PATH, include_in_schema=False)
async def jwks(org_id: str, db: DbSession, request: Request) -> dict[str, Any]:
    """The org's public signing keys, for a User Verification keyset that points at a JWKS URL."""
    services = _services(request)
    integration = await load_messaging_integration(db, org_id)
    if integration is None or await db.get(Organization, org_id) is None:
        raise HTTPException(status_code=404, detail="no Live Messaging keys for this organization")
    secrets = services.secret_box.decrypt(integration.secrets_encrypted)
    jwk = _jwk(integration, secrets.get("private_key_pem"))
    if jwk is None:
        raise HTTPException(status_code=404, detail="no Live Messaging keys for this organization")
    return jwks_document([jwk])


class MessagingNudge(BaseModel):
    event: str = Field(pattern=r"^message:new$")
    session_id: str = Field(min_length=1, max_length=64)


@public_router.post("/webhooks/salesforce/messaging", status_code=202)
async def messaging_webhook(body: MessagingNudge, org: CurrentOrg, db: DbSession) -> dict[str, Any]:
    """Salesforce says something new happened in a conversation: read it back through ``/entries``."""
    org.require_scope(WEBHOOK_SCOPE)
    async with db.begin():
        conversation = await conversation_for_reference(db, org.org_id, body.session_id)
        if conversation is None:
            raise HTTPException(status_code=404, detail="session_id: no live conversation with this id")
        await enqueue(
            db,
            MIAW_RECONCILE_JOB,
            args={"session_id": conversation.session_id},
            org_id=org.org_id,
            session_id=conversation.session_id,
            # Its own key: a sync must not wait behind a handoff retrying against an outage.
            ordering_key=f"miaw-sync:{conversation.session_id}",
        )
        session_id = conversation.session_id
    wake_workers()
    return {"accepted": True, "session_id": session_id}
