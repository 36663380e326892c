"""Settings of the Email Cases path: ``/api/v1/integrations/salesforce/email`` and the OAuth callback.

The flow an admin follows: save Client ID, Client Secret and Login URL (status
``credentials_saved``), open the authorize URL in a popup ("Connect to Salesforce"),
approve, and the callback stores the tokens (status ``connected``). The webhook
secret is the one secret ever shown, because the admin pastes it into Salesforce.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import secrets
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import Field, field_validator
from sqlalchemy import select

from baton.api.deps import CurrentOrg, DbSession
from baton.api.schemas import Strict
from baton.handoff.service import CASE_SYNC_JOB
from baton.jobs.queue import requeue_dead
from baton.jobs.wakeup import wake_workers
from baton.salesforce.connection import EMAIL_INTEGRATION, load_integration
from baton.salesforce.errors import OAuthError, SalesforceError
from baton.salesforce.oauth import (
    InvalidState,
    build_authorize_url,
    exchange_code,
    generate_pkce,
    revoke_token,
    sign_state,
    validate_login_url,
    verify_state,
)
from baton.services import Services
from baton.store.base import utcnow
from baton.store.models import Integration, Job, Organization

router = APIRouter(prefix="/integrations/salesforce/email", tags=["salesforce"])
callback_router = APIRouter(tags=["salesforce"])

CALLBACK_PATH = "/oauth/salesforce/callback"
STATE_MAX_AGE_SECONDS = 900
PENDING_FLOWS_KEPT = 5


class EmailCasesCredentials(Strict):
    client_id: str = Field(min_length=10, max_length=255)
    client_secret: str = Field(min_length=8, max_length=255)
    login_url: str = Field(max_length=255)

    @field_validator("client_id", "client_secret")
    @classmethod
    def _no_inner_space(cls, value: str) -> str:
        if any(ch.isspace() for ch in value):
            raise ValueError("contains white space: copy the value again from Salesforce")
        return value

    @field_validator("login_url")
    @classmethod
    def _login_url(cls, value: str) -> str:
        return validate_login_url(value)


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _state_key(services: Services) -> bytes:
    # A key of its own, derived from the secret key, so a leaked state can't help decrypt anything.
    return hashlib.sha256(b"oauth-state:" + services.settings.secret_key.get_secret_value().encode()).digest()


def callback_url(services: Services) -> str:
    return services.settings.public_url + CALLBACK_PATH


def _status_document(
    services: Services, org: Organization, integration: Integration | None
) -> dict[str, Any]:
    if integration is None:
        return {
            "status": "not_configured",
            "error": None,
            "instance_url": None,
            "client_id": None,
            "login_url": None,
            "callback_url": callback_url(services),
            "webhook_url": None,
            "webhook_secret": None,
            "api_usage": None,
        }
    secrets_ = services.secret_box.decrypt(integration.secrets_encrypted)
    return {
        "status": integration.status,
        "error": integration.last_error,
        "instance_url": integration.settings.get("instance_url"),
        "client_id": integration.settings.get("client_id"),
        "login_url": integration.settings.get("login_url"),
        "callback_url": callback_url(services),
        "webhook_url": f"{services.settings.public_url}/webhooks/salesforce/{org.webhook_token}",
        "webhook_secret": secrets_.get("webhook_secret"),
        "api_usage": integration.settings.get("api_usage"),
    }


async def _org(db: DbSession, org_id: str) -> Organization:
    org = await db.get(Organization, org_id)
    if org is None:
        raise HTTPException(status_code=404, detail="organization not found")
    return org


@router.get("")
async def get_status(org: CurrentOrg, db: DbSession, request: Request) -> dict[str, Any]:
    organization = await _org(db, org.org_id)
    return _status_document(_services(request), organization, await load_integration(db, org.org_id))


@router.put("")
async def save_credentials(
    body: EmailCasesCredentials, org: CurrentOrg, db: DbSession, request: Request
) -> dict[str, Any]:
    services = _services(request)
    async with db.begin():
        organization = await _org(db, org.org_id)
        integration = await load_integration(db, org.org_id, for_update=True)
        if integration is None:
            integration = Integration(org_id=org.org_id, kind=EMAIL_INTEGRATION, settings={})
            db.add(integration)
        old = services.secret_box.decrypt(integration.secrets_encrypted)
        same_app = (
            integration.settings.get("client_id") == body.client_id
            and integration.settings.get("login_url") == body.login_url
            and old.get("client_secret") == body.client_secret
        )
        new_secrets: dict[str, Any] = {
            "client_secret": body.client_secret,
            "webhook_secret": old.get("webhook_secret") or secrets.token_hex(32),
        }
        if same_app and integration.status == "connected":
            # Saving the same values again must not drop a working connection.
            new_secrets.update({k: v for k, v in old.items() if k in ("access_token", "refresh_token")})
        else:
            integration.status = "credentials_saved"
            integration.last_error = None
            integration.settings = {
                k: v
                for k, v in integration.settings.items()
                if k not in ("instance_url", "user_id", "api_usage")
            }
        integration.settings = {
            **integration.settings,
            "client_id": body.client_id,
            "login_url": body.login_url,
        }
        integration.secrets_encrypted = services.secret_box.encrypt(new_secrets)
    return _status_document(services, organization, integration)


@router.get("/authorize")
async def authorize(org: CurrentOrg, db: DbSession, request: Request) -> dict[str, str]:
    services = _services(request)
    async with db.begin():
        integration = await load_integration(db, org.org_id, for_update=True)
        if integration is None or "client_id" not in integration.settings:
            raise HTTPException(
                status_code=409, detail="save the Client ID, Client Secret and Login URL first"
            )
        verifier, challenge = generate_pkce()
        nonce = secrets.token_urlsafe(16)
        stored = services.secret_box.decrypt(integration.secrets_encrypted)
        # The PKCE verifier stays server-side (encrypted); only a nonce travels in the state.
        pending = dict(stored.get("pkce") or {})
        pending[nonce] = verifier
        stored["pkce"] = dict(list(pending.items())[-PENDING_FLOWS_KEPT:])
        integration.secrets_encrypted = services.secret_box.encrypt(stored)
        state = sign_state(_state_key(services), {"org": org.org_id, "n": nonce}, now=utcnow())
        url = build_authorize_url(
            str(integration.settings["login_url"]),
            str(integration.settings["client_id"]),
            callback_url(services),
            state=state,
            code_challenge=challenge,
        )
    return {"authorize_url": url}


@router.delete("")
async def disconnect(org: CurrentOrg, db: DbSession, request: Request) -> dict[str, Any]:
    """Revoke the refresh token at Salesforce and forget every token (credentials are kept)."""
    services = _services(request)
    async with db.begin():
        organization = await _org(db, org.org_id)
        integration = await load_integration(db, org.org_id, for_update=True)
        if integration is None:
            raise HTTPException(status_code=404, detail="Salesforce is not configured")
        stored = services.secret_box.decrypt(integration.secrets_encrypted)
        token = stored.pop("refresh_token", None)
        stored.pop("access_token", None)
        if token:
            # Forgetting the token locally is what matters; Salesforce expires it in time.
            with contextlib.suppress(SalesforceError):
                await revoke_token(services.http, str(integration.settings["login_url"]), str(token))
        integration.secrets_encrypted = services.secret_box.encrypt(stored)
        integration.status = "credentials_saved"
        integration.last_error = None
    return _status_document(services, organization, integration)


def _page(title: str, message: str, *, ok: bool) -> HTMLResponse:
    colour = "#1b7f3a" if ok else "#b3261e"
    body = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:3rem;max-width:40rem}}h1{{color:{colour}}}</style></head>
<body><h1 id="result">{html.escape(title)}</h1><p id="detail">{html.escape(message)}</p>
<p>You can close this window.</p>
<script>if (window.opener) {{
  window.opener.postMessage({{baton: "salesforce-oauth", ok: {str(ok).lower()}}}, "*");
}}</script>
</body></html>"""
    return HTMLResponse(body, status_code=200 if ok else 400)


@callback_router.get(CALLBACK_PATH, include_in_schema=False)
async def oauth_callback(request: Request, db: DbSession) -> HTMLResponse:
    services = _services(request)
    params = request.query_params
    try:
        state = verify_state(
            _state_key(services), params.get("state", ""), max_age_seconds=STATE_MAX_AGE_SECONDS, now=utcnow()
        )
    except InvalidState as exc:
        return _page("Not connected", f"The sign-in link is not valid ({exc.reason}). Start again.", ok=False)
    org_id, nonce = str(state.get("org")), str(state.get("n"))
    if params.get("error"):
        description = params.get("error_description") or params["error"]
        async with db.begin():
            integration = await load_integration(db, org_id, for_update=True)
            if integration is not None:
                integration.last_error = f"Salesforce answered: {description}"
        return _page("Not connected", f"Salesforce answered: {description}", ok=False)
    code = params.get("code")
    if not code:
        return _page("Not connected", "Salesforce sent no authorization code.", ok=False)
    async with db.begin():
        integration = await load_integration(db, org_id, for_update=True)
        if integration is None:
            return _page("Not connected", "Salesforce is not configured for this organization.", ok=False)
        stored = services.secret_box.decrypt(integration.secrets_encrypted)
        verifier = (stored.get("pkce") or {}).pop(nonce, None)
        if verifier is None:
            return _page(
                "Not connected", "This sign-in was already used or has expired. Start again.", ok=False
            )
        try:
            tokens = await exchange_code(
                services.http,
                str(integration.settings["login_url"]),
                client_id=str(integration.settings["client_id"]),
                client_secret=str(stored.get("client_secret", "")),
                code=code,
                redirect_uri=callback_url(services),
                code_verifier=verifier,
            )
        except OAuthError as exc:
            integration.status = "error"
            integration.last_error = exc.admin_message
            integration.secrets_encrypted = services.secret_box.encrypt(stored)
            return _page("Not connected", exc.admin_message, ok=False)
        except SalesforceError as exc:
            integration.last_error = f"Salesforce could not be reached: {exc.message}"
            return _page("Not connected", integration.last_error, ok=False)
        stored.update({"access_token": tokens.access_token, "refresh_token": tokens.refresh_token})
        integration.secrets_encrypted = services.secret_box.encrypt(stored)
        user_id = tokens.id_url.rstrip("/").rsplit("/", 1)[-1] if tokens.id_url else None
        integration.settings = {
            **integration.settings,
            "instance_url": tokens.instance_url,
            "user_id": user_id,
        }
        integration.status = "connected"
        integration.last_error = None
        integration.token_generation += 1
        resumed = await resume_waiting_handoffs(db, org_id)
    wake_workers()
    detail = f"Baton is connected to {tokens.instance_url}."
    if resumed:
        detail += f" {resumed} waiting handoff(s) are being sent now."
    return _page("Connected", detail, ok=True)


async def resume_waiting_handoffs(db: DbSession, org_id: str) -> int:
    """After a (re)connect, handoffs that waited for Salesforce go now instead of at their next retry."""
    now = utcnow()
    waiting = list(
        (
            await db.execute(
                select(Job).where(
                    Job.org_id == org_id, Job.kind == CASE_SYNC_JOB, Job.status.in_(("queued", "dead"))
                )
            )
        ).scalars()
    )
    for job in waiting:
        if job.status == "dead":
            await requeue_dead(db, job.id)
        else:
            job.run_at = now
    return len(waiting)
