"""The SQL of stream ownership: claim, renew, release, and guarded position writes.

A stream is held by the worker named in ``lease_owner`` until ``lease_until``.
Writes by a holder are guarded by ``lease_owner``, so once another worker has
adopted an expired stream the old holder's late writes change nothing.

PostgreSQL claims with ``FOR UPDATE SKIP LOCKED`` so concurrent managers take
disjoint streams without waiting; on SQLite every transaction is ``BEGIN
IMMEDIATE`` (see ``baton.store.engine``), which serialises claims.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from baton.store.models import MessagingStream

streams_t = cast(Table, MessagingStream.__table__)


async def claim_streams(
    db: AsyncSession, *, owner: str, now: datetime, lease_seconds: float, limit: int
) -> list[str]:
    """Lease up to ``limit`` active streams that nobody holds (or whose holder stopped renewing)."""
    if limit <= 0:
        return []
    free = or_(streams_t.c.lease_owner.is_(None), streams_t.c.lease_until < now)
    candidates = (
        select(streams_t.c.id)
        .where(streams_t.c.status == "active", free)
        .order_by(streams_t.c.created_at, streams_t.c.id)
        .limit(limit)
    )
    if db.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = [row[0] for row in (await db.execute(candidates)).all()]
    if not ids:
        return []
    rows = await db.execute(
        update(streams_t)
        .where(streams_t.c.id.in_(ids), streams_t.c.status == "active", free)
        .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds))
        .returning(streams_t.c.id)
    )
    return [row[0] for row in rows.all()]


async def renew_streams(
    db: AsyncSession, ids: Collection[str], *, owner: str, now: datetime, lease_seconds: float
) -> set[str]:
    """Extend the leases still held; returns the ids renewed (the others were lost or closed)."""
    if not ids:
        return set()
    rows = await db.execute(
        update(streams_t)
        .where(
            streams_t.c.id.in_(list(ids)), streams_t.c.lease_owner == owner, streams_t.c.status == "active"
        )
        .values(lease_until=now + timedelta(seconds=lease_seconds))
        .returning(streams_t.c.id)
    )
    return {row[0] for row in rows.all()}


async def release_streams(db: AsyncSession, ids: Collection[str], *, owner: str) -> None:
    """Give streams back at once (graceful shutdown), so another worker need not wait for expiry."""
    if ids:
        await db.execute(
            update(streams_t)
            .where(streams_t.c.id.in_(list(ids)), streams_t.c.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )


async def save_position(db: AsyncSession, stream_id: str, *, owner: str, last_event_id: str) -> bool:
    """Store the newest event id; False when the lease is no longer ours."""
    rows = await db.execute(
        update(streams_t)
        .where(and_(streams_t.c.id == stream_id, streams_t.c.lease_owner == owner))
        .values(last_event_id=last_event_id)
        .returning(streams_t.c.id)
    )
    return rows.first() is not None
