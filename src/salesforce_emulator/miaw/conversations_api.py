"""Conversation endpoints: create, list, status, messages, typing, files, entries, close."""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from salesforce_emulator.miaw import entries as wire
from salesforce_emulator.miaw.errors import ApiError
from salesforce_emulator.miaw.request_parsing import (
    ANY_UUID,
    UUID_V4,
    bearer,
    int_param,
    json_object,
    string_map,
)
from salesforce_emulator.miaw.state import Conversation, MiawState
from salesforce_emulator.miaw.tokens import AccessToken

PREFIX = "/iamessage/api/v2/conversation"
MAX_LIMIT = 50
DEFAULT_LIMIT = 20
# Fields outside this set made real create calls fail with 400 (community reports).
CREATE_FIELDS = frozenset({"conversationId", "esDeveloperName", "routingAttributes", "language"})
TYPING_TYPES = frozenset({"TypingStartedIndicator", "TypingStoppedIndicator"})


class ConversationEndpoints:
    """Handlers bound to one emulator state."""

    def __init__(self, state: MiawState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        """Starlette routes; ``/list`` precedes ``/{conversation_id}`` on purpose."""
        return [
            Route(PREFIX, self.create, methods=["POST"]),
            Route(f"{PREFIX}/list", self.list_conversations, methods=["GET"]),
            Route(f"{PREFIX}/{{conversation_id}}", self.status, methods=["GET"]),
            Route(f"{PREFIX}/{{conversation_id}}", self.close, methods=["DELETE"]),
            Route(f"{PREFIX}/{{conversation_id}}/session", self.end_session, methods=["DELETE"]),
            Route(f"{PREFIX}/{{conversation_id}}/message", self.send_message, methods=["POST"]),
            Route(f"{PREFIX}/{{conversation_id}}/entry", self.send_entry, methods=["POST"]),
            Route(f"{PREFIX}/{{conversation_id}}/file", self.upload_file, methods=["POST"]),
            Route(f"{PREFIX}/{{conversation_id}}/entries", self.list_entries, methods=["GET"]),
        ]

    def _own(self, request: Request) -> tuple[AccessToken, Conversation]:
        access = bearer(request, self.state)
        return access, self.state.conversation_for(access.subject, request.path_params["conversation_id"])

    @staticmethod
    def _require_deployment(access: AccessToken, es_developer_name: Any) -> None:
        if es_developer_name != access.es_developer_name:
            raise ApiError(400, "esDeveloperName is required and must match the access token's deployment.")

    async def create(self, request: Request) -> JSONResponse:
        """Create a conversation with a client-generated lowercase UUID v4."""
        access = bearer(request, self.state)
        body = await json_object(request)
        unknown = set(body) - CREATE_FIELDS
        if unknown:
            raise ApiError(400, f"Unrecognized field(s): {', '.join(sorted(unknown))}.")
        conversation_id = body.get("conversationId")
        if not isinstance(conversation_id, str) or not UUID_V4.match(conversation_id):
            raise ApiError(400, "Specify the conversationId in UUID format.")
        self._require_deployment(access, body.get("esDeveloperName"))
        routing = string_map(body.get("routingAttributes"), "routingAttributes")
        deployment = self.state.deployments[access.es_developer_name]
        self.state.create_conversation(access.subject, access.org_id, deployment, conversation_id, routing)
        return JSONResponse({"conversationId": conversation_id}, status_code=201)

    async def list_conversations(self, request: Request) -> JSONResponse:
        """The caller's conversations, newest first."""
        access = bearer(request, self.state)
        limit = self._limit(request)
        include_closed = request.query_params.get("inclClosedConvs", "false").lower() == "true"
        mine = [c for c in self.state.conversations.values() if c.owner_subject == access.subject]
        open_count = sum(1 for c in mine if c.closed_ms is None)
        shown = [c for c in mine if include_closed or c.closed_ms is None]
        shown.sort(key=lambda c: c.created_ms, reverse=True)
        return JSONResponse(
            {
                "openConversationsFound": open_count,
                "closedConversationsFound": len(mine) - open_count if include_closed else 0,
                "conversations": [
                    {
                        "conversationId": c.conversation_id,
                        "startTimestamp": c.created_ms,
                        "endTimestamp": c.closed_ms or 0,
                    }
                    for c in shown[:limit]
                ],
            }
        )

    async def status(self, request: Request) -> JSONResponse:
        """Routing status of one conversation."""
        _, conversation = self._own(request)
        routed = conversation.session.status == "Active"
        return JSONResponse(
            {
                "conversationId": conversation.conversation_id,
                "routingStatus": "ROUTED" if routed else "NEEDS_ROUTING",
            }
        )

    async def close(self, request: Request) -> Response:
        """Close the conversation permanently (end-user initiated)."""
        access, conversation = self._own(request)
        self._require_deployment(access, request.query_params.get("esDeveloperName"))
        self.state.close_conversation(conversation)
        return Response(status_code=204)

    async def end_session(self, request: Request) -> Response:
        """End the messaging session but keep the conversation."""
        access, conversation = self._own(request)
        self._require_deployment(access, request.query_params.get("esDeveloperName"))
        self.state.end_session(conversation, "EndUser")
        return Response(status_code=204)

    async def send_message(self, request: Request) -> JSONResponse:
        """A text message from the end user; 417 when no session is active."""
        access, conversation = self._own(request)
        body = await json_object(request)
        self._require_deployment(access, body.get("esDeveloperName"))
        message = body.get("message")
        if not isinstance(message, dict):
            raise ApiError(400, "message is required.")
        message_id = message.get("id")
        if not isinstance(message_id, str) or not ANY_UUID.match(message_id):
            raise ApiError(400, "message.id must be a UUID.")
        if message.get("messageType") != "StaticContentMessage":
            raise ApiError(400, "Only StaticContentMessage messages are supported.")
        content = message.get("staticContent")
        if not isinstance(content, dict) or content.get("formatType") != "Text":
            raise ApiError(400, 'staticContent.formatType must be "Text".')
        text = content.get("text")
        if not isinstance(text, str) or not text:
            raise ApiError(400, "staticContent.text must be a non-empty string.")
        reply_to = message.get("inReplyToMessageId")
        entry = self.state.end_user_message(
            conversation,
            wire.text_message_payload(message_id, text, reply_to if isinstance(reply_to, str) else None),
            message_id,
            new_session=self._new_session(body),
            routing=string_map(body.get("routingAttributes"), "routingAttributes"),
        )
        return self._accepted(entry)

    async def send_entry(self, request: Request) -> JSONResponse:
        """Typing indicators from the end user."""
        _, conversation = self._own(request)
        body = await json_object(request)
        if body.get("entryType") not in TYPING_TYPES:
            raise ApiError(400, "entryType must be TypingStartedIndicator or TypingStoppedIndicator.")
        if not isinstance(body.get("id"), str) or not ANY_UUID.match(body["id"]):
            raise ApiError(400, "id must be a UUID.")
        conversation.customer_typing = body["entryType"] == "TypingStartedIndicator"
        return JSONResponse({}, status_code=202)

    async def upload_file(self, request: Request) -> JSONResponse:
        """Multipart upload: ``messageEntry`` JSON and ``fileData`` bytes."""
        access, conversation = self._own(request)
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise ApiError(400, "The request must be multipart/form-data.")
        async with request.form(max_files=2, max_fields=2) as form:
            entry_part = form.get("messageEntry")
            file_part = form.get("fileData")
            if isinstance(entry_part, UploadFile):
                entry_raw = (await entry_part.read()).decode("utf-8", "replace")
            else:
                entry_raw = entry_part or ""
            if not isinstance(file_part, UploadFile):
                raise ApiError(400, "fileData is required.")
            data = await file_part.read(self.state.config.max_file_bytes + 1)
            filename = file_part.filename or "file"
            mime = file_part.content_type or "application/octet-stream"
        if len(data) > self.state.config.max_file_bytes:
            raise ApiError(413, "The file exceeds the maximum size.")
        try:
            body = json.loads(entry_raw)
        except ValueError as exc:
            raise ApiError(400, "messageEntry must be JSON.") from exc
        if not isinstance(body, dict) or not isinstance(body.get("message"), dict):
            raise ApiError(400, "messageEntry.message is required.")
        self._require_deployment(access, body.get("esDeveloperName"))
        message = body["message"]
        message_id = message.get("id")
        if not isinstance(message_id, str) or not ANY_UUID.match(message_id):
            raise ApiError(400, "message.id must be a UUID.")
        file_id = message.get("fileId") if isinstance(message.get("fileId"), str) else str(uuid.uuid4())
        conversation.files[file_id] = data
        attachment = {
            "id": file_id,
            "name": filename,
            "mimeType": mime,
            "url": f"/_emulator/miaw/conversations/{conversation.conversation_id}/files/{file_id}",
        }
        caption = message.get("text") if isinstance(message.get("text"), str) else ""
        in_reply_to = message.get("inReplyToMessageId")
        entry = self.state.end_user_message(
            conversation,
            wire.attachment_message_payload(
                message_id, caption, attachment, in_reply_to if isinstance(in_reply_to, str) else None
            ),
            message_id,
            new_session=self._new_session(body),
            routing=string_map(body.get("routingAttributes"), "routingAttributes"),
        )
        return self._accepted(entry)

    async def list_entries(self, request: Request) -> JSONResponse:
        """The transcript, with ``entryPayload`` as a JSON object (unlike SSE)."""
        _, conversation = self._own(request)
        limit = self._limit(request)
        start = int_param(request, "startTimestamp")
        end = int_param(request, "endTimestamp")
        direction = request.query_params.get("direction", "FromEnd")
        if direction not in ("FromStart", "FromEnd"):
            raise ApiError(400, "direction must be FromStart or FromEnd.")
        raw_filter = request.query_params.get("entryTypeFilter", "")
        wanted = {t.strip() for t in raw_filter.split(",") if t.strip()}
        selected = [
            e
            for e in conversation.entries
            if (not wanted or e["entryType"] in wanted)
            and (start is None or e["transcriptedTimestamp"] >= start)
            and (end is None or e["transcriptedTimestamp"] <= end)
        ]
        if direction == "FromEnd":
            selected.reverse()
        return JSONResponse({"conversationEntries": selected[:limit]})

    @staticmethod
    def _limit(request: Request) -> int:
        limit = int_param(request, "limit")
        if limit is None:
            return DEFAULT_LIMIT
        if not 1 <= limit <= MAX_LIMIT:
            raise ApiError(400, f"limit must be between 1 and {MAX_LIMIT}.")
        return limit

    @staticmethod
    def _new_session(body: dict[str, Any]) -> bool:
        value = body.get("isNewMessagingSession", False)
        if not isinstance(value, bool):
            raise ApiError(400, "isNewMessagingSession must be a boolean.")
        return value

    @staticmethod
    def _accepted(entry: dict[str, Any]) -> JSONResponse:
        created = {"id": entry["identifier"], "clientTimestamp": entry["clientTimestamp"]}
        return JSONResponse({"conversationEntries": [created]}, status_code=202)
