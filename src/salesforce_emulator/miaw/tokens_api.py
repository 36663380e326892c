"""Access-token endpoints (guest, verified user, continuation)."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from salesforce_emulator.miaw.config import DeploymentConfig
from salesforce_emulator.miaw.errors import ApiError
from salesforce_emulator.miaw.request_parsing import bearer, json_object, raise_if_forced_429
from salesforce_emulator.miaw.state import MiawState
from salesforce_emulator.miaw.verification import VerificationError, verify_identity_token

PREFIX = "/iamessage/api/v2/authorization"


class TokenEndpoints:
    """Handlers bound to one emulator state."""

    def __init__(self, state: MiawState) -> None:
        self.state = state
        #: Why the last identity token failed (the real org keeps this to itself).
        self.last_verification_error: str | None = None

    def routes(self) -> list[Route]:
        """Starlette routes of the token endpoints."""
        return [
            Route(f"{PREFIX}/unauthenticated/access-token", self.unauthenticated, methods=["POST"]),
            Route(f"{PREFIX}/authenticated/access-token", self.authenticated, methods=["POST"]),
            Route(f"{PREFIX}/continuation-access-token", self.continuation, methods=["GET"]),
        ]

    async def unauthenticated(self, request: Request) -> JSONResponse:
        """Guest token: a new ANON identity every time."""
        body = await json_object(request)
        deployment = self._admit(body)
        return self._grant(body["orgId"], deployment, self._anonymous_subject(), authenticated=False)

    async def authenticated(self, request: Request) -> JSONResponse:
        """Verified-user token; verification failures fall back to a guest (configurable)."""
        body = await json_object(request)
        deployment = self._admit(body)
        if body.get("authorizationType") != "JWT":
            raise ApiError(400, 'authorizationType must be "JWT".')
        identity = body.get("customerIdentityToken")
        if not isinstance(identity, str) or not identity:
            raise ApiError(400, "customerIdentityToken is required.")
        keyset = deployment.keyset
        try:
            if keyset is None:
                raise VerificationError("the deployment has no User Verification keyset")
            sub = await verify_identity_token(
                identity, keyset, now=self.state.config.clock(), audience=self.state.config.required_audience
            )
        except VerificationError as exc:
            self.last_verification_error = str(exc)
            if self.state.config.verification_failure == "reject":
                raise ApiError(401, "The customer identity token could not be verified.") from exc
            # Documented by the field: a silent 200 with a guest identity.
            return self._grant(body["orgId"], deployment, self._anonymous_subject(), authenticated=False)
        self.last_verification_error = None
        assert keyset is not None
        subject = f"v2/iamessage/AUTH/{keyset.name}/uid:{sub}"
        return self._grant(body["orgId"], deployment, subject, authenticated=True)

    async def continuation(self, request: Request) -> JSONResponse:
        """Same subject, new client id, same expiry (not a refresh)."""
        access = bearer(request, self.state)
        token = self.state.tokens.issue(
            access.subject, access.org_id, access.es_developer_name, expires_at=access.expires_at
        )
        return JSONResponse({"accessToken": token, "lastEventId": str(self.state.bus.last_id)})

    def _admit(self, body: dict[str, Any]) -> DeploymentConfig:
        raise_if_forced_429(self.state)
        for name in ("orgId", "esDeveloperName", "capabilitiesVersion", "platform"):
            if not isinstance(body.get(name), str) or not body[name]:
                raise ApiError(400, f"{name} is required and must be a string.")
        deployment = self.state.find_deployment(body["orgId"], body["esDeveloperName"])
        if not self.state.token_limiter.allow(deployment.org_id[:15]):
            raise ApiError(429, "Access token request limit exceeded for this org.")
        return deployment

    @staticmethod
    def _anonymous_subject() -> str:
        return f"v2/iamessage/ANON/{uuid.uuid4()}"

    def _grant(
        self, org_id: str, deployment: DeploymentConfig, subject: str, *, authenticated: bool
    ) -> JSONResponse:
        token = self.state.tokens.issue(subject, org_id, deployment.es_developer_name)
        fields = [
            {
                "name": name,
                "labels": {"label": name},
                "isHidden": True,
                "order": index + 1,
                "type": "Text",
                "required": False,
                "maxLength": 255,
            }
            for index, name in enumerate(deployment.hidden_prechat_fields)
        ]
        config = {
            "name": deployment.es_developer_name,
            "deploymentType": "api",
            "embeddedServiceMessagingChannel": {
                "channelAddressIdentifier": self.state.channel_ids[deployment.es_developer_name],
                "authMode": "Auth" if authenticated else "UnAuth",
            },
            "forms": [{"displayContext": "Conversation", "formFields": fields}],
            "choiceListConfig": {"choiceList": []},
        }
        return JSONResponse(
            {
                "accessToken": token,
                "lastEventId": str(self.state.bus.last_id),
                "context": {
                    "deviceId": str(uuid.uuid4()),
                    "endUser": {"subject": subject},
                    "configuration": {"embeddedServiceConfig": config},
                },
            }
        )
