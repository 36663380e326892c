"""The org's handoff policy document: ``/api/v1/settings/handoff``.

``PUT`` replaces the whole document; missing keys take their defaults and
``office_hours: null`` means always open. Invalid values answer 422 naming the field.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from sqlalchemy import select

from baton.api.deps import CurrentOrg, DbSession
from baton.assistant.settings import HandoffSettings, load_handoff_settings
from baton.store.models import Organization

router = APIRouter(prefix="/settings/handoff", tags=["settings"])

SETTINGS_KEY = "handoff"


@router.get("")
async def get_handoff_settings(org: CurrentOrg, db: DbSession) -> dict[str, Any]:
    settings = await db.scalar(select(Organization.settings).where(Organization.id == org.org_id))
    document = (settings or {}).get(SETTINGS_KEY)
    return load_handoff_settings(document).model_dump(mode="json")


@router.put("")
async def put_handoff_settings(body: HandoffSettings, org: CurrentOrg, db: DbSession) -> dict[str, Any]:
    # Row lock: other documents share the settings column; a concurrent write must not be lost.
    organization = await db.scalar(
        select(Organization).where(Organization.id == org.org_id).with_for_update()
    )
    if organization is None:
        raise HTTPException(status_code=404, detail="organization not found")
    document = body.model_dump(mode="json")
    # A new dict, so the JSON column is seen as changed.
    organization.settings = {**(organization.settings or {}), SETTINGS_KEY: document}
    await db.commit()
    return document
