"""The job that puts a handed-off email conversation on a Salesforce Case.

One job kind does both the first handoff and every later update, so that the
per-session ordering key keeps them in order: make sure the session has a Case
(create it with its transcript in ONE sObject Tree call, or append to the
contact's open Case), then export every message not yet on the Case.

Never two Cases for one session: the session id is an External ID on the Case.
A retry after an ambiguous failure (timeout, 5xx, lost response) looks the id up
before creating again, and ``DUPLICATE_VALUE`` on that field adopts the existing Case.
Comments have no external id, so a retried batch first reads the Case's comment
bodies and skips those already there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from baton.conversations.service import record_event
from baton.handoff.service import mark_handoff_failed
from baton.jobs.errors import PermanentFailure, RetryLater
from baton.jobs.registry import JobContext
from baton.salesforce.cases.fields import CaseFieldNames, case_fields
from baton.salesforce.cases.transcript import CommentChunk, TranscriptLine, comment_chunks
from baton.salesforce.connection import NotConnected, load_integration, rest_client_for_org
from baton.salesforce.debug import call_summaries
from baton.salesforce.errors import (
    AuthExpired,
    DuplicateValue,
    Permanent,
    RateLimited,
    SalesforceError,
    Transient,
)
from baton.salesforce.rest import CallRecord, SalesforceRestClient, soql_quote
from baton.services import Services
from baton.store.base import utcnow
from baton.store.models import Contact, InboundEvent, Message, SalesforceCase, Session

TREE_MAX_RECORDS = 200  # the Case itself is one of them
COLLECTION_MAX_RECORDS = 200
EXPORTED_ROLES = ("customer", "ai", "system")
_messages_t = cast(Table, Message.__table__)


@dataclass
class SyncRun:
    """What one attempt did, for the debug timeline."""

    calls: list[CallRecord] = field(default_factory=list)
    outcome: str = ""
    case_id: str | None = None
    comments_created: int = 0
    comments_skipped: int = 0


def _lines(messages: list[Message], contact: Contact) -> list[TranscriptLine]:
    return [
        TranscriptLine(
            message_id=m.id,
            role=m.role,
            author_name=m.author_name or (contact.name if m.role == "customer" else None),
            text=m.text,
            created_at=m.created_at,
        )
        for m in messages
    ]


def _batches(
    lines: list[TranscriptLine], limit: int
) -> list[list[tuple[TranscriptLine, list[CommentChunk]]]]:
    """Group whole messages so that each group's comments fit one call."""
    batches: list[list[tuple[TranscriptLine, list[CommentChunk]]]] = []
    current: list[tuple[TranscriptLine, list[CommentChunk]]] = []
    size = 0
    for line in lines:
        chunks = comment_chunks(line)
        if current and size + len(chunks) > limit:
            batches.append(current)
            current, size = [], 0
        current.append((line, chunks))
        size += len(chunks)
    if current:
        batches.append(current)
    return batches


async def _pending_messages(db: AsyncSession, session_id: str) -> list[Message]:
    rows = await db.execute(
        select(Message)
        .where(
            Message.session_id == session_id,
            Message.salesforce_comment_id.is_(None),
            Message.internal.is_(False),
            Message.role.in_(EXPORTED_ROLES),
        )
        .order_by(Message.id)
    )
    return list(rows.scalars())


async def _remember_our_records(db: AsyncSession, org_id: str, record_ids: list[str]) -> None:
    """Mark comments Baton wrote as already seen, so webhooks and the poll never echo them back."""
    if record_ids:
        # One executemany: a row per comment, without an ORM object (and a statement) each.
        await db.execute(
            insert(InboundEvent),
            [
                {"org_id": org_id, "provider": "salesforce", "event_id": record_id, "payload": "{}"}
                for record_id in record_ids
            ],
        )


async def _set_comment_ids(db: AsyncSession, comment_ids: dict[int, str]) -> None:
    """Record where each message went, in one executemany instead of a load and an UPDATE per message."""
    if comment_ids:
        await db.execute(
            update(_messages_t)
            .where(_messages_t.c.id == bindparam("message_id"))
            .values(salesforce_comment_id=bindparam("comment_id")),
            [
                {"message_id": message_id, "comment_id": comment_id}
                for message_id, comment_id in comment_ids.items()
            ],
        )


class CaseSync:
    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self.services: Services = ctx.services
        self.session_id = str(ctx.args["session_id"])
        self.run = SyncRun()

    async def __call__(self) -> None:
        factory = self.services.session_factory
        async with factory() as db:
            session = await db.get(Session, self.session_id)
            if session is None:
                raise PermanentFailure(f"session {self.session_id} no longer exists")
            integration = await load_integration(db, session.org_id)
        if integration is None or integration.status not in ("connected", "error"):
            await self._fail(
                "Salesforce is not connected: save the credentials and click Connect to Salesforce."
            )
            raise PermanentFailure("Salesforce is not connected")
        names = CaseFieldNames.from_settings(integration.settings)
        client = rest_client_for_org(self.services, session.org_id, on_call=self.run.calls.append)
        try:
            case_id = session.salesforce_case_id or await self._ensure_case(client, names)
            self.run.case_id = case_id
            await self._export_pending(client, case_id)
        except NotConnected as exc:
            await self._record_failure(str(exc), None)
            raise RetryLater(300, reason=str(exc)) from exc
        except SalesforceError as exc:
            await self._record_failure(exc.message, exc)
            if isinstance(exc, RateLimited):
                delay = self.services.settings.salesforce_rate_limit_retry_seconds
                raise RetryLater(delay, reason=f"Salesforce rate limit: {exc.error_code}") from exc
            if isinstance(exc, Transient | AuthExpired):
                raise RetryLater(reason=f"{type(exc).__name__}: {exc.error_code or exc.status}") from exc
            await self._fail(f"Salesforce refused the Case: {exc.error_code}: {exc.message}")
            raise PermanentFailure(f"{exc.error_code}: {exc.message}") from exc
        await self._record_success()

    # -- the Case ---------------------------------------------------------------------------

    async def _ensure_case(self, client: SalesforceRestClient, names: CaseFieldNames) -> str:
        async with self.services.session_factory() as db, db.begin():
            session = await self._session(db)
            if session.salesforce_case_id:
                return session.salesforce_case_id
            contact = await db.get(Contact, session.contact_id)
            assert contact is not None
            open_case = (
                await db.execute(
                    select(SalesforceCase)
                    .where(
                        SalesforceCase.org_id == session.org_id,
                        SalesforceCase.contact_id == contact.id,
                        SalesforceCase.is_closed.is_(False),
                    )
                    .order_by(SalesforceCase.created_at.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
            open_case_id = open_case.case_id if open_case else None
        if open_case_id and await self._still_open(client, open_case_id):
            return await self._append_to(open_case_id)
        return await self._create_case(client, names)

    async def _still_open(self, client: SalesforceRestClient, case_id: str) -> bool:
        rows = await client.query(f"SELECT Id, IsClosed FROM Case WHERE Id = {soql_quote(case_id)}")
        is_open = bool(rows) and not rows[0].get("IsClosed")
        if not is_open:
            async with self.services.session_factory() as db, db.begin():
                case = await db.get(SalesforceCase, case_id)
                if case is not None and not case.is_closed:
                    case.is_closed, case.closed_at = True, utcnow()
        return is_open

    async def _append_to(self, case_id: str) -> str:
        async with self.services.session_factory() as db, db.begin():
            session = await self._session(db)
            session.salesforce_case_id = case_id
            self.run.outcome = "appended"
            await record_event(
                db,
                session,
                "salesforce.case.appended",
                {"case_id": case_id, "reason": "contact has an open Case"},
            )
        return case_id

    async def _create_case(self, client: SalesforceRestClient, names: CaseFieldNames) -> str:
        async with self.services.session_factory() as db, db.begin():
            session = await self._session(db)
            contact = await db.get(Contact, session.contact_id)
            assert contact is not None
            pending = await _pending_messages(db, session.id)
            batches = _batches(_lines(pending, contact), TREE_MAX_RECORDS - 1)
            first = batches[0] if batches else []
            # Written before the call: after a lost response we know which messages the tree carried.
            tried_upto = first[-1][0].message_id if first else 0
            previous_try = session.channel_data.get("case_create_upto")
            carried_upto = max(int(previous_try or 0), tried_upto)
            session.channel_data = {**session.channel_data, "case_create_upto": carried_upto}
            fields = case_fields(
                names,
                session_id=session.id,
                subject=session.subject,
                description=session.handoff_summary or _fallback_description(session),
                email=contact.email,
                name=contact.name,
                priority=session.priority,
            )
        if previous_try is not None:
            # An earlier attempt may have created the Case before its response was lost.
            existing = await self._find_by_session_id(client, names)
            if existing:
                return await self._adopt(existing, int(previous_try), "found by session id after a retry")
        records = [
            {
                "attributes": {"type": "CaseComment", "referenceId": f"c{i}"},
                "CommentBody": chunk.body,
                "IsPublished": False,
            }
            for i, chunk in enumerate(chunk for _, chunks in first for chunk in chunks)
        ]
        case_record: dict[str, Any] = {"attributes": {"type": "Case", "referenceId": "case"}, **fields}
        if records:
            case_record["CaseComments"] = {"records": records}
        try:
            results = await client.create_tree("Case", [case_record])
        except DuplicateValue as exc:
            existing = exc.existing_id or await self._find_by_session_id(client, names)
            if not existing:
                raise
            return await self._adopt(existing, carried_upto, "DUPLICATE_VALUE on the session id")
        ids = {result.reference_id: result.id for result in results}
        case_id = ids["case"]
        comment_ids = [ids[f"c{i}"] for i in range(len(records))]
        async with self.services.session_factory() as db, db.begin():
            session = await self._session(db)
            placed: dict[int, str] = {}
            position = 0
            for line, chunks in first:
                placed[line.message_id] = comment_ids[position]
                position += len(chunks)
            await _set_comment_ids(db, placed)
            await _remember_our_records(db, session.org_id, comment_ids)
            self._attach_case(db, session, case_id)
            self.run.outcome = "created"
            self.run.comments_created += len(comment_ids)
        return case_id

    async def _find_by_session_id(self, client: SalesforceRestClient, names: CaseFieldNames) -> str | None:
        rows = await client.query(
            f"SELECT Id FROM Case WHERE {names.session_id_field} = {soql_quote(self.session_id)}"
        )
        return str(rows[0]["Id"]) if rows else None

    async def _adopt(self, case_id: str, carried_upto: int, why: str) -> str:
        """Take over a Case an earlier attempt created; the tree was all-or-nothing, so its comments exist."""
        async with self.services.session_factory() as db, db.begin():
            session = await self._session(db)
            carried = await db.execute(
                select(Message).where(
                    Message.session_id == session.id,
                    Message.salesforce_comment_id.is_(None),
                    Message.internal.is_(False),
                    Message.role.in_(EXPORTED_ROLES),
                    Message.id <= carried_upto,
                )
            )
            for message in carried.scalars():
                message.salesforce_comment_id = case_id  # carried by the tree; comment ids unknown
            self._attach_case(db, session, case_id)
            self.run.outcome = "adopted"
            await record_event(db, session, "salesforce.case.adopted", {"case_id": case_id, "why": why})
        return case_id

    def _attach_case(self, db: AsyncSession, session: Session, case_id: str) -> None:
        session.salesforce_case_id = case_id
        db.add(
            SalesforceCase(
                case_id=case_id,
                org_id=session.org_id,
                contact_id=session.contact_id,
                origin_session_id=session.id,
            )
        )

    # -- the transcript ------------------------------------------------------------------------

    async def _export_pending(self, client: SalesforceRestClient, case_id: str) -> None:
        while True:
            async with self.services.session_factory() as db:
                session = await self._session(db)
                contact = await db.get(Contact, session.contact_id)
                assert contact is not None
                pending = await _pending_messages(db, session.id)
            if not pending:
                return
            batch = _batches(_lines(pending, contact), COLLECTION_MAX_RECORDS)[0]
            chunks = [chunk for _, line_chunks in batch for chunk in line_chunks]
            already = await self._existing_bodies(client, case_id) if self.ctx.attempt > 1 else {}
            to_create = [chunk for chunk in chunks if chunk.body not in already]
            created: dict[str, str] = {}
            if to_create:
                results = await client.create_collection(
                    [
                        {
                            "attributes": {"type": "CaseComment"},
                            "ParentId": case_id,
                            "CommentBody": chunk.body,
                            "IsPublished": False,
                        }
                        for chunk in to_create
                    ],
                    all_or_none=True,
                )
                failed = [r for r in results if not r.success]
                if failed:
                    raise Permanent(status=400, error_code="COLLECTION_FAILED", message=str(failed[0].errors))
                created = {
                    chunk.body: str(result.id) for chunk, result in zip(to_create, results, strict=True)
                }
            async with self.services.session_factory() as db, db.begin():
                await _set_comment_ids(
                    db,
                    {
                        line.message_id: created.get(line_chunks[0].body)
                        or already.get(line_chunks[0].body)
                        or case_id
                        for line, line_chunks in batch
                    },
                )
                await _remember_our_records(db, session.org_id, list(created.values()))
            self.run.comments_created += len(created)
            self.run.comments_skipped += len(chunks) - len(to_create)

    async def _existing_bodies(self, client: SalesforceRestClient, case_id: str) -> dict[str, str]:
        rows = await client.query(
            f"SELECT Id, CommentBody FROM CaseComment WHERE ParentId = {soql_quote(case_id)}"
        )
        return {str(row.get("CommentBody")): str(row["Id"]) for row in rows}

    # -- bookkeeping -------------------------------------------------------------------------------

    async def _session(self, db: AsyncSession) -> Session:
        session = await db.get(Session, self.session_id)
        if session is None:
            raise PermanentFailure(f"session {self.session_id} no longer exists")
        return session

    async def _record_success(self) -> None:
        async with self.services.session_factory() as db, db.begin():
            session = await self._session(db)
            first_time = session.handoff_state != "done"
            session.handoff_state = "done"
            session.handoff_error = None
            event_type = {
                "created": "salesforce.case.created",
                "appended": "salesforce.case.appended_messages",
                "adopted": "salesforce.case.adopted_messages",
            }.get(self.run.outcome, "salesforce.case.synced")
            if self.run.calls or first_time:
                await record_event(
                    db,
                    session,
                    event_type,
                    {
                        "case_id": self.run.case_id,
                        "comments_created": self.run.comments_created,
                        "comments_already_there": self.run.comments_skipped,
                        "api_calls": len(self.run.calls),
                        "calls": call_summaries(self.run.calls),
                    },
                )

    async def _record_failure(self, message: str, exc: SalesforceError | None) -> None:
        async with self.services.session_factory() as db, db.begin():
            session = await self._session(db)
            session.handoff_error = message
            await record_event(
                db,
                session,
                "salesforce.case.failed",
                {
                    "error": message,
                    "error_code": exc.error_code if exc else None,
                    "status": exc.status if exc else None,
                    "kind": type(exc).__name__ if exc else "NotConnected",
                    "attempt": self.ctx.attempt,
                    "calls": call_summaries(self.run.calls),
                },
            )

    async def _fail(self, message: str) -> None:
        async with self.services.session_factory() as db, db.begin():
            await mark_handoff_failed(db, await self._session(db), message)


def _fallback_description(session: Session) -> str:
    reasons = ", ".join(session.handoff_reasons) or "handoff requested"
    return f"Conversation #{session.ticket_number} handed off ({reasons})."


async def sync_case(ctx: JobContext) -> None:
    await CaseSync(ctx)()
