"""Reconciliation poll: what a lost webhook missed still arrives, once.

Every ``BATON_SALESFORCE_POLL_SECONDS`` each connected org runs one poll job
(several processes may try to enqueue it; the idempotency key of the time bucket
lets exactly one through). The job reads comments and outgoing emails created on
the org's open Baton Cases since the last poll (with an overlap, because
CreatedDate has second precision and transactions commit late), and Cases that
closed; everything goes through ``accept_case_events``, which drops what the
webhook already delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from baton.jobs.queue import enqueue
from baton.jobs.registry import JobContext
from baton.salesforce.cases.replies import CaseEvent, accept_case_events
from baton.salesforce.connection import EMAIL_INTEGRATION, NotConnected, load_integration, rest_client_for_org
from baton.salesforce.errors import SalesforceError
from baton.salesforce.rest import CallRecord, SalesforceRestClient, soql_quote
from baton.services import Services
from baton.store.base import utcnow
from baton.store.models import Integration, SalesforceCase

POLL_JOB = "salesforce.case.poll"
OVERLAP = timedelta(minutes=2)
IDS_PER_QUERY = 200  # keeps the SOQL well under Salesforce's 100,000-character limit

log = logging.getLogger(__name__)


def soql_datetime(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ids(values: list[str]) -> str:
    return "(" + ", ".join(soql_quote(v) for v in values) + ")"


def _author(row: dict[str, Any]) -> str | None:
    created_by = row.get("CreatedBy")
    return str(created_by.get("Name")) if isinstance(created_by, dict) and created_by.get("Name") else None


async def _events_for(
    client: SalesforceRestClient, case_ids: list[str], since: datetime, me: str | None
) -> list[CaseEvent]:
    not_me = f" AND CreatedById != {soql_quote(me)}" if me else ""
    events: list[CaseEvent] = []
    for start in range(0, len(case_ids), IDS_PER_QUERY):
        chunk = case_ids[start : start + IDS_PER_QUERY]
        comments = await client.query(
            "SELECT Id, ParentId, CommentBody, IsPublished, CreatedDate, CreatedById, CreatedBy.Name "
            f"FROM CaseComment WHERE ParentId IN {_ids(chunk)} "
            f"AND CreatedDate > {soql_datetime(since)}{not_me} "
            "ORDER BY CreatedDate, Id"
        )
        events += [
            CaseEvent(
                type="case_comment.created",
                id=str(r["Id"]),
                case_id=str(r["ParentId"]),
                session_id=None,
                body=str(r.get("CommentBody") or ""),
                is_published=bool(r.get("IsPublished")),
                author_name=_author(r),
                created_at=str(r.get("CreatedDate")),
            )
            for r in comments
        ]
        emails = await client.query(
            "SELECT Id, ParentId, TextBody, Subject, Incoming, CreatedDate, CreatedById, CreatedBy.Name "
            f"FROM EmailMessage WHERE ParentId IN {_ids(chunk)} AND Incoming = false "
            f"AND CreatedDate > {soql_datetime(since)}{not_me} ORDER BY CreatedDate, Id"
        )
        events += [
            CaseEvent(
                type="email_message.created",
                id=str(r["Id"]),
                case_id=str(r["ParentId"]),
                session_id=None,
                body=str(r.get("TextBody") or ""),
                is_published=True,
                author_name=_author(r),
                created_at=str(r.get("CreatedDate")),
            )
            for r in emails
        ]
        closed = await client.query(
            f"SELECT Id, IsClosed, ClosedDate FROM Case WHERE Id IN {_ids(chunk)} AND IsClosed = true"
        )
        events += [
            CaseEvent(
                type="case.closed",
                # The same id the Apex uses, so webhook and poll deliveries dedupe against each other.
                id=f"{r['Id']}:closed:{_iso_utc(r.get('ClosedDate'))}",
                case_id=str(r["Id"]),
                session_id=None,
                body=None,
                is_published=False,
                author_name=None,
                created_at=str(r.get("ClosedDate")),
            )
            for r in closed
        ]
    return events


def _iso_utc(value: Any) -> str:
    """ClosedDate as ``2026-11-23T10:04:00Z`` whatever offset notation Salesforce used."""
    if not value:
        return ""
    text = str(value).replace("+0000", "+00:00")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def poll_case_updates(ctx: JobContext) -> None:
    services: Services = ctx.services
    org_id = ctx.org_id
    assert org_id is not None
    started = utcnow()
    async with services.session_factory() as db:
        integration = await load_integration(db, org_id)
        if integration is None or integration.status != "connected":
            return
        cursor_text = integration.settings.get("poll_cursor")
        case_ids = list(
            (
                await db.execute(
                    select(SalesforceCase.case_id).where(
                        SalesforceCase.org_id == org_id, SalesforceCase.is_closed.is_(False)
                    )
                )
            ).scalars()
        )
        me = integration.settings.get("user_id")
    since = datetime.fromisoformat(cursor_text) - OVERLAP if cursor_text else started - timedelta(days=1)
    calls: list[CallRecord] = []
    if case_ids:
        client = rest_client_for_org(services, org_id, on_call=calls.append)
        try:
            events = await _events_for(client, case_ids, since, me)
        except NotConnected:
            return
        except SalesforceError as exc:
            # No retry: the cursor stays where it was, so the next interval's poll covers this window.
            log.warning("Salesforce poll failed for org %s: %s", org_id, exc.error_code or exc.status)
            return
    else:
        events = []
    async with services.session_factory() as db, db.begin():
        if events:
            await accept_case_events(db, org_id, events, source="poll")
        fresh = await load_integration(db, org_id, for_update=True)
        if fresh is not None:
            settings = {**fresh.settings, "poll_cursor": started.isoformat()}
            usage = calls[-1].api_usage if calls else None
            if usage is not None:
                settings["api_usage"] = {"used": usage.used, "limit": usage.limit}
            fresh.settings = settings


def poll_bucket(now: datetime, interval: float) -> int:
    return int(now.timestamp() // interval)


async def enqueue_due_polls(services: Services) -> int:
    """Enqueue this interval's poll for every connected org; idempotent across processes."""
    interval = services.settings.salesforce_poll_seconds
    bucket = poll_bucket(utcnow(), interval)
    enqueued = 0
    async with services.session_factory() as db, db.begin():
        orgs = (
            await db.execute(
                select(Integration.org_id).where(
                    Integration.kind == EMAIL_INTEGRATION, Integration.status == "connected"
                )
            )
        ).scalars()
        for org_id in list(orgs):
            job = await enqueue(
                db, POLL_JOB, org_id=org_id, idempotency_key=f"poll:{org_id}:{bucket}", max_attempts=3
            )
            enqueued += job is not None
    return enqueued


async def run_poll_scheduler(services: Services, stop: asyncio.Event) -> None:
    """Runs beside a worker: wakes every poll interval and enqueues the due polls."""
    interval = services.settings.salesforce_poll_seconds
    while not stop.is_set():
        try:
            await enqueue_due_polls(services)
        except Exception:  # a scheduler must outlive a database hiccup
            log.exception("could not enqueue Salesforce polls")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
