"""Testing Live Messaging settings before they are saved: mint real tokens against the SCRT host.

A guest token proves the SCRT URL, org id and deployment name. With a key, an
identity token for a test subject proves the key, the key id and the issuer —
and catches Salesforce's silent guest fallback, which is otherwise invisible
until a verified customer is routed as anonymous.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from baton.salesforce.errors import SalesforceError
from baton.salesforce.messaging.client import MiawClient
from baton.salesforce.messaging.identity import customer_identity_token
from baton.services import Services

TEST_SUBJECT = "baton-settings-check"


@dataclass(frozen=True)
class CheckResult:
    """``connected`` or ``error`` with the reason an admin can act on."""

    status: str
    error: str | None
    details: dict[str, Any]


async def check_messaging_settings(
    services: Services,
    *,
    scrt_url: str,
    org_id: str,
    es_developer_name: str,
    private_key_pem: str | None,
    auth_key_id: str | None,
    issuer: str | None,
) -> CheckResult:
    """Mint a guest token, then (with a key) a verified one; report the first thing that fails."""
    client = MiawClient(services.http, scrt_url, org_id, es_developer_name)
    details: dict[str, Any] = {}
    try:
        guest = await client.unauthenticated_token()
    except SalesforceError as exc:
        return CheckResult("error", _explain(exc, "a guest access token"), details)
    details["unauthenticated_subject"] = guest.subject
    details["hidden_prechat_fields"] = guest.hidden_prechat_fields
    if not (private_key_pem and auth_key_id and issuer):
        return CheckResult("connected", None, details)
    identity = customer_identity_token(private_key_pem, kid=auth_key_id, issuer=issuer, subject=TEST_SUBJECT)
    try:
        verified = await client.authenticated_token(identity)
    except SalesforceError as exc:
        return CheckResult("error", _explain(exc, "a verified-user access token"), details)
    details["authenticated_subject"] = verified.subject
    if not verified.is_authenticated:
        return CheckResult(
            "error",
            "Salesforce did not verify Baton's identity token and answered with a guest identity "
            f"({verified.subject or 'no subject'}). Check that the User Verification keyset's issuer is "
            f"{issuer!r}, that it holds the public key with key id {auth_key_id!r} (JWK or Baton's JWKS URL) "
            "and that the keyset is linked to this deployment's messaging channel.",
            details,
        )
    return CheckResult("connected", None, details)


def _explain(exc: SalesforceError, what: str) -> str:
    if exc.status is None:
        return f"Could not reach the SCRT URL to get {what}: {exc.error_code or exc.message}."
    if exc.status == 400:
        return (
            f"Salesforce refused {what} (HTTP 400: {_body_message(exc)}). Check the org id, the "
            "deployment API name and that the deployment is of type Custom Client."
        )
    if exc.status == 404:
        return "No Messaging API at this SCRT URL (HTTP 404): copy it from the deployment's code snippet."
    return f"Salesforce refused {what} (HTTP {exc.status}: {_body_message(exc)})."


def _body_message(exc: SalesforceError) -> str:
    body = exc.body
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return exc.message
