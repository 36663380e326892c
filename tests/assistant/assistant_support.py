"""Helpers for the agent's tests (importable as ``assistant_support``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import baton.store.models.knowledge  # noqa: F401  (registers the knowledge tables before `engine` creates them)
from baton.assistant.knowledge.store import Document, store_documents
from baton.assistant.turn import ContactInfo, HistoryMessage, TurnInput
from baton.store.models import Organization

HELP_CENTRE = """# Returns and refunds

You can return any bike within 30 days of delivery for a full refund,
as long as it has been ridden less than 50 km.

## Refund timing

Refunds are issued to the original payment method within 5 business days
after the warehouse receives the return.

# Shipping

Standard delivery takes 3 to 5 business days. Express delivery takes 1 to 2 business days and costs 15 EUR.

# Battery care

Charge the battery at room temperature and never leave it below 10 percent charge for long periods.
"""


async def create_org(
    factory: async_sessionmaker[AsyncSession],
    *,
    settings: dict[str, Any] | None = None,
    org_id: str = "org-1",
) -> str:
    async with factory() as db:
        db.add(
            Organization(id=org_id, name="Kestrel", webhook_token=f"token-{org_id}", settings=settings or {})
        )
        await db.commit()
    return org_id


async def add_help_centre(
    factory: async_sessionmaker[AsyncSession], org_id: str, content: str = HELP_CENTRE
) -> None:
    async with factory() as db:
        await store_documents(db, org_id, [Document("help.md", content, "markdown")])
        await db.commit()


def contact(**overrides: Any) -> ContactInfo:
    values: dict[str, Any] = {
        "name": "Jane Doe",
        "email": "jane@example.com",
        "phone": None,
        "verified": True,
        "data": {},
    }
    values.update(overrides)
    return ContactInfo(**values)


NOW = datetime(2025, 6, 4, 10, 0, tzinfo=UTC)  # a Wednesday


def make_turn(
    message: str,
    *,
    org_id: str = "org-1",
    history: list[tuple[str, str]] | None = None,
    channel: str = "web",
    collected: dict[str, str] | None = None,
    now: datetime = NOW,
    language: str | None = None,
    who: ContactInfo | None = None,
) -> TurnInput:
    return TurnInput(
        org_id=org_id,
        session_id="session-1",
        channel=channel,
        history=[HistoryMessage(role, text, now) for role, text in history or []],
        message=message,
        contact=who or contact(),
        language=language,
        now=now,
        collected=collected or {},
    )


TurnFactory = Callable[..., TurnInput]
