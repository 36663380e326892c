"""Handoff analytics: ``/api/v1/analytics/handoffs`` and ``/api/v1/analytics/handoffs/events``.

Read-only, computed from the handoff columns of ``sessions``. The reference lists
(knowledge, tools, instructions, prohibited topics) are part of the response shape but
stay empty: the sessions table does not record which ones were involved.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel
from sqlalchemy import String, and_, cast, func, or_, select

from baton.api.deps import CurrentOrg, DbSession
from baton.api.pagination import decode_cursor, encode_cursor
from baton.store.models import Session

router = APIRouter(prefix="/analytics", tags=["analytics"])

DEFAULT_DAYS = 30
PAGE_DEFAULT = 50
PAGE_MAX = 200
_REASON = re.compile(r"^[a-z][a-z_]{0,63}$")


def _parse_bound(value: str | None, field: str, *, end: bool) -> datetime | None:
    """An ISO date (whole day, inclusive) or an ISO datetime (naive means UTC)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day + timedelta(days=1) if end else day, time(0), tzinfo=UTC)
            return moment
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise HTTPException(status_code=422, detail=f"{field}: not an ISO date or datetime") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _period(start_date: str | None, end_date: str | None, now: datetime) -> tuple[datetime, datetime]:
    end = _parse_bound(end_date, "end_date", end=True) or now
    start = _parse_bound(start_date, "start_date", end=False) or end - timedelta(days=DEFAULT_DAYS)
    if start >= end:
        raise HTTPException(status_code=422, detail="start_date: must be before end_date")
    return start, end


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


class ReasonCount(BaseModel):
    reason: str
    count: int
    percentage: float


class ReasonCombination(BaseModel):
    reasons: list[str]
    session_count: int
    percentage: float


class SentimentCount(BaseModel):
    sentiment: str
    count: int
    percentage: float


class TrendPoint(BaseModel):
    date: date
    count: int


class Reference(BaseModel):
    type: str
    id: str
    count: int


class HandoffAnalytics(BaseModel):
    summary: str
    total_handoffs: int
    total_sessions: int
    start_date: datetime
    end_date: datetime
    reasons: list[ReasonCount]
    reason_combinations: list[ReasonCombination]
    sentiments: list[SentimentCount]
    trends: list[TrendPoint]
    knowledge_references: list[Reference]
    tool_references: list[Reference]
    instruction_references: list[Reference]
    prohibited_topic_references: list[Reference]


class HandoffEvent(BaseModel):
    session_id: str
    summary: str | None
    explanation: str | None
    reasons: list[str]
    created_at: datetime


class HandoffEventPage(BaseModel):
    items: list[HandoffEvent]
    next: str | None
    total: int


def _handoffs_in(org_id: str, start: datetime, end: datetime) -> Any:
    return and_(
        Session.org_id == org_id,
        Session.handoff_requested_at.is_not(None),
        Session.handoff_requested_at >= start,
        Session.handoff_requested_at < end,
    )


def _summary_sentence(total: int, sessions: int, reasons: list[ReasonCount]) -> str:
    if total == 0:
        return f"No handoffs among {sessions} sessions in this period."
    top = reasons[0] if reasons else None
    sentence = f"{total} handoffs; {sessions} sessions started in this period."
    if top is not None:
        sentence += f" Most common reason: {top.reason} ({top.percentage:.1f}% of handoffs)."
    return sentence


@router.get("/handoffs", response_model=HandoffAnalytics)
async def handoff_analytics(
    org: CurrentOrg, db: DbSession, start_date: str | None = None, end_date: str | None = None
) -> HandoffAnalytics:
    start, end = _period(start_date, end_date, datetime.now(UTC))
    rows = (
        await db.execute(
            select(Session.handoff_reasons, Session.handoff_sentiment, Session.handoff_requested_at).where(
                _handoffs_in(org.org_id, start, end)
            )
        )
    ).all()
    total_sessions = int(
        await db.scalar(
            select(func.count(Session.id)).where(
                Session.org_id == org.org_id, Session.created_at >= start, Session.created_at < end
            )
        )
        or 0
    )
    total = len(rows)
    reason_counts: Counter[str] = Counter()
    combinations: Counter[tuple[str, ...]] = Counter()
    sentiments: Counter[str] = Counter()
    days: Counter[date] = Counter()
    for reasons, sentiment, requested_at in rows:
        unique = sorted(set(reasons or []))
        reason_counts.update(unique)
        combinations[tuple(unique)] += 1
        sentiments[sentiment or "neutral"] += 1
        if requested_at is not None:
            days[requested_at.astimezone(UTC).date()] += 1
    reason_items = [
        ReasonCount(reason=reason, count=count, percentage=_percent(count, total))
        for reason, count in reason_counts.most_common()
    ]
    return HandoffAnalytics(
        summary=_summary_sentence(total, total_sessions, reason_items),
        total_handoffs=total,
        total_sessions=total_sessions,
        start_date=start,
        end_date=end,
        reasons=reason_items,
        reason_combinations=[
            ReasonCombination(reasons=list(combo), session_count=count, percentage=_percent(count, total))
            for combo, count in combinations.most_common()
        ],
        sentiments=[
            SentimentCount(sentiment=name, count=count, percentage=_percent(count, total))
            for name, count in sentiments.most_common()
        ],
        trends=[TrendPoint(date=day, count=days[day]) for day in sorted(days)],
        knowledge_references=[],
        tool_references=[],
        instruction_references=[],
        prohibited_topic_references=[],
    )


@router.get("/handoffs/events", response_model=HandoffEventPage)
async def handoff_events(
    org: CurrentOrg,
    db: DbSession,
    cursor: str | None = None,
    reason: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = PAGE_DEFAULT,
) -> HandoffEventPage:
    start, end = _period(start_date, end_date, datetime.now(UTC))
    condition = _handoffs_in(org.org_id, start, end)
    if reason is not None:
        if not _REASON.match(reason):
            raise HTTPException(status_code=422, detail="reason: not a handoff reason")
        # The reasons are a JSON list; its text form contains the quoted name on both dialects.
        condition = and_(condition, cast(Session.handoff_reasons, String).like(f'%"{reason}"%'))
    total = int(await db.scalar(select(func.count(Session.id)).where(condition)) or 0)
    query = select(Session).where(condition)
    if cursor:
        after_time, after_id = decode_cursor(cursor)
        query = query.where(
            or_(
                Session.handoff_requested_at < after_time,
                and_(Session.handoff_requested_at == after_time, Session.id < str(after_id)),
            )
        )
    sessions = list(
        (
            await db.scalars(
                query.order_by(Session.handoff_requested_at.desc(), Session.id.desc()).limit(limit + 1)
            )
        ).all()
    )
    page = sessions[:limit]
    items = [
        HandoffEvent(
            session_id=session.id,
            summary=session.handoff_summary,
            explanation=session.handoff_reasoning,
            reasons=list(session.handoff_reasons or []),
            created_at=session.handoff_requested_at or session.created_at,
        )
        for session in page
    ]
    last = page[-1] if page else None
    next_cursor = (
        encode_cursor(last.handoff_requested_at, last.id)
        if len(sessions) > limit and last is not None and last.handoff_requested_at is not None
        else None
    )
    return HandoffEventPage(items=items, next=next_cursor, total=total)
