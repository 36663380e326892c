"""MIAW identities: minting access tokens, storing them on a stream row, renewing them.

A verified contact gets an authenticated identity (our RS256 identity token,
``sub`` = the contact id), so its subject is stable and its token can be
re-minted before it expires. Everyone else gets a guest identity: a new subject
per token, which cannot be renewed — when a guest token dies, the conversation
it owns is unreachable and the next handoff or message starts a new one.

Salesforce answers a failed verification with 200 and a *guest* token; the only
signal is the subject (``/ANON/`` instead of ``/AUTH/``), so it is checked here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from baton.salesforce.errors import Permanent
from baton.salesforce.messaging.calls import OnCall
from baton.salesforce.messaging.client import MiawClient
from baton.salesforce.messaging.identity import customer_identity_token
from baton.salesforce.messaging.settings import MessagingConfig, load_messaging_config
from baton.salesforce.messaging.tokens import AccessTokenGrant, token_expiry
from baton.services import Services
from baton.store.base import utcnow
from baton.store.models import Contact, MessagingStream


class GuestIdentityExpired(Permanent):
    """A guest token was refused or expired: its identity (and conversation) cannot be resumed."""


class MessagingNotConfigured(Permanent):
    """The org has no Live Messaging settings."""


@dataclass(frozen=True)
class IdentityGrant:
    """A minted token and what happened on the way (for the debug timeline)."""

    grant: AccessTokenGrant
    requested_authenticated: bool

    @property
    def authenticated(self) -> bool:
        return self.grant.is_authenticated

    @property
    def fell_back_to_guest(self) -> bool:
        """We sent an identity token and Salesforce silently answered with a guest."""
        return self.requested_authenticated and not self.grant.is_authenticated


def miaw_client(services: Services, config: MessagingConfig, *, on_call: OnCall | None = None) -> MiawClient:
    """A client for the org's deployment on the process's shared HTTP client."""
    return MiawClient(
        services.http, config.scrt_url, config.sf_org_id, config.es_developer_name, on_call=on_call
    )


def identity_token_for(config: MessagingConfig, subject: str) -> str:
    """Our signed ``customerIdentityToken`` for ``subject`` (the contact id)."""
    assert config.private_key_pem and config.auth_key_id and config.issuer
    return customer_identity_token(
        config.private_key_pem, kid=config.auth_key_id, issuer=config.issuer, subject=subject
    )


async def mint_identity(client: MiawClient, config: MessagingConfig, contact: Contact) -> IdentityGrant:
    """Authenticated for verified contacts (when a key is configured), else a guest."""
    if contact.verified and config.can_authenticate:
        grant = await client.authenticated_token(identity_token_for(config, contact.id))
        return IdentityGrant(grant, requested_authenticated=True)
    return IdentityGrant(await client.unauthenticated_token(), requested_authenticated=False)


def store_token(services: Services, stream: MessagingStream, access_token: str) -> None:
    """Encrypt the token onto the row with its expiry."""
    stream.access_token_encrypted = services.secret_box.encrypt({"access_token": access_token})
    stream.token_expires_at = token_expiry(access_token)


def stored_token(services: Services, stream: MessagingStream) -> str | None:
    return services.secret_box.decrypt(stream.access_token_encrypted).get("access_token")


class StreamTokens:
    """The token of one stream row, re-minted early for verified users (the SSE ``TokenProvider``)."""

    def __init__(self, services: Services, stream_id: str, *, on_call: OnCall | None = None) -> None:
        self._services = services
        self._stream_id = stream_id
        self._on_call = on_call
        # The token read last and its expiry: a long-lived holder need not read the row every time.
        self._cached: tuple[str, dt.datetime | None] | None = None

    async def access_token(self) -> str:
        """The stored token; a verified user's is re-minted when it expires soon."""
        margin = dt.timedelta(seconds=self._services.settings.messaging_token_renew_seconds)
        if self._cached is not None:
            cached, cached_expiry = self._cached
            if cached_expiry is None or cached_expiry - utcnow() >= margin:
                return cached
        async with self._services.session_factory() as db:
            stream = await db.get(MessagingStream, self._stream_id)
            if stream is None:
                raise GuestIdentityExpired("the messaging stream no longer exists")
            token = stored_token(self._services, stream)
            expires_at, authenticated = stream.token_expires_at, stream.authenticated
        expiring = expires_at is not None and expires_at - utcnow() < margin
        if token and not expiring:
            self._cached = (token, expires_at)
            return token
        if authenticated:
            return await self.renew_access_token()
        if token and expires_at is not None and expires_at > utcnow():
            return token  # a guest token cannot be renewed: use it while it lasts
        raise GuestIdentityExpired("the guest access token has expired")

    async def renew_access_token(self) -> str:
        """A new token for the same subject (verified users only)."""
        async with self._services.session_factory() as db:
            stream = await db.get(MessagingStream, self._stream_id)
            if stream is None or not stream.authenticated or not stream.contact_id:
                raise GuestIdentityExpired("the guest access token was refused and cannot be renewed")
            org_id, contact_id, subject = stream.org_id, stream.contact_id, stream.subject
        config = await load_messaging_config(self._services, org_id)
        if config is None or not config.can_authenticate:
            raise MessagingNotConfigured("Live Messaging is no longer configured with a signing key")
        client = miaw_client(self._services, config, on_call=self._on_call)
        grant = await client.authenticated_token(identity_token_for(config, contact_id))
        if grant.subject != subject:
            raise GuestIdentityExpired(
                "re-minting the verified identity returned another subject "
                f"({grant.subject or 'none'}): check the User Verification keyset"
            )
        async with self._services.session_factory() as db, db.begin():
            stream = await db.get(MessagingStream, self._stream_id)
            if stream is not None:
                store_token(self._services, stream, grant.access_token)
        self._cached = (grant.access_token, grant.expires_at)
        return grant.access_token
