"""The contact behind a widget session: a fresh anonymous one, or the verified visitor.

A verified visitor is found again by the site's own id (``external_id``) on every
visit; if the site also vouches for an email that an unverified contact already
uses (say, from an earlier email conversation), that contact becomes the verified
one, so the rep sees one customer, not two.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from baton.conversations.service import normalize_email
from baton.store.models import Contact
from baton.widget.tokens import VisitorIdentity


async def anonymous_contact(db: AsyncSession, org_id: str, name: str | None = None) -> Contact:
    contact = Contact(org_id=org_id, name=name, verified=False)
    db.add(contact)
    await db.flush()
    return contact


async def verified_contact(db: AsyncSession, identity: VisitorIdentity) -> Contact:
    email = normalize_email(identity.email)
    contact = (
        await db.execute(
            select(Contact)
            .where(
                Contact.org_id == identity.org_id,
                Contact.external_id == identity.visitor_id,
                Contact.verified.is_(True),
            )
            .order_by(Contact.created_at)
            .limit(1)
        )
    ).scalar_one_or_none()
    if contact is None and email:
        by_email = (
            await db.execute(select(Contact).where(Contact.org_id == identity.org_id, Contact.email == email))
        ).scalar_one_or_none()
        # Never take over a contact that another verified visitor id already owns.
        if by_email is not None and (
            not by_email.verified or by_email.external_id in (None, identity.visitor_id)
        ):
            contact = by_email
            email = None  # already its email
    if contact is None:
        contact = Contact(org_id=identity.org_id, external_id=identity.visitor_id, verified=True, email=email)
        try:
            async with db.begin_nested():
                db.add(contact)
        except IntegrityError:
            # The email belongs to another verified visitor: keep it as data, not as the unique key.
            contact = Contact(
                org_id=identity.org_id,
                external_id=identity.visitor_id,
                verified=True,
                data={"email": email} if email else {},
            )
            db.add(contact)
            await db.flush()
    contact.verified = True
    contact.external_id = identity.visitor_id
    if email and not contact.email and not await _email_taken(db, identity.org_id, email):
        contact.email = email
    if identity.name:
        contact.name = identity.name
    return contact


async def _email_taken(db: AsyncSession, org_id: str, email: str) -> bool:
    found = await db.execute(select(Contact.id).where(Contact.org_id == org_id, Contact.email == email))
    return found.first() is not None
