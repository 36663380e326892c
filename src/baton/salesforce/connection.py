"""The org's saved Salesforce connection (Email Cases path) and its tokens.

Access tokens are refreshed on a 401. With refresh-token rotation every refresh
invalidates the previous refresh token, so two processes refreshing at once would
lock each other out: refresh is single-flight per org across processes, under a
lock on the integration row, and a refresher that finds the token already
replaced by someone else just uses the new one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from baton.salesforce.errors import OAuthError
from baton.salesforce.oauth import refresh_access_token
from baton.salesforce.rest import AccessToken, CallRecord, SalesforceRestClient
from baton.services import Services
from baton.store.models import Integration

EMAIL_INTEGRATION = "salesforce_email"
API_VERSION = "v66.0"

_process_locks: dict[str, asyncio.Lock] = {}

# Token-endpoint answers that no retry can fix: the admin must reconnect.
REFUSALS = frozenset(
    {"invalid_grant", "invalid_client", "invalid_client_id", "inactive_user", "inactive_org"}
)


class NotConnected(Exception):
    """The org has not (or no longer) connected Salesforce; an admin must act."""


async def load_integration(db: AsyncSession, org_id: str, *, for_update: bool = False) -> Integration | None:
    query = select(Integration).where(Integration.org_id == org_id, Integration.kind == EMAIL_INTEGRATION)
    if for_update:
        query = query.with_for_update()
    return (await db.execute(query)).scalar_one_or_none()


class IntegrationTokenProvider:
    """Reads tokens from the integration row and refreshes them single-flight."""

    def __init__(self, services: Services, org_id: str) -> None:
        self._services = services
        self._org_id = org_id

    async def current(self) -> AccessToken:
        async with self._services.session_factory() as db:
            integration = await load_integration(db, self._org_id)
            secrets = self._secrets(integration)
        if integration is None or integration.status not in ("connected", "error"):
            raise NotConnected("Salesforce is not connected for this organization")
        token = secrets.get("access_token")
        instance_url = integration.settings.get("instance_url")
        if not token or not instance_url:
            return await self.refresh(AccessToken(access_token="", instance_url=str(instance_url or "")))
        return AccessToken(access_token=str(token), instance_url=str(instance_url))

    async def refresh(self, stale: AccessToken) -> AccessToken:
        lock = _process_locks.setdefault(self._org_id, asyncio.Lock())
        async with lock:
            refused: OAuthError | None = None
            async with self._services.session_factory() as db, db.begin():
                integration = await load_integration(db, self._org_id, for_update=True)
                if integration is None:
                    raise NotConnected("Salesforce is not connected for this organization")
                secrets = self._secrets(integration)
                stored = secrets.get("access_token")
                if stored and stored != stale.access_token:
                    # Another process refreshed while we waited for the lock.
                    return AccessToken(
                        access_token=str(stored), instance_url=str(integration.settings["instance_url"])
                    )
                refresh_token = secrets.get("refresh_token")
                if not refresh_token:
                    raise NotConnected("no refresh token saved: connect to Salesforce again")
                try:
                    response = await refresh_access_token(
                        self._services.http,
                        str(integration.settings["login_url"]),
                        client_id=str(integration.settings["client_id"]),
                        client_secret=str(secrets.get("client_secret", "")),
                        refresh_token=str(refresh_token),
                    )
                except OAuthError as exc:
                    if exc.error not in REFUSALS:
                        raise
                    # Committed when the block ends, so the admin sees why at once.
                    refused = exc
                    integration.status = "error"
                    integration.last_error = exc.admin_message
                    secrets.pop("access_token", None)
                    integration.secrets_encrypted = self._services.secret_box.encrypt(secrets)
                else:
                    secrets["access_token"] = response.access_token
                    if response.refresh_token:
                        secrets["refresh_token"] = response.refresh_token  # rotation: the old one is dead now
                    integration.secrets_encrypted = self._services.secret_box.encrypt(secrets)
                    integration.settings = {**integration.settings, "instance_url": response.instance_url}
                    integration.token_generation += 1
                    if integration.status == "error":
                        integration.status = "connected"
                        integration.last_error = None
                    return AccessToken(access_token=response.access_token, instance_url=response.instance_url)
            raise NotConnected(refused.admin_message) from refused

    def _secrets(self, integration: Integration | None) -> dict[str, Any]:
        if integration is None:
            return {}
        return self._services.secret_box.decrypt(integration.secrets_encrypted)


def rest_client_for_org(
    services: Services, org_id: str, *, on_call: Callable[[CallRecord], None] | None = None
) -> SalesforceRestClient:
    return SalesforceRestClient(
        services.http, IntegrationTokenProvider(services, org_id), api_version=API_VERSION, on_call=on_call
    )
