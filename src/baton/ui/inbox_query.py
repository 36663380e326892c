"""The inbox list: one org's sessions, newest first, filtered and paged by keyset.

Keyset paging (created_at, id) rather than offsets, like the JSON API, so a page
stays stable while new sessions arrive at the top.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from fastapi import HTTPException
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from baton.api.pagination import decode_cursor, encode_cursor
from baton.conversations.service import CHANNELS
from baton.store.models import Contact, Session

PAGE_SIZE = 25
STATUSES = ("open", "closed")
ASSIGNEES = ("ai", "human")
HANDOFF_STATES = ("none", "pending", "done", "failed")
MAX_SEARCH_CHARS = 320


@dataclass(frozen=True)
class InboxFilters:
    """The filters as typed in the form; unknown values are dropped rather than rejected."""

    status: str = ""
    assignee: str = ""
    channel: str = ""
    handoff: str = ""
    q: str = ""
    cursor: str = ""

    @classmethod
    def from_query(cls, params: dict[str, str]) -> InboxFilters:
        def pick(name: str, allowed: tuple[str, ...]) -> str:
            value = params.get(name, "").strip().lower()
            return value if value in allowed else ""

        return cls(
            status=pick("status", STATUSES),
            assignee=pick("assignee", ASSIGNEES),
            channel=pick("channel", CHANNELS),
            handoff=pick("handoff", HANDOFF_STATES),
            q=params.get("q", "").strip()[:MAX_SEARCH_CHARS],
            cursor=params.get("cursor", "").strip(),
        )

    def query_string(self, **changes: str) -> str:
        """This filter set as a query string, with some values replaced (e.g. the cursor)."""
        values = {
            "status": self.status,
            "assignee": self.assignee,
            "channel": self.channel,
            "handoff": self.handoff,
            "q": self.q,
            "cursor": self.cursor,
            **changes,
        }
        return urlencode({k: v for k, v in values.items() if v})

    @property
    def active(self) -> bool:
        return any((self.status, self.assignee, self.channel, self.handoff, self.q))


@dataclass
class InboxPage:
    rows: list[tuple[Session, Contact]] = field(default_factory=list)
    next_cursor: str | None = None


def _search(q: str) -> ColumnElement[bool]:
    """One box for what people paste: an email (or part of one), a Case id, a MIAW id, a ticket."""
    needle = q.lower()
    conditions: list[ColumnElement[bool]] = [
        Contact.email.contains(needle, autoescape=True),
        Session.salesforce_case_id == q,
        Session.salesforce_miaw_session_id == needle,
    ]
    if len(q) == 15:
        # Salesforce shows 15-character ids in some places; we store the 18-character form.
        conditions.append(Session.salesforce_case_id.startswith(q, autoescape=True))
    digits = q.lstrip("#")
    if digits.isdigit() and len(digits) <= 12:
        conditions.append(Session.ticket_number == int(digits))
    return or_(*conditions)


async def list_inbox(db: AsyncSession, org_id: str, filters: InboxFilters) -> InboxPage:
    query = (
        select(Session, Contact)
        .join(Contact, Contact.id == Session.contact_id)
        .where(Session.org_id == org_id)
    )
    if filters.status == "open":
        query = query.where(Session.status == "open")
    elif filters.status == "closed":
        query = query.where(Session.status != "open")
    if filters.assignee:
        query = query.where(Session.assignee == filters.assignee)
    if filters.channel:
        query = query.where(Session.channel == filters.channel)
    if filters.handoff == "none":
        query = query.where(Session.handoff_state.is_(None))
    elif filters.handoff:
        query = query.where(Session.handoff_state == filters.handoff)
    if filters.q:
        query = query.where(_search(filters.q))
    if filters.cursor:
        try:
            created_at, last_id = decode_cursor(filters.cursor)
        except HTTPException:
            created_at, last_id = None, None  # a mangled link shows the first page, not an error
        if created_at is not None:
            query = query.where(
                or_(
                    Session.created_at < created_at,
                    and_(Session.created_at == created_at, Session.id < str(last_id)),
                )
            )
    query = query.order_by(Session.created_at.desc(), Session.id.desc()).limit(PAGE_SIZE + 1)
    rows = [(s, c) for s, c in (await db.execute(query)).all()]
    page = InboxPage(rows=rows[:PAGE_SIZE])
    if len(rows) > PAGE_SIZE:
        last = rows[PAGE_SIZE - 1][0]
        page.next_cursor = encode_cursor(last.created_at, last.id)
    return page
