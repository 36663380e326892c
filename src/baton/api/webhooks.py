"""Inbound webhooks: thin by design — verify, store the raw event keyed by its id, enqueue, answer.

``POST /webhooks/salesforce/{org webhook token}`` receives what the shipped Apex sends;
``POST /webhooks/email/inbound`` takes raw RFC 822 mail from providers that forward it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from sqlalchemy import select

from baton.api.deps import CurrentOrg, DbSession
from baton.conversations.email import UnknownRecipient, accept_inbound_email
from baton.salesforce.cases.replies import InvalidCaseEvent, accept_case_events, parse_case_events
from baton.salesforce.connection import load_integration
from baton.services import Services
from baton.store.models import Organization

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

SIGNATURE_MAX_AGE_SECONDS = 300
MAX_WEBHOOK_BYTES = 5 * 1024 * 1024
MAX_EMAIL_BYTES = 25 * 1024 * 1024


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _unauthorized(reason: str) -> HTTPException:
    return HTTPException(status_code=401, detail=reason)


@router.post("/salesforce/{webhook_token}")
async def salesforce_case_events(webhook_token: str, request: Request, db: DbSession) -> dict[str, Any]:
    services: Services = request.app.state.services
    body = await request.body()
    if len(body) > MAX_WEBHOOK_BYTES:
        raise HTTPException(status_code=413, detail="body too large")
    org = (
        await db.execute(select(Organization).where(Organization.webhook_token == webhook_token))
    ).scalar_one_or_none()
    if org is None:
        raise HTTPException(
            status_code=404, detail="unknown webhook URL: copy it again from Baton's settings"
        )
    integration = await load_integration(db, org.id)
    secret = (
        services.secret_box.decrypt(integration.secrets_encrypted).get("webhook_secret")
        if integration
        else None
    )
    if not secret:
        raise _unauthorized("no webhook secret configured for this organization")
    timestamp = request.headers.get("x-baton-timestamp", "")
    signature = request.headers.get("x-baton-signature", "")
    if not timestamp.isdigit():
        raise _unauthorized("X-Baton-Timestamp header missing or not unix seconds")
    if abs(time.time() - int(timestamp)) > SIGNATURE_MAX_AGE_SECONDS:
        raise _unauthorized("X-Baton-Timestamp is more than 5 minutes away from now")
    if not hmac.compare_digest(signature.encode(), expected_signature(str(secret), timestamp, body).encode()):
        raise _unauthorized("X-Baton-Signature does not match: check the webhook secret in Salesforce")
    try:
        events = parse_case_events(json.loads(body))
    except json.JSONDecodeError as exc:
        raise HTTPException(status_code=400, detail="body is not JSON") from exc
    except InvalidCaseEvent as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    # The lookups above opened the request's transaction; the events commit with it.
    accepted = await accept_case_events(db, org.id, events, source="webhook")
    await db.commit()
    return {"received": len(events), "accepted": accepted, "duplicates": len(events) - accepted}


@router.post("/email/inbound", status_code=202)
async def email_inbound(request: Request, org: CurrentOrg, db: DbSession) -> dict[str, Any]:
    """A raw RFC 822 mail, posted by a mail provider with the org's API key."""
    body = await request.body()
    if not body.strip():
        raise HTTPException(status_code=422, detail="body: a raw RFC 822 message is required")
    if len(body) > MAX_EMAIL_BYTES:
        raise HTTPException(status_code=413, detail="body: larger than 25 MB")
    envelope = [a.strip() for a in request.headers.get("x-envelope-to", "").split(",") if a.strip()]
    try:
        async with db.begin():
            stored = await accept_inbound_email(db, body, envelope, org_id=org.org_id)
    except UnknownRecipient as exc:
        raise HTTPException(
            status_code=422, detail="recipient: no recipient is this organization's support address"
        ) from exc
    return {"accepted": stored is not None, "duplicate": stored is None}
