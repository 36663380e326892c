"""The stream manager: holds MIAW event streams through leases and applies what they carry.

Each active ``messaging_streams`` row (one MIAW identity) is read by exactly one
worker: the one holding its lease. The manager claims free or expired streams,
renews its leases every third of their length, and stops a stream whose lease
it lost. For each held stream it keeps an SSE connection open (reconnecting
with backoff), applies events in order in one transaction each together with
the new ``Last-Event-Id``, and after every (re)connect reconciles the stream's
conversations through ``/entries`` so nothing that happened while no connection
was open is lost. A stream with no conversation left to serve is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import httpx2
from sqlalchemy import select

from baton.jobs.errors import describe_error
from baton.jobs.runner import default_worker_id
from baton.jobs.wakeup import register_waiter, unregister_waiter
from baton.salesforce.errors import AuthExpired
from baton.salesforce.messaging.conversations import stream_conversations
from baton.salesforce.messaging.identities import GuestIdentityExpired, StreamTokens
from baton.salesforce.messaging.inbound import apply_event
from baton.salesforce.messaging.leases import claim_streams, release_streams, renew_streams, save_position
from baton.salesforce.messaging.reconcile import SeenEntries, reconcile_conversation
from baton.salesforce.messaging.settings import load_messaging_config
from baton.salesforce.messaging.sse import Backoff, StreamConnected, StreamReconnected, consume_stream
from baton.services import Services
from baton.store.base import utcnow
from baton.store.models import MessagingConversation, MessagingStream

logger = logging.getLogger(__name__)

# Conversations that still need their stream read.
SERVING_STATUSES = ("creating", "open")
# After an unexpected failure, a stream is read again after this many backoff units.
RESTART_DELAY_FACTOR = 5


class LeaseLost(Exception):
    """Another worker holds the stream now; stop reading it."""


class StreamManager:
    """Runs every stream this worker holds, until ``stop`` is set."""

    def __init__(self, services: Services, *, owner: str | None = None) -> None:
        self.services = services
        settings = services.settings
        self.owner = (owner or default_worker_id())[:128]
        self.lease_seconds = settings.messaging_stream_lease_seconds
        self.poll_seconds = min(settings.messaging_stream_poll_seconds, self.lease_seconds / 3)
        self.max_streams = settings.messaging_max_streams_per_worker
        self.backoff = Backoff(initial_seconds=settings.messaging_stream_backoff_seconds)
        self.tasks: dict[str, asyncio.Task[None]] = {}
        # Streams stay open for hours: a client of their own, without the REST client's pool limits.
        self.http = httpx2.AsyncClient(
            timeout=httpx2.Timeout(settings.salesforce_timeout_seconds, connect=10.0),
            limits=httpx2.Limits(max_connections=None, max_keepalive_connections=None),
        )
        self.events_applied = 0

    @property
    def held(self) -> list[str]:
        """Ids of the streams this manager reads now."""
        return list(self.tasks)

    async def run(self, stop: asyncio.Event) -> None:
        """Claim, renew and read streams until ``stop`` is set; then give them back."""
        wake = asyncio.Event()
        register_waiter(wake)
        try:
            renewed_at = 0.0
            while not stop.is_set():
                wake.clear()
                # Renewing (and closing idle streams) touches every held row: a third of the lease is
                # often enough; claiming is cheap and runs on every wake-up.
                if time.monotonic() - renewed_at >= self.lease_seconds / 3:
                    renewed_at = time.monotonic()
                    await self._renew()
                    await self._close_idle()
                await self._claim()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_seconds):
                        await _first_of(wake, stop)
        finally:
            unregister_waiter(wake)
            held = list(self.tasks)
            await self._cancel(held)
            with contextlib.suppress(Exception):
                async with self.services.session_factory() as db, db.begin():
                    await release_streams(db, held, owner=self.owner)
            await self.http.aclose()

    # -- leases -----------------------------------------------------------------------------

    async def _claim(self) -> None:
        free = self.max_streams - len(self.tasks)
        try:
            async with self.services.session_factory() as db, db.begin():
                claimed = await claim_streams(
                    db, owner=self.owner, now=utcnow(), lease_seconds=self.lease_seconds, limit=free
                )
        except Exception as exc:
            logger.warning("stream claim failed: %s", describe_error(exc))
            return
        for stream_id in claimed:
            if stream_id not in self.tasks:
                self.tasks[stream_id] = asyncio.create_task(
                    self._hold(stream_id), name=f"miaw-stream {stream_id}"
                )

    async def _renew(self) -> None:
        held = list(self.tasks)
        if not held:
            return
        try:
            async with self.services.session_factory() as db, db.begin():
                renewed = await renew_streams(
                    db, held, owner=self.owner, now=utcnow(), lease_seconds=self.lease_seconds
                )
        except Exception as exc:
            logger.warning("stream lease renewal failed: %s", describe_error(exc))
            return
        lost = [stream_id for stream_id in held if stream_id not in renewed]
        if lost:
            logger.info("stopping %d stream(s) no longer held by %s", len(lost), self.owner)
            await self._cancel(lost)

    async def _close_idle(self) -> None:
        """Close held streams whose conversations are all ended or abandoned."""
        held = list(self.tasks)
        if not held:
            return
        async with self.services.session_factory() as db, db.begin():
            serving = set(
                (
                    await db.execute(
                        select(MessagingConversation.stream_id).where(
                            MessagingConversation.stream_id.in_(held),
                            MessagingConversation.status.in_(SERVING_STATUSES),
                        )
                    )
                ).scalars()
            )
            idle = [stream_id for stream_id in held if stream_id not in serving]
            for stream_id in idle:
                stream = await db.get(MessagingStream, stream_id)
                if stream is not None and stream.lease_owner == self.owner:
                    stream.status = "closed"
                    stream.lease_owner = stream.lease_until = None
                    stream.data = {k: v for k, v in (stream.data or {}).items() if k != "connected_at"}
        if idle:
            await self._cancel(idle)

    async def _cancel(self, ids: list[str]) -> None:
        tasks = [self.tasks.pop(stream_id) for stream_id in ids if stream_id in self.tasks]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- one stream -------------------------------------------------------------------------------

    async def _hold(self, stream_id: str) -> None:
        """Read one stream for as long as we hold it; restart after unexpected failures."""
        try:
            while True:
                try:
                    await self._read(stream_id)
                    return
                except LeaseLost:
                    return
                except (GuestIdentityExpired, AuthExpired) as exc:
                    await self._close(stream_id, f"{type(exc).__name__}: {exc}")
                    return
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    logger.warning("stream %s failed: %s", stream_id, describe_error(exc))
                    await self._note(stream_id, last_error=describe_error(exc))
                    await asyncio.sleep(self.backoff.initial_seconds * RESTART_DELAY_FACTOR)
        finally:
            self.tasks.pop(stream_id, None)

    async def _read(self, stream_id: str) -> None:
        async with self.services.session_factory() as db:
            stream = await db.get(MessagingStream, stream_id)
            if stream is None or stream.status != "active":
                return
            org_id, last_event_id = stream.org_id, stream.last_event_id or "0"
        config = await load_messaging_config(self.services, org_id)
        if config is None:
            raise GuestIdentityExpired("Live Messaging is no longer configured for this organization")
        tokens = StreamTokens(self.services, stream_id)
        seen = SeenEntries()
        events = consume_stream(
            self.http, config.scrt_url, tokens, config.sf_org_id, last_event_id, backoff=self.backoff
        )
        try:
            async for item in events:
                if isinstance(item, StreamConnected | StreamReconnected):
                    await self._note(
                        stream_id,
                        connected_at=utcnow().isoformat(),
                        reconnected=isinstance(item, StreamReconnected),
                    )
                    # Before reading on, whatever happened while no connection was open comes first.
                    # A failure here raises, and the stream is read again from a fresh connection.
                    async with self.services.session_factory() as db:
                        conversations = [c.conversation_id for c in await stream_conversations(db, stream_id)]
                    for conversation_id in conversations:
                        await reconcile_conversation(
                            self.services, conversation_id, config=config, tokens=tokens, seen=seen
                        )
                    continue
                if item.identifier and item.identifier in seen:
                    continue  # replayed after a reconnect: applied already
                async with self.services.session_factory() as db, db.begin():
                    await apply_event(db, item)
                    if item.event_id and not await save_position(
                        db, stream_id, owner=self.owner, last_event_id=item.event_id
                    ):
                        raise LeaseLost(stream_id)
                seen.add(item.identifier)
                self.events_applied += 1
        finally:
            await events.aclose()

    async def _note(self, stream_id: str, *, reconnected: bool = False, **data: Any) -> None:
        """Record connection state on the row (only while we hold it)."""
        async with self.services.session_factory() as db, db.begin():
            stream = await db.get(MessagingStream, stream_id)
            if stream is None or stream.lease_owner != self.owner:
                raise LeaseLost(stream_id)
            stream.data = {**(stream.data or {}), **data}
            if reconnected:
                stream.reconnects += 1

    async def _close(self, stream_id: str, why: str) -> None:
        async with self.services.session_factory() as db, db.begin():
            stream = await db.get(MessagingStream, stream_id)
            if stream is not None and stream.lease_owner == self.owner:
                stream.status = "closed"
                stream.lease_owner = stream.lease_until = None
                stream.data = {
                    **{k: v for k, v in (stream.data or {}).items() if k != "connected_at"},
                    "closed_because": why,
                }


async def _first_of(*events: asyncio.Event) -> None:
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def run_stream_manager(services: Services, stop: asyncio.Event) -> None:
    """Entry point for ``baton worker`` / ``baton streams``."""
    await StreamManager(services).run(stop)
