from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import baton.store.models.knowledge  # noqa: F401  (registers the knowledge tables)
from assistant_api_support import api_client, create_org_with_key
from baton.store.engine import session_factory
from baton.store.models import Contact, Session

pytestmark = pytest.mark.anyio


async def add_session(
    factory: async_sessionmaker[AsyncSession],
    org_id: str,
    number: int,
    *,
    reasons: list[str] | None = None,
    sentiment: str | None = None,
    at: datetime | None = None,
) -> str:
    async with factory() as db:
        person = Contact(org_id=org_id, email=f"c{number}@example.com")
        db.add(person)
        await db.flush()
        session = Session(
            org_id=org_id,
            contact_id=person.id,
            channel="web",
            ticket_number=number,
            created_at=at or datetime(2025, 6, 2, 9, 0, tzinfo=UTC),
        )
        if reasons is not None:
            session.handoff_reasons = reasons
            session.handoff_sentiment = sentiment
            session.handoff_requested_at = at
            session.handoff_summary = f"summary {number}"
            session.handoff_reasoning = f"why {number}"
        db.add(session)
        await db.commit()
        return session.id


async def test_handoff_analytics_counts_reasons_combinations_sentiments_and_trends(
    engine: AsyncEngine,
) -> None:
    factory = session_factory(engine)
    headers = await create_org_with_key(factory, "org-a")
    day1, day2 = datetime(2025, 6, 2, 10, tzinfo=UTC), datetime(2025, 6, 3, 15, tzinfo=UTC)
    await add_session(
        factory, "org-a", 1, reasons=["user_requested_human_assistance"], sentiment="neutral", at=day1
    )
    await add_session(
        factory,
        "org-a",
        2,
        reasons=["customer_frustrated", "user_requested_human_assistance"],
        sentiment="angry",
        at=day2,
    )
    await add_session(factory, "org-a", 3, reasons=["prohibited_topic"], sentiment="neutral", at=day2)
    await add_session(factory, "org-a", 4)
    await add_session(factory, "org-a", 5, reasons=["prohibited_topic"], at=datetime(2025, 1, 1, tzinfo=UTC))
    async with api_client(factory) as client:
        response = await client.get(
            "/api/v1/analytics/handoffs?start_date=2025-06-01&end_date=2025-06-30", headers=headers
        )
    assert response.status_code == 200
    data = response.json()
    assert data["total_handoffs"] == 3 and data["total_sessions"] == 4
    assert data["reasons"][0] == {
        "reason": "user_requested_human_assistance",
        "count": 2,
        "percentage": 66.67,
    }
    assert {
        "reasons": ["customer_frustrated", "user_requested_human_assistance"],
        "session_count": 1,
        "percentage": 33.33,
    } in data["reason_combinations"]
    assert {"sentiment": "neutral", "count": 2, "percentage": 66.67} in data["sentiments"]
    assert data["trends"] == [{"date": "2025-06-02", "count": 1}, {"date": "2025-06-03", "count": 2}]
    assert data["knowledge_references"] == [] and "3 handoffs" in data["summary"]


async def test_handoff_events_are_paged_and_filtered_by_reason(engine: AsyncEngine) -> None:
    factory = session_factory(engine)
    headers = await create_org_with_key(factory, "org-a")
    other = await create_org_with_key(factory, "org-b")
    for number in range(1, 6):
        reasons = ["prohibited_topic"] if number % 2 else ["insufficient_knowledge"]
        await add_session(factory, "org-a", number, reasons=reasons, at=datetime(2025, 6, number, tzinfo=UTC))
    await add_session(factory, "org-b", 99, reasons=["prohibited_topic"], at=datetime(2025, 6, 3, tzinfo=UTC))
    period = "start_date=2025-06-01&end_date=2025-06-30"
    async with api_client(factory) as client:

        async def events(params: str, who: dict[str, str] = headers) -> dict[str, Any]:
            url = f"/api/v1/analytics/handoffs/events?{period}&{params}"
            response = await client.get(url, headers=who)
            assert response.status_code == 200
            data: dict[str, Any] = response.json()
            return data

        first = await events("limit=2")
        assert first["total"] == 5 and [i["summary"] for i in first["items"]] == ["summary 5", "summary 4"]
        assert first["items"][0]["explanation"] == "why 5"
        assert first["items"][0]["reasons"] == ["prohibited_topic"]
        rest = await events(f"cursor={first['next']}")
        assert [i["summary"] for i in rest["items"]] == ["summary 3", "summary 2", "summary 1"]
        assert rest["next"] is None
        filtered = await events("reason=prohibited_topic")
        assert filtered["total"] == 3 and all(i["reasons"] == ["prohibited_topic"] for i in filtered["items"])
        assert (await events("", who=other))["total"] == 1
        bad = await client.get("/api/v1/analytics/handoffs?start_date=yesterday", headers=headers)
        assert bad.status_code == 422 and bad.json()["detail"].startswith("start_date")
