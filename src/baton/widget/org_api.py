"""The org-side API of the widget (org API key): visitor identities and the allowed web sites.

``POST /api/v1/widget/identities`` is called by the site's server, never by a browser:
it vouches for a signed-in visitor, and the short-lived token it returns makes the
widget's session a verified contact (which the Salesforce relay turns into an
authenticated Messaging identity).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select

from baton.api.deps import CurrentOrg, DbSession
from baton.store.models import Organization
from baton.widget.origins import SETTINGS_KEY, allowed_origins
from baton.widget.schemas import IdentityCreate, IdentityCreated, WidgetOrgSettings
from baton.widget.settings import widget_settings
from baton.widget.tokens import VisitorIdentity, issue_identity_token
from baton.widget.visitor import secret_key

router = APIRouter(prefix="/widget", tags=["widget"])

IDENTITY_SCOPE = "widget:identities"
SETTINGS_SCOPE = "widget:settings"


@router.post("/identities", status_code=201, response_model=IdentityCreated)
async def create_identity(body: IdentityCreate, org: CurrentOrg, request: Request) -> IdentityCreated:
    """A signed, short-lived token saying "this visitor is who the site says"; pass it to the widget."""
    org.require_scope(IDENTITY_SCOPE)
    token, expires_at = issue_identity_token(
        secret_key(request),
        VisitorIdentity(org_id=org.org_id, visitor_id=body.visitor_id, email=body.email, name=body.name),
        seconds=widget_settings(request).identity_token_seconds,
    )
    return IdentityCreated(token=token, expires_at=expires_at)


@router.get("/settings", response_model=WidgetOrgSettings)
async def get_widget_settings(org: CurrentOrg, db: DbSession) -> WidgetOrgSettings:
    settings = await db.scalar(select(Organization.settings).where(Organization.id == org.org_id))
    return WidgetOrgSettings(allowed_origins=allowed_origins(settings))


@router.put("/settings", response_model=WidgetOrgSettings)
async def put_widget_settings(body: WidgetOrgSettings, org: CurrentOrg, db: DbSession) -> WidgetOrgSettings:
    """Replace the widget settings; ``allowed_origins: []`` lets any site embed the widget."""
    org.require_scope(SETTINGS_SCOPE)
    async with db.begin():
        organization = (
            await db.execute(select(Organization).where(Organization.id == org.org_id).with_for_update())
        ).scalar_one()
        current = dict((organization.settings or {}).get(SETTINGS_KEY) or {})
        current["allowed_origins"] = body.allowed_origins
        organization.settings = {**(organization.settings or {}), SETTINGS_KEY: current}
    return body
