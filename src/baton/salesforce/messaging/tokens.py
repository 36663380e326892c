"""Access-token responses from the SCRT host, parsed into ``AccessTokenGrant``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import jwt

from baton.salesforce.errors import Permanent


@dataclass(frozen=True)
class AccessTokenGrant:
    """An access token plus what the response said about the end user.

    ``is_authenticated`` comes from the subject (``.../AUTH/...``), not from which
    endpoint was called: Salesforce silently answers a failed verification with
    a guest (``.../ANON/...``) token. ``expires_at`` is the JWT's ``exp``, read
    without verifying the signature (the token is Salesforce's, not ours).
    """

    access_token: str = field(repr=False)
    last_event_id: str
    subject: str
    is_authenticated: bool
    expires_at: dt.datetime | None
    context: dict[str, Any] = field(repr=False)

    @property
    def hidden_prechat_fields(self) -> list[str]:
        """Names of the hidden pre-chat fields the deployment declares."""
        config = self.context.get("configuration", {}).get("embeddedServiceConfig", {})
        names: list[str] = []
        for form in config.get("forms") or []:
            for form_field in form.get("formFields") or []:
                if form_field.get("isHidden") and form_field.get("name"):
                    names.append(str(form_field["name"]))
        return names

    def expires_within(self, seconds: float, *, now: dt.datetime | None = None) -> bool:
        """True when the token expires in less than ``seconds`` (re-mint early)."""
        if self.expires_at is None:
            return False
        current = now or dt.datetime.now(dt.UTC)
        return self.expires_at - current < dt.timedelta(seconds=seconds)


def parse_token_response(body: Any) -> AccessTokenGrant:
    """Build a grant from the JSON body; Permanent when the shape is unusable."""
    if not isinstance(body, dict) or not isinstance(body.get("accessToken"), str):
        raise Permanent("MIAW access-token response has no accessToken.", body=None)
    raw_context = body.get("context")
    context: dict[str, Any] = raw_context if isinstance(raw_context, dict) else {}
    raw_end_user = context.get("endUser")
    end_user: dict[str, Any] = raw_end_user if isinstance(raw_end_user, dict) else {}
    subject = str(end_user.get("subject") or "")
    return AccessTokenGrant(
        access_token=body["accessToken"],
        last_event_id=str(body.get("lastEventId") or "0"),
        subject=subject,
        is_authenticated="/AUTH/" in subject,
        expires_at=token_expiry(body["accessToken"]),
        context=context,
    )


def token_expiry(access_token: str) -> dt.datetime | None:
    """The ``exp`` of a JWT without verifying it; None when absent or not a JWT."""
    try:
        claims = jwt.decode(access_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    exp = claims.get("exp")
    if not isinstance(exp, int | float):
        return None
    return dt.datetime.fromtimestamp(exp, dt.UTC)
