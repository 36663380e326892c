"""Catching up through ``/conversation/{id}/entries``: after every (re)connect and on a webhook nudge.

Salesforce does not promise to replay events after ``Last-Event-Id``, so whatever
happened while no stream was open is read back from the transcript, oldest
first, and applied like a live event (duplicates are recognised by identifier).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from baton.jobs.errors import PermanentFailure, RetryLater
from baton.jobs.registry import JobContext
from baton.salesforce.errors import AuthExpired, Permanent, RateLimited, SalesforceError
from baton.salesforce.messaging.events import ConversationEvent
from baton.salesforce.messaging.identities import GuestIdentityExpired, StreamTokens, miaw_client
from baton.salesforce.messaging.inbound import apply_event
from baton.salesforce.messaging.settings import MessagingConfig, load_messaging_config
from baton.services import Services
from baton.store.models import MessagingConversation, Session

RECONCILED_STATUSES = ("open", "ended")


async def reconcile_conversation(
    services: Services,
    conversation_id: str,
    *,
    config: MessagingConfig | None = None,
    tokens: StreamTokens | None = None,
    seen: SeenEntries | None = None,
) -> dict[str, int]:
    """Apply every entry not applied yet; returns counts by outcome.

    A stream holder passes its config, tokens and the identifiers it applied
    already, so re-read entries cost no database transaction.
    """
    async with services.session_factory() as db:
        conversation = await db.get(MessagingConversation, conversation_id)
        if conversation is None or conversation.status not in RECONCILED_STATUSES:
            return {}
        org_id, stream_id, since = conversation.org_id, conversation.stream_id, conversation.entries_since_ms
    config = config or await load_messaging_config(services, org_id)
    if config is None:
        return {}
    client = miaw_client(services, config)
    tokens = tokens or StreamTokens(services, stream_id)
    token = await tokens.access_token()
    try:
        events = await client.list_entries(token, conversation_id, since_ms=since)
    except AuthExpired:
        events = await client.list_entries(await tokens.renew_access_token(), conversation_id, since_ms=since)
    return await apply_events(services, conversation_id, events, seen=seen)


class SeenEntries:
    """Identifiers a stream holder applied recently (bounded), to skip re-reads without the database."""

    def __init__(self, capacity: int = 5000) -> None:
        self._capacity = capacity
        self._ids: dict[str, None] = {}

    def __contains__(self, identifier: object) -> bool:
        return identifier in self._ids

    def add(self, identifier: str | None) -> None:
        if not identifier:
            return
        self._ids[identifier] = None
        if len(self._ids) > self._capacity:
            del self._ids[next(iter(self._ids))]


async def apply_events(
    services: Services,
    conversation_id: str,
    events: list[ConversationEvent],
    *,
    seen: SeenEntries | None = None,
) -> dict[str, int]:
    """Apply events in order, one transaction each, and move the reconcile watermark."""
    counts: dict[str, int] = {}
    newest: int | None = None
    for event in events:
        if seen is not None and event.identifier and event.identifier in seen:
            outcome = "duplicate"
        else:
            async with services.session_factory() as db, db.begin():
                outcome = await apply_event(db, event)
            if seen is not None:
                seen.add(event.identifier)
        counts[outcome] = counts.get(outcome, 0) + 1
        stamp = event.entry.transcripted_timestamp if event.entry else None
        if stamp is not None:
            newest = stamp if newest is None else max(newest, stamp)
    if newest is not None and counts.get("duplicate", 0) < len(events):
        async with services.session_factory() as db, db.begin():
            await _advance(db, conversation_id, newest)
    return counts


async def _advance(db: AsyncSession, conversation_id: str, stamp: int) -> None:
    conversation = await db.get(MessagingConversation, conversation_id)
    if conversation is not None:
        # Inclusive next time: entries sharing the boundary millisecond are re-read and skipped.
        conversation.entries_since_ms = max(conversation.entries_since_ms or 0, stamp)


async def reconcile_session(ctx: JobContext) -> None:
    """Job: a webhook said something happened in a session's conversation; read it back."""
    services: Services = ctx.services
    async with services.session_factory() as db:
        session = await db.get(Session, str(ctx.args["session_id"]))
        conversation_id = session.salesforce_miaw_session_id if session else None
    if not conversation_id:
        return
    try:
        await reconcile_conversation(services, conversation_id)
    except GuestIdentityExpired as exc:
        raise PermanentFailure(str(exc)) from exc
    except RateLimited as exc:
        raise RetryLater(services.settings.salesforce_rate_limit_retry_seconds, reason=str(exc)) from exc
    except Permanent as exc:
        raise PermanentFailure(exc.message) from exc
    except SalesforceError as exc:
        raise RetryLater(reason=str(exc)) from exc
