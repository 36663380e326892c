"""The jobs that put a live session into a MIAW conversation and relay the customer's messages.

One class does both, so the per-session ordering key keeps them in order and the
rep sees the header and the whole transcript before any new customer message:

1. an identity: authenticated for verified contacts, else a guest (the silent
   guest fallback is detected from the subject and recorded);
2. a conversation id, stored *before* the create call so a retry after a lost
   response adopts the conversation (409) instead of creating another;
3. the stream opened (by the stream manager) before the first message;
4. every message not yet posted: the header of the current handoff, the AI
   transcript (labelled, time-stamped) and then the customer's live messages.
   Each part has a deterministic message id, so 409 means "already sent".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select

from baton.conversations.service import record_event
from baton.handoff.service import mark_handoff_failed
from baton.jobs.errors import PermanentFailure, RetryLater
from baton.jobs.registry import JobContext
from baton.jobs.wakeup import wake_workers
from baton.salesforce.debug import call_summaries
from baton.salesforce.errors import AuthExpired, RateLimited, SalesforceError, Transient
from baton.salesforce.messaging.calls import CallRecord
from baton.salesforce.messaging.client import MiawClient
from baton.salesforce.messaging.conversations import current_conversation, wait_until_connected
from baton.salesforce.messaging.errors import AlreadyExists, NoActiveSession
from baton.salesforce.messaging.identities import (
    GuestIdentityExpired,
    StreamTokens,
    miaw_client,
    mint_identity,
    store_token,
)
from baton.salesforce.messaging.inbound import EVENT_PROVIDER, MIAW_PROVIDER
from baton.salesforce.messaging.routing import ANONYMOUS, AUTHENTICATED, routing_attributes
from baton.salesforce.messaging.settings import MessagingConfig, load_messaging_config
from baton.salesforce.messaging.transcript import (
    OutgoingPart,
    handoff_key,
    header_parts,
    live_parts,
    transcript_parts,
)
from baton.services import Services
from baton.store.models import Contact, Message, MessagingConversation, MessagingStream, Session

POSTED_ROLES = ("customer", "ai", "agent")
MESSAGES_PER_BATCH = 50


@dataclass
class LiveRun:
    """What one attempt did, for the debug timeline."""

    calls: list[CallRecord] = field(default_factory=list)
    posted: list[dict[str, Any]] = field(default_factory=list)
    already_there: int = 0
    new_sessions: int = 0


class LiveSync:
    """One attempt of a ``handoff`` or ``relay`` job for one session."""

    def __init__(self, ctx: JobContext, *, mode: str) -> None:
        self.ctx = ctx
        self.mode = mode  # handoff | relay
        self.services: Services = ctx.services
        self.session_id = str(ctx.args["session_id"])
        self.run = LiveRun()

    async def __call__(self) -> None:
        async with self.services.session_factory() as db:
            session = await self._session(db)
            wanted = session.assignee == "human" and session.handoff_path == "messaging"
            state = session.handoff_state
            org_id = session.org_id
        if not wanted or state not in ("pending", "done"):
            return  # the session went back to the AI (or was never handed off): nothing to send
        config = await load_messaging_config(self.services, org_id)
        if config is None:
            message = "Live Messaging is not configured: save the Salesforce Messaging settings."
            await self._fail(message)
            raise PermanentFailure(message)
        client = miaw_client(self.services, config, on_call=self.run.calls.append)
        try:
            conversation_id, stream_id = await self._ensure_conversation(client, config)
            await self._post_pending(client, config, conversation_id, stream_id)
        except GuestIdentityExpired as exc:
            await self._abandon(str(exc))
            raise RetryLater(0, reason="guest identity expired: starting a new conversation") from exc
        except SalesforceError as exc:
            await self._record_failure(exc)
            if isinstance(exc, RateLimited):
                raise RetryLater(
                    self.services.settings.salesforce_rate_limit_retry_seconds, reason=str(exc)
                ) from exc
            if isinstance(exc, Transient | AuthExpired):
                raise RetryLater(reason=f"{type(exc).__name__}: {exc.status or exc.error_code}") from exc
            if self.mode == "handoff":
                await self._fail(f"Salesforce refused the live conversation: {exc.message}")
            raise PermanentFailure(exc.message) from exc
        await self._record_success(conversation_id)

    # -- identity and conversation ------------------------------------------------------------

    async def _ensure_conversation(self, client: MiawClient, config: MessagingConfig) -> tuple[str, str]:
        async with self.services.session_factory() as db:
            session = await self._session(db)
            conversation = await current_conversation(db, session)
            if conversation is not None:
                conversation_id, stream_id, status = (
                    conversation.conversation_id,
                    conversation.stream_id,
                    conversation.status,
                )
                attributes = dict(conversation.routing_attributes)
        if conversation is None:
            # Normally only the handoff job gets here; a relay does too after a guest identity died.
            conversation_id, stream_id, attributes = await self._reserve_conversation(client, config)
            status = "creating"
        if status == "ended":
            await self._reopen(conversation_id, stream_id)
        if status == "creating":
            timeout = self.services.settings.messaging_stream_open_wait_seconds
            connected = await wait_until_connected(self.services, stream_id, timeout)
            token = await StreamTokens(self.services, stream_id).access_token()
            try:
                await client.create_conversation(token, conversation_id, attributes)
                outcome = "created"
            except AlreadyExists:
                outcome = "adopted"  # an earlier attempt created it before its response was lost
            async with self.services.session_factory() as db, db.begin():
                session = await self._session(db)
                row = await db.get(MessagingConversation, conversation_id)
                assert row is not None
                row.status = "open"
                await record_event(
                    db,
                    session,
                    f"salesforce.miaw.conversation_{outcome}",
                    {
                        "conversation_id": conversation_id,
                        "routing_attributes": attributes,
                        "stream_connected_first": connected,
                    },
                )
        return conversation_id, stream_id

    async def _reopen(self, conversation_id: str, stream_id: str) -> None:
        """A new handoff in a conversation whose last messaging session ended: read its stream again."""
        async with self.services.session_factory() as db, db.begin():
            session = await self._session(db)
            row = await db.get(MessagingConversation, conversation_id)
            stream = await db.get(MessagingStream, stream_id)
            assert row is not None and stream is not None
            row.status = "open"
            if stream.status != "active":
                stream.status = "active"
                stream.lease_owner = stream.lease_until = None
            await record_event(
                db, session, "salesforce.miaw.conversation_reopened", {"conversation_id": conversation_id}
            )
        wake_workers()

    async def _reserve_conversation(
        self, client: MiawClient, config: MessagingConfig
    ) -> tuple[str, str, dict[str, str]]:
        """Pick the identity and stream, then store a new conversation id before any create call."""
        async with self.services.session_factory() as db:
            session = await self._session(db)
            contact = await db.get(Contact, session.contact_id)
            assert contact is not None
            reusable = None
            if contact.verified and config.can_authenticate:
                # One stream per identity: a verified contact's subject is stable, so share it.
                reusable = (
                    await db.execute(
                        select(MessagingStream).where(
                            MessagingStream.org_id == session.org_id,
                            MessagingStream.contact_id == contact.id,
                            MessagingStream.authenticated.is_(True),
                            MessagingStream.status == "active",
                        )
                    )
                ).scalar_one_or_none()
        if reusable is not None:
            stream_id, authenticated = reusable.id, True
            token_event: dict[str, Any] = {
                "kind": AUTHENTICATED,
                "subject": reusable.subject,
                "reused_stream": True,
            }
        else:
            identity = await mint_identity(client, config, contact)
            grant = identity.grant
            authenticated = identity.authenticated
            token_event = {
                "kind": AUTHENTICATED if authenticated else "unauthenticated",
                "subject": grant.subject,
                "requested": AUTHENTICATED if identity.requested_authenticated else "unauthenticated",
                "expires_at": grant.expires_at.isoformat() if grant.expires_at else None,
            }
            stream = MessagingStream(
                org_id=session.org_id,
                contact_id=contact.id,
                subject=grant.subject,
                authenticated=authenticated,
                last_event_id=grant.last_event_id,
                data={"consumer_type": AUTHENTICATED if authenticated else ANONYMOUS},
            )
            store_token(self.services, stream, grant.access_token)
        conversation_id = str(uuid.uuid4())  # lowercase v4, as Salesforce requires
        async with self.services.session_factory() as db, db.begin():
            session = await self._session(db)
            contact = await db.get(Contact, session.contact_id)
            assert contact is not None
            if reusable is None:
                db.add(stream)
                await db.flush()
                stream_id = stream.id
                await record_event(db, session, "salesforce.miaw.token", token_event)
                if identity.fell_back_to_guest:
                    await record_event(
                        db,
                        session,
                        "salesforce.miaw.identity_fallback",
                        {
                            "why": "Salesforce answered the identity token with a guest (ANON) subject: "
                            "the token was not verified. Check the keyset issuer, the key id and the "
                            "registered public key.",
                            "subject": grant.subject,
                            "issuer": config.issuer,
                            "kid": config.auth_key_id,
                            "Chat_Consumer_Type": ANONYMOUS,
                        },
                    )
            else:
                await record_event(db, session, "salesforce.miaw.token", token_event)
            attributes = routing_attributes(config.routing, session, contact, authenticated=authenticated)
            db.add(
                MessagingConversation(
                    conversation_id=conversation_id,
                    org_id=session.org_id,
                    session_id=session.id,
                    stream_id=stream_id,
                    status="creating",
                    routing_attributes=attributes,
                )
            )
            session.salesforce_miaw_session_id = conversation_id
            await record_event(
                db,
                session,
                "salesforce.miaw.conversation_reserved",
                {
                    "conversation_id": conversation_id,
                    "stream_id": stream_id,
                    "routing_attributes": attributes,
                },
            )
        wake_workers()  # the stream manager in this process picks the new stream up at once
        return conversation_id, stream_id, attributes

    # -- messages -------------------------------------------------------------------------------

    async def _post_pending(
        self, client: MiawClient, config: MessagingConfig, conversation_id: str, stream_id: str
    ) -> None:
        tokens = StreamTokens(self.services, stream_id)
        token = await tokens.access_token()
        limit = config.max_message_chars
        while True:
            async with self.services.session_factory() as db:
                session = await self._session(db)
                contact = await db.get(Contact, session.contact_id)
                row = await db.get(MessagingConversation, conversation_id)
                assert contact is not None and row is not None
                attributes = dict(row.routing_attributes)
                batches: list[tuple[int | None, list[OutgoingPart]]] = []
                key = handoff_key(session)
                if row.header_posted_for != key and session.handoff_state in ("pending", "done"):
                    batches.append((None, header_parts(session, self.services.settings.public_url, limit)))
                messages = await self._unposted(db, session.id, row.posted_upto_message_id)
                requested_at = session.handoff_requested_at
                for message in messages:
                    if requested_at is not None and message.created_at <= requested_at:
                        parts = transcript_parts(session.id, message, limit, contact_name=contact.name)
                    elif message.role == "customer":
                        parts = live_parts(session.id, message, limit)
                    else:
                        parts = []
                    batches.append((message.id, parts))
                language = (session.language or config.routing.default_language).replace("-", "_")
            if not batches:
                return
            for message_id, parts in batches:
                for part in parts:
                    token = await self._send(
                        client, tokens, token, conversation_id, part, attributes, language
                    )
                async with self.services.session_factory() as db, db.begin():
                    row = await db.get(MessagingConversation, conversation_id)
                    assert row is not None
                    if message_id is None:
                        row.header_posted_for = key
                    else:
                        row.posted_upto_message_id = max(row.posted_upto_message_id, message_id)

    async def _unposted(self, db: Any, session_id: str, after_id: int) -> list[Message]:
        rows = await db.execute(
            select(Message)
            .where(
                Message.session_id == session_id,
                Message.id > after_id,
                Message.internal.is_(False),
                Message.role.in_(POSTED_ROLES),
                # Messages that came from the conversation itself (and our notices about it) stay out.
                or_(Message.provider.is_(None), Message.provider.not_in((MIAW_PROVIDER, EVENT_PROVIDER))),
            )
            .order_by(Message.id)
            .limit(MESSAGES_PER_BATCH)
        )
        return list(rows.scalars())

    async def _send(
        self,
        client: MiawClient,
        tokens: StreamTokens,
        token: str,
        conversation_id: str,
        part: OutgoingPart,
        attributes: dict[str, str],
        language: str,
    ) -> str:
        """Post one part; returns the token in use (renewed after a 401)."""
        for attempt in range(2):
            try:
                try:
                    await client.send_text(token, conversation_id, part.message_id, part.text)
                except NoActiveSession:
                    # The rep ended the last session: a new one needs the routing attributes again.
                    await client.send_text(
                        token,
                        conversation_id,
                        part.message_id,
                        part.text,
                        new_session=True,
                        routing_attributes=attributes,
                        language=language,
                    )
                    self.run.new_sessions += 1
            except AlreadyExists:
                self.run.already_there += 1
            except AuthExpired:
                if attempt:
                    raise
                token = await tokens.renew_access_token()
                continue
            else:
                self.run.posted.append(
                    {"message_id": part.message_id, "baton_message_id": part.baton_message_id}
                )
            return token
        return token

    # -- bookkeeping ----------------------------------------------------------------------------

    async def _session(self, db: Any) -> Session:
        session = await db.get(Session, self.session_id)
        if session is None:
            raise PermanentFailure(f"session {self.session_id} no longer exists")
        assert isinstance(session, Session)
        return session

    async def _record_success(self, conversation_id: str) -> None:
        async with self.services.session_factory() as db, db.begin():
            session = await self._session(db)
            first_time = self.mode == "handoff" and session.handoff_state == "pending"
            if first_time:
                session.handoff_state = "done"
                session.handoff_error = None
            if not (self.run.posted or self.run.already_there or first_time):
                return
            await record_event(
                db,
                session,
                "salesforce.miaw.handed_off" if first_time else "salesforce.miaw.relayed",
                {
                    "conversation_id": conversation_id,
                    "parts_posted": len(self.run.posted),
                    "already_there": self.run.already_there,
                    "new_messaging_sessions": self.run.new_sessions,
                    "baton_message_ids": sorted(
                        {p["baton_message_id"] for p in self.run.posted if p["baton_message_id"] is not None}
                    ),
                    "api_calls": len(self.run.calls),
                    "calls": call_summaries(self.run.calls),
                },
            )

    async def _record_failure(self, exc: SalesforceError) -> None:
        async with self.services.session_factory() as db, db.begin():
            session = await self._session(db)
            if self.mode == "handoff":
                session.handoff_error = exc.message
            await record_event(
                db,
                session,
                "salesforce.miaw.failed",
                {
                    "mode": self.mode,
                    "error": exc.message,
                    "status": exc.status,
                    "body": exc.body if isinstance(exc.body, dict | str | None) else str(exc.body),
                    "kind": type(exc).__name__,
                    "attempt": self.ctx.attempt,
                    "calls": call_summaries(self.run.calls),
                },
            )

    async def _fail(self, message: str) -> None:
        async with self.services.session_factory() as db, db.begin():
            await mark_handoff_failed(db, await self._session(db), message)

    async def _abandon(self, why: str) -> None:
        """Give up a conversation whose guest identity died; the retry starts a new one."""
        async with self.services.session_factory() as db, db.begin():
            session = await self._session(db)
            conversation = await current_conversation(db, session)
            if conversation is not None:
                conversation.status = "abandoned"
                stream = await db.get(MessagingStream, conversation.stream_id)
                if stream is not None and not stream.authenticated:
                    stream.status = "closed"
            session.salesforce_miaw_session_id = None
            await record_event(db, session, "salesforce.miaw.conversation_abandoned", {"why": why})


async def hand_off_live_session(ctx: JobContext) -> None:
    """Job: create the live conversation and post the header and transcript."""
    await LiveSync(ctx, mode="handoff")()


async def relay_customer_messages(ctx: JobContext) -> None:
    """Job: post the customer's new messages into the live conversation."""
    await LiveSync(ctx, mode="relay")()
