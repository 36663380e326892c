"""Messaging for In-App and Web (MIAW): Baton's client for live handoffs.

- ``keys`` / ``identity``: RSA keys, JWKs and the ``customerIdentityToken``.
- ``client.MiawClient``: tokens, conversations, messages, typing, files, entries.
- ``events``: typed conversation events from SSE frames and ``/entries``.
- ``sse.consume_stream``: the event stream with reconnects.
- ``errors``: ``NoActiveSession``, ``AlreadyExists``, ``IdentityNotVerified`` on top of
  ``baton.salesforce.errors``.
"""

from baton.salesforce.messaging.calls import CallRecord
from baton.salesforce.messaging.client import MiawClient, SentEntry
from baton.salesforce.messaging.errors import AlreadyExists, IdentityNotVerified, NoActiveSession
from baton.salesforce.messaging.events import (
    CloseConversationEvent,
    ConversationEntry,
    ConversationEvent,
    MessageEvent,
    ParticipantChangedEvent,
    RoutingResultEvent,
    SessionStatusChangedEvent,
    TypingIndicatorEvent,
    UnknownEvent,
)
from baton.salesforce.messaging.sse import (
    Backoff,
    MessagingStream,
    StreamConnected,
    StreamReconnected,
    TokenProvider,
    consume_stream,
)
from baton.salesforce.messaging.tokens import AccessTokenGrant

__all__ = [
    "AccessTokenGrant",
    "AlreadyExists",
    "Backoff",
    "CallRecord",
    "CloseConversationEvent",
    "ConversationEntry",
    "ConversationEvent",
    "IdentityNotVerified",
    "MessageEvent",
    "MessagingStream",
    "MiawClient",
    "NoActiveSession",
    "ParticipantChangedEvent",
    "RoutingResultEvent",
    "SentEntry",
    "SessionStatusChangedEvent",
    "StreamConnected",
    "StreamReconnected",
    "TokenProvider",
    "TypingIndicatorEvent",
    "UnknownEvent",
    "consume_stream",
]
