"""Channel settings: ``/api/v1/channels/…``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from sqlalchemy import delete, select

from baton.api.deps import CurrentOrg, DbSession
from baton.api.schemas import EmailChannelSettings
from baton.store.models import EmailAddress

router = APIRouter(prefix="/channels", tags=["channels"])


@router.put("/email")
async def set_email_channel(body: EmailChannelSettings, org: CurrentOrg, db: DbSession) -> dict[str, Any]:
    """The address customers write to; inbound mail to it belongs to this org (globally unique)."""
    async with db.begin():
        existing = await db.get(EmailAddress, body.support_address)
        if existing is not None and existing.org_id != org.org_id:
            raise HTTPException(
                status_code=409, detail="support_address: already registered by another organization"
            )
        await db.execute(
            delete(EmailAddress).where(
                EmailAddress.org_id == org.org_id, EmailAddress.address != body.support_address
            )
        )
        if existing is None:
            db.add(EmailAddress(address=body.support_address, org_id=org.org_id))
    return {"support_address": body.support_address}


@router.get("/email")
async def get_email_channel(org: CurrentOrg, db: DbSession) -> dict[str, Any]:
    address = (
        await db.execute(select(EmailAddress.address).where(EmailAddress.org_id == org.org_id).limit(1))
    ).scalar_one_or_none()
    return {"support_address": address}
