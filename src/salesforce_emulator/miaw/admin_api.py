"""``/_emulator/miaw/...``: the rep's side and the knobs, as a JSON API.

Tests and the demo drive the "Salesforce console" through these endpoints:
register deployments and User Verification keys, look at the Omni-Channel
queue, accept work as a rep, reply, type, end the chat, and inject faults.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from salesforce_emulator.miaw import entries as wire
from salesforce_emulator.miaw.config import DeploymentConfig, KeysetConfig
from salesforce_emulator.miaw.errors import ApiError
from salesforce_emulator.miaw.request_parsing import json_object
from salesforce_emulator.miaw.sse_api import SseEndpoint
from salesforce_emulator.miaw.state import Conversation, MiawState
from salesforce_emulator.miaw.tokens_api import TokenEndpoints
from salesforce_emulator.miaw.verification import validate_uploaded_jwk

ADMIN_PREFIX = "/_emulator/miaw"


def _optional_float(body: dict[str, Any], name: str) -> float | None:
    value = body[name]
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise ApiError(400, f"{name} must be a non-negative number or null.")
    return float(value)


def deployment_from_json(body: dict[str, Any]) -> DeploymentConfig:
    """Parse the admin API's deployment document."""
    keyset_doc = body.get("keyset")
    keyset = None
    if keyset_doc is not None:
        if not isinstance(keyset_doc, dict) or not keyset_doc.get("name") or not keyset_doc.get("issuer"):
            raise ApiError(400, "keyset needs a name and an issuer.")
        keys = keyset_doc.get("keys", [])
        if not isinstance(keys, list):
            raise ApiError(400, "keyset.keys must be a list of JWK objects.")
        keyset = KeysetConfig(
            name=str(keyset_doc["name"]),
            issuer=str(keyset_doc["issuer"]),
            jwks=list(keys),
            jwks_url=keyset_doc.get("jwksUrl"),
        )
    hidden = body.get("hiddenPrechatFields", [])
    if not isinstance(hidden, list) or not all(isinstance(h, str) for h in hidden):
        raise ApiError(400, "hiddenPrechatFields must be a list of names.")
    wait = body.get("estimatedWaitSeconds", 60)
    return DeploymentConfig(
        org_id=str(body.get("orgId", "")),
        es_developer_name=str(body.get("esDeveloperName", "")),
        hidden_prechat_fields=list(hidden),
        keyset=keyset,
        estimated_wait_seconds=wait if isinstance(wait, int) else None,
    )


def conversation_summary(conversation: Conversation) -> dict[str, Any]:
    """What the rep's console shows for one conversation."""
    session = conversation.session
    return {
        "conversationId": conversation.conversation_id,
        "esDeveloperName": conversation.deployment.es_developer_name,
        "endUserSubject": conversation.owner_subject,
        "sessionId": session.session_id,
        "status": session.status,
        "agentName": session.agent_name,
        "endedByRole": session.ended_by,
        "routingAttributes": session.routing_attributes,
        "customerTyping": conversation.customer_typing,
        "closed": conversation.closed_ms is not None,
        "createdTimestamp": conversation.created_ms,
        "transcript": [
            {
                "identifier": e["identifier"],
                "entryType": e["entryType"],
                "role": e["sender"]["role"],
                "displayName": e["senderDisplayName"],
                "text": wire.message_text(e) if e["entryType"] == "Message" else "",
                "timestamp": e["transcriptedTimestamp"],
            }
            for e in conversation.entries
        ],
    }


class AdminEndpoints:
    """Admin handlers bound to one emulator state."""

    def __init__(self, state: MiawState, tokens: TokenEndpoints, sse: SseEndpoint) -> None:
        self.state = state
        self.tokens = tokens
        self.sse = sse

    def routes(self) -> list[Route]:
        """Starlette routes under ``/_emulator/miaw``."""
        p = ADMIN_PREFIX
        return [
            Route(f"{p}/deployments", self.register_deployment, methods=["POST"]),
            Route(f"{p}/deployments", self.list_deployments, methods=["GET"]),
            Route(f"{p}/deployments/{{name}}/keys", self.add_key, methods=["POST"]),
            Route(f"{p}/queue", self.queue, methods=["GET"]),
            Route(f"{p}/conversations/{{conversation_id}}", self.conversation, methods=["GET"]),
            Route(f"{p}/conversations/{{conversation_id}}/accept", self.accept, methods=["POST"]),
            Route(f"{p}/conversations/{{conversation_id}}/messages", self.agent_message, methods=["POST"]),
            Route(f"{p}/conversations/{{conversation_id}}/typing", self.agent_typing, methods=["POST"]),
            Route(f"{p}/conversations/{{conversation_id}}/end", self.end_chat, methods=["POST"]),
            Route(f"{p}/conversations/{{conversation_id}}/events", self.inject_event, methods=["POST"]),
            Route(f"{p}/conversations/{{conversation_id}}/files/{{file_id}}", self.file, methods=["GET"]),
            Route(f"{p}/faults", self.faults, methods=["GET"]),
            Route(f"{p}/faults", self.set_faults, methods=["POST"]),
            Route(f"{p}/faults/drop-streams", self.drop_streams, methods=["POST"]),
            Route(f"{p}/faults/expire-tokens", self.expire_tokens, methods=["POST"]),
            Route(f"{p}/stats", self.stats, methods=["GET"]),
            Route(f"{p}/reset", self.reset, methods=["POST"]),
        ]

    def _conversation(self, request: Request) -> Conversation:
        conversation = self.state.conversations.get(request.path_params["conversation_id"])
        if conversation is None:
            raise ApiError(404, "The conversation was not found.")
        return conversation

    async def register_deployment(self, request: Request) -> JSONResponse:
        """Register (or replace) a deployment with its keyset."""
        deployment = deployment_from_json(await json_object(request))
        self.state.register_deployment(deployment)
        return JSONResponse(
            {
                "esDeveloperName": deployment.es_developer_name,
                "channelAddressIdentifier": self.state.channel_ids[deployment.es_developer_name],
            },
            status_code=201,
        )

    async def list_deployments(self, request: Request) -> JSONResponse:
        """Registered deployments and their keysets (public keys only)."""
        return JSONResponse(
            [
                {
                    "orgId": d.org_id,
                    "esDeveloperName": d.es_developer_name,
                    "hiddenPrechatFields": d.hidden_prechat_fields,
                    "keyset": None
                    if d.keyset is None
                    else {
                        "name": d.keyset.name,
                        "issuer": d.keyset.issuer,
                        "kids": [k.get("kid") for k in d.keyset.jwks],
                        "jwksUrl": d.keyset.jwks_url,
                    },
                }
                for d in self.state.deployments.values()
            ]
        )

    async def add_key(self, request: Request) -> JSONResponse:
        """Upload one JWK to the deployment's keyset (arrays are refused, as in Setup)."""
        deployment = self.state.deployments.get(request.path_params["name"])
        if deployment is None or deployment.keyset is None:
            raise ApiError(404, "No deployment with a keyset has that name.")
        try:
            body: Any = (await request.json()) if await request.body() else None
            jwk = validate_uploaded_jwk(body)
        except ValueError as exc:
            raise ApiError(400, str(exc)) from exc
        deployment.keyset.jwks = [k for k in deployment.keyset.jwks if k.get("kid") != jwk["kid"]] + [jwk]
        return JSONResponse({"kid": jwk["kid"]}, status_code=201)

    async def queue(self, request: Request) -> JSONResponse:
        """Conversations, oldest first; ``?status=Waiting`` narrows to the Omni-Channel queue."""
        wanted = request.query_params.get("status")
        items = [
            conversation_summary(c)
            for c in sorted(self.state.conversations.values(), key=lambda c: c.created_ms)
            if wanted is None or c.session.status == wanted
        ]
        return JSONResponse({"conversations": items})

    async def conversation(self, request: Request) -> JSONResponse:
        """One conversation, with raw entries as the REST API stores them."""
        conversation = self._conversation(request)
        return JSONResponse({**conversation_summary(conversation), "entries": conversation.entries})

    async def accept(self, request: Request) -> JSONResponse:
        """Accept the waiting session as a rep with a display name."""
        body = await json_object(request)
        name = body.get("displayName")
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, "displayName is required.")
        conversation = self._conversation(request)
        self.state.accept(conversation, name.strip())
        return JSONResponse(conversation_summary(conversation))

    async def agent_message(self, request: Request) -> JSONResponse:
        """Send a message as the accepted rep."""
        body = await json_object(request)
        text = body.get("text")
        if not isinstance(text, str) or not text:
            raise ApiError(400, "text is required.")
        entry = self.state.agent_message(self._conversation(request), text)
        return JSONResponse({"identifier": entry["identifier"]}, status_code=201)

    async def agent_typing(self, request: Request) -> Response:
        """Start or stop the rep's typing indicator."""
        body = await json_object(request)
        self.state.agent_typing(self._conversation(request), bool(body.get("started", True)))
        return Response(status_code=204)

    async def end_chat(self, request: Request) -> Response:
        """The rep clicks End Chat: SessionStatusChanged Ended + ParticipantChanged remove."""
        self.state.end_session(self._conversation(request), "Agent")
        return Response(status_code=204)

    async def inject_event(self, request: Request) -> JSONResponse:
        """Emit an arbitrary entry (e.g. a future event type clients must ignore)."""
        body = await json_object(request)
        entry_type = body.get("entryType")
        payload = body.get("payload", {})
        if not isinstance(entry_type, str) or not isinstance(payload, dict):
            raise ApiError(400, "entryType (string) and payload (object) are required.")
        event_name = body.get("eventName")
        entry = self.state.append(
            self._conversation(request),
            entry_type,
            payload,
            role=str(body.get("role", "System")),
            subject="v2/iamessage/SYSTEM",
            app_type="conversation",
            display_name=str(body.get("displayName", "System")),
            event_name=event_name if isinstance(event_name, str) else None,
        )
        return JSONResponse({"identifier": entry["identifier"]}, status_code=201)

    async def file(self, request: Request) -> Response:
        """Download an uploaded attachment."""
        data = self._conversation(request).files.get(request.path_params["file_id"])
        if data is None:
            raise ApiError(404, "The file was not found.")
        return Response(data, media_type="application/octet-stream")

    def _fault_document(self) -> dict[str, Any]:
        config = self.state.config
        return {
            "dropStreamsEverySeconds": config.drop_streams_every_seconds,
            "eventDelaySeconds": config.event_delay_seconds,
            "replayOnReconnect": config.replay_on_reconnect,
            "tokenRequestsPerMinute": self.state.token_limiter.per_minute,
            "force429": self.state.forced_429,
            "verificationFailure": config.verification_failure,
            "pingIntervalSeconds": config.ping_interval_seconds,
            "sseRetryMs": config.sse_retry_ms,
        }

    async def faults(self, request: Request) -> JSONResponse:
        """The current fault settings."""
        return JSONResponse(self._fault_document())

    async def set_faults(self, request: Request) -> JSONResponse:
        """Change any subset of the fault settings; applies to new streams and calls."""
        body = await json_object(request)
        config = self.state.config
        if "dropStreamsEverySeconds" in body:
            config.drop_streams_every_seconds = _optional_float(body, "dropStreamsEverySeconds")
        if "eventDelaySeconds" in body:
            config.event_delay_seconds = _optional_float(body, "eventDelaySeconds") or 0.0
        if "pingIntervalSeconds" in body:
            config.ping_interval_seconds = _optional_float(body, "pingIntervalSeconds") or 15.0
        if "replayOnReconnect" in body:
            config.replay_on_reconnect = bool(body["replayOnReconnect"])
        if "tokenRequestsPerMinute" in body:
            self.state.token_limiter.per_minute = int(body["tokenRequestsPerMinute"])
        if "force429" in body:
            self.state.forced_429 = int(body["force429"])
        if "verificationFailure" in body:
            if body["verificationFailure"] not in ("anonymous", "reject"):
                raise ApiError(400, 'verificationFailure must be "anonymous" or "reject".')
            config.verification_failure = body["verificationFailure"]
        if "sseRetryMs" in body:
            retry = body["sseRetryMs"]
            config.sse_retry_ms = int(retry) if retry is not None else None
        return JSONResponse(self._fault_document())

    async def drop_streams(self, request: Request) -> Response:
        """Close every open SSE stream now."""
        self.state.bus.drop_all_streams()
        return Response(status_code=204)

    async def expire_tokens(self, request: Request) -> Response:
        """Make every access token issued so far answer 401."""
        self.state.tokens.expire_all()
        return Response(status_code=204)

    async def reset(self, request: Request) -> Response:
        """Forget everything (deployments, conversations, faults); old tokens stop working."""
        self.state.reset()
        self.tokens.last_verification_error = None
        return Response(status_code=204)

    async def stats(self, request: Request) -> JSONResponse:
        """Counters useful to tests: streams, connections, last event id, last verification error."""
        return JSONResponse(
            {
                "openStreams": self.sse.open_streams,
                "sseConnections": self.sse.connections,
                "lastEventId": self.state.bus.last_id,
                "lastVerificationError": self.tokens.last_verification_error,
            }
        )
