"""Every table, imported here so that ``Base.metadata`` is complete."""

from baton.store.models.core import (
    ApiKey,
    Contact,
    DebugEvent,
    EmailAddress,
    EmailMessageId,
    InboundEvent,
    Integration,
    Message,
    Organization,
    SalesforceCase,
    Session,
)
from baton.store.models.jobs import Job, JobAttempt
from baton.store.models.knowledge import KnowledgeChunk, KnowledgeSource, KnowledgeVersion
from baton.store.models.live import LiveEvent, MessagingConversation, MessagingStream

__all__ = [
    "ApiKey",
    "Contact",
    "DebugEvent",
    "EmailAddress",
    "EmailMessageId",
    "InboundEvent",
    "Integration",
    "Job",
    "JobAttempt",
    "KnowledgeChunk",
    "KnowledgeSource",
    "KnowledgeVersion",
    "LiveEvent",
    "Message",
    "MessagingConversation",
    "MessagingStream",
    "Organization",
    "SalesforceCase",
    "Session",
]
