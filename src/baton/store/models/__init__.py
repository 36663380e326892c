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
    "Message",
    "Organization",
    "SalesforceCase",
    "Session",
]
