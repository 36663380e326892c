"""The emulated org's messaging state: deployments, conversations, sessions, entries.

Everything runs on the server's event loop, so plain dicts are enough. Rep-side
actions (accept, reply, end) come from the admin API and the console page.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from salesforce_emulator.miaw import entries as wire
from salesforce_emulator.miaw.bus import EventBus
from salesforce_emulator.miaw.config import DeploymentConfig, MiawConfig
from salesforce_emulator.miaw.errors import ApiError
from salesforce_emulator.miaw.tokens import AccessTokens, RateLimiter
from salesforce_emulator.miaw.verification import validate_uploaded_jwk


def org_ids_match(a: str, b: str) -> bool:
    """15- and 18-character forms of one org id are the same org."""
    return len(a) in (15, 18) and len(b) in (15, 18) and a[:15] == b[:15]


def _record_id(prefix: str) -> str:
    # Salesforce ids are 18 chars: a 3-char key prefix then base62-ish characters.
    return prefix + secrets.token_hex(8)[:15].upper()


@dataclass
class Session:
    """One messaging session inside a conversation (Waiting -> Active -> Ended)."""

    session_id: str
    routing_attributes: dict[str, str]
    started_ms: int
    status: str = "Waiting"
    agent_name: str | None = None
    agent_subject: str | None = None
    ended_by: str | None = None


@dataclass
class Conversation:
    """A conversation owned by one end-user subject."""

    conversation_id: str
    org_id: str
    deployment: DeploymentConfig
    owner_subject: str
    channel_address_identifier: str
    created_ms: int
    sessions: list[Session] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    message_ids: set[str] = field(default_factory=set)
    closed_ms: int | None = None
    last_timestamp_ms: int = 0
    customer_typing: bool = False
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def session(self) -> Session:
        """The newest session."""
        return self.sessions[-1]

    def next_timestamp(self, now_ms: int) -> int:
        # Strictly increasing per conversation so timestamp paging is unambiguous.
        self.last_timestamp_ms = max(now_ms, self.last_timestamp_ms + 1)
        return self.last_timestamp_ms


class MiawState:
    """All mutable state of the emulated SCRT host."""

    def __init__(self, config: MiawConfig) -> None:
        self.config = config
        # A copy of the settings as created, restored by reset().
        self._initial_config = dataclasses.replace(config)
        self.tokens = AccessTokens(config.access_token_ttl_seconds, config.clock)
        self.token_limiter = RateLimiter(config.token_requests_per_minute, config.clock)
        self.bus = EventBus(config.retained_events_per_subject)
        self.deployments: dict[str, DeploymentConfig] = {}
        self.conversations: dict[str, Conversation] = {}
        #: The MessagingChannel record id of each deployment (stable per name).
        self.channel_ids: dict[str, str] = {}
        #: Forced 429 answers still to give on /iamessage calls (fault injection).
        self.forced_429 = 0
        for deployment in config.deployments:
            self.register_deployment(deployment)

    def reset(self) -> None:
        """Back to a fresh org: no deployments or conversations, initial settings, old tokens invalid."""
        for config_field in dataclasses.fields(self.config):
            setattr(self.config, config_field.name, getattr(self._initial_config, config_field.name))
        self.bus.clear()
        self.tokens.expire_all()
        self.token_limiter = RateLimiter(self.config.token_requests_per_minute, self.config.clock)
        self.deployments.clear()
        self.conversations.clear()
        self.channel_ids.clear()
        self.forced_429 = 0
        for deployment in self.config.deployments:
            self.register_deployment(deployment)

    # -- clock --------------------------------------------------------------

    def now_ms(self) -> int:
        """Emulator time in epoch milliseconds."""
        return int(self.config.clock() * 1000)

    def monotonic(self) -> float:
        """For stream deadlines (never the injectable clock: tests may freeze it)."""
        return time.monotonic()

    # -- deployments --------------------------------------------------------

    def register_deployment(self, deployment: DeploymentConfig) -> None:
        """Add or replace a deployment; uploaded JWKs are validated like Setup does."""
        if not (deployment.org_id.startswith("00D") and len(deployment.org_id) in (15, 18)):
            raise ApiError(400, "orgId must be a 15- or 18-character org id starting with 00D.")
        if not deployment.es_developer_name:
            raise ApiError(400, "esDeveloperName is required.")
        if deployment.keyset is not None:
            try:
                deployment.keyset.jwks = [validate_uploaded_jwk(k) for k in deployment.keyset.jwks]
            except ValueError as exc:
                raise ApiError(400, str(exc)) from exc
        self.deployments[deployment.es_developer_name] = deployment
        self.channel_ids.setdefault(deployment.es_developer_name, _record_id("0Mj"))

    def find_deployment(self, org_id: Any, es_developer_name: Any) -> DeploymentConfig:
        """The deployment named in a request body, or 400 as Salesforce answers."""
        deployment = self.deployments.get(str(es_developer_name))
        if deployment is None or not isinstance(org_id, str) or not org_ids_match(org_id, deployment.org_id):
            raise ApiError(400, "No Embedded Service deployment matches orgId and esDeveloperName.")
        return deployment

    # -- conversations ------------------------------------------------------

    def conversation_for(self, subject: str, conversation_id: str) -> Conversation:
        """A conversation the caller owns, or 404."""
        conversation = self.conversations.get(conversation_id)
        if conversation is None or conversation.owner_subject != subject:
            raise ApiError(404, "The conversation was not found.")
        return conversation

    def create_conversation(
        self,
        subject: str,
        org_id: str,
        deployment: DeploymentConfig,
        conversation_id: str,
        routing: dict[str, str],
    ) -> Conversation:
        """Create a conversation and its first session, then route it."""
        if conversation_id in self.conversations:
            raise ApiError(409, "A conversation with this conversationId already exists.")
        conversation = Conversation(
            conversation_id=conversation_id,
            org_id=org_id,
            deployment=deployment,
            owner_subject=subject,
            channel_address_identifier=self.channel_ids[deployment.es_developer_name],
            created_ms=self.now_ms(),
        )
        self.conversations[conversation_id] = conversation
        self._start_session(conversation, routing)
        return conversation

    def _start_session(self, conversation: Conversation, routing: dict[str, str]) -> None:
        session = Session(_record_id("0Mw"), dict(routing), self.now_ms())
        conversation.sessions.append(session)
        wait = conversation.deployment.estimated_wait_seconds
        self.append(
            conversation,
            "RoutingResult",
            {
                "recordId": session.session_id,
                "pendingServiceRoutingId": _record_id("0JR"),
                "routingType": "Initial",
                "failureType": "None",
                "failureReason": None,
                "errorMessages": [],
                "estimatedWaitTime": {"estimatedWaitTimeInSeconds": wait, "isEWTRequested": wait is not None},
                "isExternallyRouted": False,
                "cancelReason": None,
                "workOwnerId": None,
                "routingConfigurationDetails": {
                    "routingConfigurationType": "Flow",
                    "queueId": "00G000000000001",
                },
            },
            role="Router",
            subject="v2/iamessage/ROUTER",
            app_type="conversation",
            display_name="Automated Process",
        )

    def end_user_message(
        self,
        conversation: Conversation,
        payload: dict[str, Any],
        message_id: str,
        *,
        new_session: bool,
        routing: dict[str, str] | None,
    ) -> dict[str, Any]:
        """Record a message from the end user (text or attachment)."""
        if conversation.closed_ms is not None:
            raise ApiError(400, "The conversation is closed.")
        if message_id in conversation.message_ids:
            raise ApiError(409, "A message with this id already exists in the conversation.")
        if conversation.session.status == "Ended":
            if not new_session:
                raise ApiError(417, "The message failed because no messaging session is active.")
            self._start_session(conversation, routing if routing is not None else {})
        conversation.message_ids.add(message_id)
        conversation.customer_typing = False
        return self.append(
            conversation,
            "Message",
            payload,
            role="EndUser",
            subject=conversation.owner_subject,
            app_type="iamessage",
            display_name="Guest",
            identifier=message_id,
        )

    def end_session(self, conversation: Conversation, ended_by: str) -> None:
        """End the current session (by the end user's DELETE or the rep's End Chat)."""
        session = conversation.session
        if session.status == "Ended":
            return
        session.status = "Ended"
        session.ended_by = ended_by
        self.append(
            conversation,
            "SessionStatusChanged",
            {"sessionStatus": "Ended", "sessionEndedByRole": ended_by, "sessionId": session.session_id},
            role="System",
            subject="v2/iamessage/SYSTEM",
            app_type="conversation",
            display_name="System",
        )
        if session.agent_subject is not None:
            self._participant(conversation, "remove", session.agent_name or "Agent", session.agent_subject)

    def close_conversation(self, conversation: Conversation) -> None:
        """Close for good; only end-user closes produce CloseConversation."""
        if conversation.closed_ms is not None:
            return
        self.end_session(conversation, "EndUser")
        conversation.closed_ms = self.now_ms()
        self.append(
            conversation,
            "CloseConversation",
            {},
            role="EndUser",
            subject=conversation.owner_subject,
            app_type="iamessage",
            display_name="Guest",
        )

    # -- rep side -----------------------------------------------------------

    def accept(self, conversation: Conversation, display_name: str) -> None:
        """A rep accepts the waiting work item: joins, session becomes Active."""
        session = conversation.session
        if session.status != "Waiting":
            raise ApiError(409, f"The session is {session.status}, not Waiting.")
        session.status = "Active"
        session.agent_name = display_name
        session.agent_subject = f"v2/iamessage/AGENT/{_record_id('005')}"
        self._participant(conversation, "add", display_name, session.agent_subject)
        self.append(
            conversation,
            "SessionStatusChanged",
            {"sessionStatus": "Active", "sessionId": session.session_id},
            role="System",
            subject="v2/iamessage/SYSTEM",
            app_type="conversation",
            display_name="System",
        )

    def agent_message(self, conversation: Conversation, text: str) -> dict[str, Any]:
        """The accepted rep writes to the customer."""
        session = self._active_session(conversation)
        message_id = str(uuid.uuid4())
        return self.append(
            conversation,
            "Message",
            wire.text_message_payload(message_id, text),
            role="Agent",
            subject=session.agent_subject or "",
            app_type="agent",
            display_name=session.agent_name or "Agent",
            identifier=message_id,
        )

    def agent_typing(self, conversation: Conversation, started: bool) -> None:
        """The rep starts or stops typing (transient, not in the transcript)."""
        session = self._active_session(conversation)
        self.append(
            conversation,
            "TypingStartedIndicator" if started else "TypingStoppedIndicator",
            {},
            role="Agent",
            subject=session.agent_subject or "",
            app_type="agent",
            display_name=session.agent_name or "Agent",
        )

    def _active_session(self, conversation: Conversation) -> Session:
        if conversation.session.status != "Active":
            raise ApiError(409, "No rep has accepted the current session.")
        return conversation.session

    def _participant(self, conversation: Conversation, operation: str, name: str, agent_subject: str) -> None:
        self.append(
            conversation,
            "ParticipantChanged",
            {
                "entries": [
                    {
                        "operation": operation,
                        "displayName": name,
                        "menuMetadata": None,
                        "participant": wire.participant("Agent", agent_subject, "agent"),
                    }
                ]
            },
            role="System",
            subject="v2/iamessage/SYSTEM",
            app_type="conversation",
            display_name="System",
        )

    # -- entries and events ---------------------------------------------------

    def append(
        self,
        conversation: Conversation,
        entry_type: str,
        payload: dict[str, Any],
        *,
        role: str,
        subject: str,
        app_type: str,
        display_name: str,
        identifier: str | None = None,
        event_name: str | None = None,
    ) -> dict[str, Any]:
        """Add an entry to the transcript (if persisted) and publish it on SSE."""
        entry = wire.make_entry(
            entry_type,
            payload,
            sender=wire.participant(role, subject, app_type),
            display_name=display_name,
            timestamp_ms=conversation.next_timestamp(self.now_ms()),
            session_id=conversation.session.session_id,
            identifier=identifier,
        )
        if entry_type in wire.PERSISTED_TYPES:
            conversation.entries.append(entry)
        name = event_name or wire.EVENT_NAMES.get(entry_type, f"CONVERSATION_{entry_type.upper()}")
        data = wire.sse_envelope(
            entry,
            conversation_id=conversation.conversation_id,
            channel_platform_key=conversation.owner_subject,
            channel_address_identifier=conversation.channel_address_identifier,
        )
        self.bus.publish(conversation.owner_subject, name, data)
        return entry
