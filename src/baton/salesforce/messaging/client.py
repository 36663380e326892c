"""``MiawClient``: the Messaging for In-App and Web REST calls Baton makes as the end user.

One method per documented operation, an injected ``httpx2.AsyncClient``, no
retries (the job runner owns those), and failures raised as Baton's Salesforce
error family. Every call is reported to ``on_call`` without tokens or text.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx2

from baton.salesforce.messaging.calls import CallRecord, OnCall, report
from baton.salesforce.messaging.errors import IdentityNotVerified, error_for_response, error_for_transport
from baton.salesforce.messaging.events import ConversationEvent, event_from_entry, normalize_entry
from baton.salesforce.messaging.tokens import AccessTokenGrant, parse_token_response

API = "/iamessage/api/v2"
MAX_ENTRIES_PAGE = 50


@dataclass(frozen=True)
class SentEntry:
    """What the server answered for a message or file: the entry id and its timestamp."""

    id: str
    client_timestamp: int | None


class MiawClient:
    """Calls to one Embedded Service deployment's SCRT host."""

    def __init__(
        self,
        http: httpx2.AsyncClient,
        scrt_url: str,
        org_id: str,
        es_developer_name: str,
        *,
        on_call: OnCall | None = None,
        app_name: str = "baton",
        client_version: str = "1",
    ) -> None:
        self._http = http
        self._base = scrt_url.rstrip("/")
        self.org_id = org_id
        self.es_developer_name = es_developer_name
        self._on_call = on_call
        self._app_context = {"appName": app_name, "clientVersion": client_version}

    # -- tokens ------------------------------------------------------------

    def _token_body(self) -> dict[str, Any]:
        return {
            "orgId": self.org_id,
            "esDeveloperName": self.es_developer_name,
            "capabilitiesVersion": "1",
            "platform": "Web",
            "context": self._app_context,
        }

    async def unauthenticated_token(self) -> AccessTokenGrant:
        """A guest token: every call creates a new anonymous identity."""
        body = await self._call(
            "access_token_guest",
            "POST",
            f"{API}/authorization/unauthenticated/access-token",
            json=self._token_body(),
        )
        return parse_token_response(body)

    async def authenticated_token(
        self, identity_jwt: str, *, require_verified: bool = False
    ) -> AccessTokenGrant:
        """A verified-user token; check ``is_authenticated``: failed verification yields a guest.

        With ``require_verified`` an ANON answer raises ``IdentityNotVerified``.
        """
        payload = {**self._token_body(), "authorizationType": "JWT", "customerIdentityToken": identity_jwt}
        body = await self._call(
            "access_token_verified", "POST", f"{API}/authorization/authenticated/access-token", json=payload
        )
        grant = parse_token_response(body)
        if require_verified and not grant.is_authenticated:
            raise IdentityNotVerified(
                "Salesforce did not verify the customer identity token and answered with a guest identity. "
                "Check the keyset issuer, the key id and the registered public key."
            )
        return grant

    async def continuation_token(self, token: str) -> str:
        """A second token for the same subject (same expiry: not a refresh)."""
        body = await self._call(
            "continuation_token", "GET", f"{API}/authorization/continuation-access-token", token=token
        )
        return str(body["accessToken"])

    # -- conversations -----------------------------------------------------

    async def create_conversation(
        self, token: str, conversation_id: str, routing_attributes: dict[str, str] | None = None
    ) -> None:
        """Create a conversation; ``conversation_id`` must be a lowercase UUID v4."""
        body: dict[str, Any] = {"conversationId": conversation_id, "esDeveloperName": self.es_developer_name}
        if routing_attributes:
            body["routingAttributes"] = dict(routing_attributes)
        await self._call("create_conversation", "POST", f"{API}/conversation", token=token, json=body)

    async def send_text(
        self,
        token: str,
        conversation_id: str,
        message_id: str,
        text: str,
        *,
        new_session: bool = False,
        routing_attributes: dict[str, str] | None = None,
        language: str | None = None,
        in_reply_to_message_id: str | None = None,
    ) -> SentEntry:
        """Send a text message as the end user; ``NoActiveSession`` on 417."""
        message: dict[str, Any] = {
            "id": message_id,
            "messageType": "StaticContentMessage",
            "staticContent": {"formatType": "Text", "text": text},
        }
        if in_reply_to_message_id:
            message["inReplyToMessageId"] = in_reply_to_message_id
        body = {"message": message, **self._session_fields(new_session, routing_attributes, language)}
        answer = await self._call(
            "send_message", "POST", f"{API}/conversation/{conversation_id}/message", token=token, json=body
        )
        return _sent_entry(answer, message_id)

    async def send_typing(self, token: str, conversation_id: str, started: bool) -> None:
        """Start or stop the end user's typing indicator."""
        body = {
            "entryType": "TypingStartedIndicator" if started else "TypingStoppedIndicator",
            "id": str(uuid.uuid4()),
        }
        await self._call(
            "send_typing", "POST", f"{API}/conversation/{conversation_id}/entry", token=token, json=body
        )

    async def upload_file(
        self,
        token: str,
        conversation_id: str,
        message_id: str,
        filename: str,
        content: bytes,
        *,
        content_type: str = "application/octet-stream",
        caption: str = "",
        new_session: bool = False,
        routing_attributes: dict[str, str] | None = None,
        language: str | None = None,
    ) -> SentEntry:
        """Upload an attachment (multipart ``messageEntry`` + ``fileData``)."""
        message = {"id": message_id, "fileId": str(uuid.uuid4()), "text": caption}
        entry = {"message": message, **self._session_fields(new_session, routing_attributes, language)}
        files = {
            "messageEntry": (None, json.dumps(entry), "application/json"),
            "fileData": (filename, content, content_type),
        }
        answer = await self._call(
            "upload_file", "POST", f"{API}/conversation/{conversation_id}/file", token=token, files=files
        )
        return _sent_entry(answer, message_id)

    async def list_entries(
        self, token: str, conversation_id: str, *, since_ms: int | None = None, limit: int = MAX_ENTRIES_PAGE
    ) -> list[ConversationEvent]:
        """The transcript oldest first, every page, from ``since_ms`` (inclusive) on.

        Pages overlap on their boundary timestamp; entries are de-duplicated by
        identifier, so the result holds each entry once.
        """
        limit = max(1, min(limit, MAX_ENTRIES_PAGE))
        seen: set[str] = set()
        events: list[ConversationEvent] = []
        start = since_ms
        while True:
            params: dict[str, Any] = {"limit": limit, "direction": "FromStart"}
            if start is not None:
                params["startTimestamp"] = start
            body = await self._call(
                "list_entries",
                "GET",
                f"{API}/conversation/{conversation_id}/entries",
                token=token,
                params=params,
            )
            page = [e for e in (body or {}).get("conversationEntries") or [] if isinstance(e, dict)]
            fresh = []
            for raw in page:
                entry = normalize_entry(conversation_id, raw)
                if entry.identifier in seen:
                    continue
                seen.add(entry.identifier)
                fresh.append(event_from_entry(entry))
            events.extend(fresh)
            stamps = [
                e.entry.transcripted_timestamp for e in fresh if e.entry and e.entry.transcripted_timestamp
            ]
            # Stop on a short page, or when a full page brought nothing new (more
            # than `limit` entries on one millisecond cannot be paged further).
            if len(page) < limit or not fresh or not stamps:
                break
            start = max(stamps)
        events.sort(key=lambda e: (e.entry.transcripted_timestamp or 0) if e.entry else 0)
        return events

    async def end_session(self, token: str, conversation_id: str) -> None:
        """End the messaging session but keep the conversation (204)."""
        await self._call(
            "end_session",
            "DELETE",
            f"{API}/conversation/{conversation_id}/session",
            token=token,
            params={"esDeveloperName": self.es_developer_name},
        )

    async def close_conversation(self, token: str, conversation_id: str) -> None:
        """Close the conversation permanently (204)."""
        await self._call(
            "close_conversation",
            "DELETE",
            f"{API}/conversation/{conversation_id}",
            token=token,
            params={"esDeveloperName": self.es_developer_name},
        )

    # -- plumbing ----------------------------------------------------------

    def _session_fields(
        self, new_session: bool, routing_attributes: dict[str, str] | None, language: str | None
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {"esDeveloperName": self.es_developer_name}
        if new_session:
            # Pre-chat values belong to a session, so a new session needs them again.
            fields["isNewMessagingSession"] = True
            fields["routingAttributes"] = dict(routing_attributes or {})
            if language:
                fields["language"] = language
        return fields

    async def _call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        params: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        started = time.perf_counter()
        status: int | None = None
        error_code: str | None = None
        try:
            try:
                response = await self._http.request(
                    method, self._base + path, json=json, params=params, files=files, headers=headers
                )
            except httpx2.TransportError as exc:
                error = error_for_transport(exc, operation, method)
                error_code = error.error_code
                raise error from exc
            status = response.status_code
            if not response.is_success:
                failure = error_for_response(response, operation)
                error_code = type(failure).__name__
                raise failure
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                return None
        finally:
            report(
                self._on_call,
                CallRecord(
                    operation=operation,
                    method=method,
                    path=path,
                    status=status,
                    duration_ms=(time.perf_counter() - started) * 1000,
                    error_code=error_code,
                ),
            )


def _sent_entry(body: Any, fallback_id: str) -> SentEntry:
    # The body is not documented; tolerate its absence.
    entries = body.get("conversationEntries") if isinstance(body, dict) else None
    if isinstance(entries, list) and entries and isinstance(entries[0], dict):
        first = entries[0]
        stamp = first.get("clientTimestamp")
        return SentEntry(str(first.get("id") or fallback_id), stamp if isinstance(stamp, int) else None)
    return SentEntry(fallback_id, None)
