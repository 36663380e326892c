"""OAuth artefacts the org hands out: authorization codes, access and refresh tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    user_id: str
    scopes: tuple[str, ...]
    code_challenge: str | None
    expires_at: datetime


@dataclass
class RefreshToken:
    token: str
    client_id: str
    user_id: str
    scopes: tuple[str, ...]
    revoked: bool = False


@dataclass
class AccessToken:
    token: str
    client_id: str
    user_id: str
    scopes: tuple[str, ...]
    issued_at: datetime
    expires_at: datetime
    refresh_token: str | None = None
    revoked: bool = False


@dataclass
class LoginTicket:
    """Proof that a user signed in on the authorize page, valid until they approve or deny."""

    ticket: str
    user_id: str
    expires_at: datetime


AUTHORIZATION_CODE_LIFETIME = timedelta(minutes=15)
LOGIN_TICKET_LIFETIME = timedelta(minutes=15)


@dataclass
class TokenStore:
    org_id: str
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    login_tickets: dict[str, LoginTicket] = field(default_factory=dict)

    def new_code(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        user_id: str,
        scopes: tuple[str, ...],
        code_challenge: str | None,
        now: datetime,
    ) -> AuthorizationCode:
        code = AuthorizationCode(
            code="aPrx" + secrets.token_urlsafe(32),
            client_id=client_id,
            redirect_uri=redirect_uri,
            user_id=user_id,
            scopes=scopes,
            code_challenge=code_challenge,
            expires_at=now + AUTHORIZATION_CODE_LIFETIME,
        )
        self.codes[code.code] = code
        return code

    def take_code(self, code: str, now: datetime) -> AuthorizationCode | None:
        """The code if it is valid; a code is single-use whatever the outcome."""
        found = self.codes.pop(code, None)
        if found is None or found.expires_at <= now:
            return None
        return found

    def new_refresh_token(self, *, client_id: str, user_id: str, scopes: tuple[str, ...]) -> RefreshToken:
        token = RefreshToken("5Aep" + secrets.token_urlsafe(48), client_id, user_id, scopes)
        self.refresh_tokens[token.token] = token
        return token

    def new_access_token(
        self,
        *,
        client_id: str,
        user_id: str,
        scopes: tuple[str, ...],
        now: datetime,
        lifetime: timedelta,
        refresh_token: str | None,
    ) -> AccessToken:
        token = AccessToken(
            token=f"{self.org_id[:15]}!AR" + secrets.token_urlsafe(64),
            client_id=client_id,
            user_id=user_id,
            scopes=scopes,
            issued_at=now,
            expires_at=now + lifetime,
            refresh_token=refresh_token,
        )
        self.access_tokens[token.token] = token
        return token

    def valid_access_token(self, token: str, now: datetime) -> AccessToken | None:
        found = self.access_tokens.get(token)
        if found is None or found.revoked or found.expires_at <= now:
            return None
        return found

    def revoke(self, token: str) -> bool:
        """Revoke an access or refresh token; revoking a refresh token also revokes its access tokens."""
        if (refresh := self.refresh_tokens.get(token)) is not None:
            refresh.revoked = True
            for access in self.access_tokens.values():
                if access.refresh_token == token:
                    access.revoked = True
            return True
        if (access_token := self.access_tokens.get(token)) is not None:
            access_token.revoked = True
            return True
        return False

    def expire_all_access_tokens(self) -> None:
        for access in self.access_tokens.values():
            access.revoked = True

    def new_login_ticket(self, user_id: str, now: datetime) -> LoginTicket:
        ticket = LoginTicket(secrets.token_urlsafe(24), user_id, now + LOGIN_TICKET_LIFETIME)
        self.login_tickets[ticket.ticket] = ticket
        return ticket

    def take_login_ticket(self, ticket: str, now: datetime) -> LoginTicket | None:
        found = self.login_tickets.pop(ticket, None)
        if found is None or found.expires_at <= now:
            return None
        return found
