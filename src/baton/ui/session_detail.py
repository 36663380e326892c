"""Everything the session page shows, loaded in one read transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from baton.conversations.service import get_session_for_org, list_messages
from baton.salesforce.connection import load_integration
from baton.store.models import Contact, DebugEvent, Message, Session
from baton.ui.links import salesforce_case_url

# A runaway retry loop must not make the page unusable; the newest events matter most.
MAX_EVENTS = 500

HINT_CHARS = 140

ROLE_LABELS = {"customer": "Customer", "ai": "AI", "agent": "Agent", "system": "System"}


@dataclass
class TimelineEvent:
    event: DebugEvent
    is_error: bool
    calls: list[dict[str, Any]]
    hint: str


@dataclass
class SessionDetail:
    session: Session
    contact: Contact
    messages: list[Message]
    events: list[TimelineEvent]
    events_omitted: int
    case_url: str | None

    @property
    def handed_off(self) -> bool:
        """Mirrors request_handoff's refusal: the button is disabled exactly when it would do nothing."""
        return self.session.assignee == "human" and self.session.handoff_state in ("pending", "done")


def _is_error(event: DebugEvent) -> bool:
    data = event.data or {}
    if event.type.endswith((".failed", ".error", ".dead")) or data.get("error"):
        return True
    status = data.get("status")
    return isinstance(status, int) and status >= 400


def _hint(event: DebugEvent) -> str:
    """One line next to the event type, so the timeline can be scanned without opening every entry."""
    data = event.data or {}
    if event.type.startswith("job."):
        parts = [str(data.get("kind") or ""), f"attempt {data['attempt']}" if data.get("attempt") else ""]
        parts.append(str(data.get("outcome") or ""))
        text = " · ".join(p for p in parts if p)
    elif data.get("error"):
        text = str(data["error"])
    elif data.get("case_id"):
        text = f"Case {data['case_id']}"
    elif data.get("reasons"):
        text = ", ".join(str(r) for r in data["reasons"]) if isinstance(data["reasons"], list) else ""
    else:
        text = ""
    return text if len(text) <= HINT_CHARS else text[: HINT_CHARS - 1] + "…"


def _calls(event: DebugEvent) -> list[dict[str, Any]]:
    """Salesforce calls recorded on the event, shown as a table as well as in the raw JSON."""
    calls = (event.data or {}).get("calls")
    if not isinstance(calls, list):
        return []
    return [c for c in calls if isinstance(c, dict)]


async def load_session_detail(db: AsyncSession, org_id: str, session_id: str) -> SessionDetail | None:
    """None when the session does not exist or belongs to another org (both answer 404)."""
    session = await get_session_for_org(db, org_id, session_id)
    if session is None:
        return None
    contact = await db.get(Contact, session.contact_id)
    assert contact is not None  # the foreign key guarantees it
    messages = await list_messages(db, session.id)
    total = (
        await db.execute(
            select(func.count()).select_from(DebugEvent).where(DebugEvent.session_id == session.id)
        )
    ).scalar_one()
    newest = (
        await db.execute(
            select(DebugEvent)
            .where(DebugEvent.session_id == session.id)
            .order_by(DebugEvent.id.desc())
            .limit(MAX_EVENTS)
        )
    ).scalars()
    events = [TimelineEvent(e, _is_error(e), _calls(e), _hint(e)) for e in reversed(list(newest))]
    case_url = None
    if session.salesforce_case_id:
        integration = await load_integration(db, org_id)
        instance_url = integration.settings.get("instance_url") if integration else None
        case_url = salesforce_case_url(
            str(instance_url) if instance_url else None, session.salesforce_case_id
        )
    return SessionDetail(
        session=session,
        contact=contact,
        messages=messages,
        events=events,
        events_omitted=max(0, int(total) - len(events)),
        case_url=case_url,
    )
