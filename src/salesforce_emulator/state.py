"""The in-memory org: users, OAuth apps, records, counters and logs.

Every mutation happens on the server's event loop while holding ``Org.lock``, so
concurrent requests see each other's writes whole (one transaction at a time).
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from salesforce_emulator.clock import Clock
from salesforce_emulator.faults import FaultSettings
from salesforce_emulator.ids import make_id, to_18
from salesforce_emulator.schema import ORG_KEY_PREFIX, SOBJECTS, SObjectDef
from salesforce_emulator.tokens import TokenStore

Record = dict[str, Any]

DEFAULT_SCOPES: tuple[str, ...] = ("api", "refresh_token", "offline_access", "full", "id")


@dataclass(frozen=True)
class SeedUser:
    username: str
    password: str
    first_name: str
    last_name: str
    email: str


ADMIN = SeedUser("admin@emulator.test", "password", "Ada", "Admin", "admin@emulator.test")
REP = SeedUser("jane.rep@emulator.test", "password", "Jane", "Rep", "jane.rep@emulator.test")
SEED_USERS = (ADMIN, REP)


@dataclass
class ConnectedApp:
    """A Connected App / External Client App with OAuth enabled."""

    client_id: str
    client_secret: str
    callback_urls: list[str]
    rotate_refresh_tokens: bool = False
    name: str = "Baton"
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    require_secret: bool = True
    client_credentials_username: str | None = ADMIN.username

    def public_view(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "name": self.name,
            "callback_urls": list(self.callback_urls),
            "rotate_refresh_tokens": self.rotate_refresh_tokens,
            "scopes": list(self.scopes),
            "require_secret": self.require_secret,
            "client_credentials_username": self.client_credentials_username,
        }


@dataclass
class NamedCredential:
    name: str
    url: str
    secret: str


@dataclass
class SentEmail:
    email_message_id: str
    case_id: str
    from_address: str
    to_address: str
    subject: str
    text_body: str
    sent_at: datetime


@dataclass
class Org:
    clock: Clock
    org_id: str = to_18(f"{ORG_KEY_PREFIX}Q00000000001")
    daily_api_limit: int = 15000
    access_token_lifetime_seconds: float = 7200.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    records: dict[str, dict[str, Record]] = field(default_factory=dict)
    apps: dict[str, ConnectedApp] = field(default_factory=dict)
    named_credentials: dict[str, NamedCredential] = field(default_factory=dict)
    tokens: TokenStore = field(init=False)
    faults: FaultSettings = field(default_factory=FaultSettings)
    api_usage: int = 0
    integration_user_id: str | None = None
    # Set when the admin API names the integration user; OAuth approvals then leave it alone.
    integration_user_pinned: bool = False
    webhook_log: list[dict[str, Any]] = field(default_factory=list)
    sent_emails: list[SentEmail] = field(default_factory=list)
    query_cursors: dict[str, Any] = field(default_factory=dict)
    _sequence: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _case_numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))

    def __post_init__(self) -> None:
        self.tokens = TokenStore(self.org_id)
        for definition in SOBJECTS.values():
            self.records.setdefault(definition.name, {})
        for seed in SEED_USERS:
            self._add_user(seed)
        # Ada authorises Baton, so her writes are the integration user's unless reconfigured.
        self.integration_user_id = self.user_id_for(ADMIN.username)

    # ids and counters -------------------------------------------------------

    def new_id(self, definition: SObjectDef) -> str:
        return make_id(definition.key_prefix, next(self._sequence))

    def next_case_number(self) -> str:
        return f"{next(self._case_numbers):08d}"

    @property
    def effective_api_limit(self) -> int:
        override = self.faults.daily_api_limit
        return self.daily_api_limit if override is None else override

    def limit_info(self) -> str:
        return f"api-usage={self.api_usage}/{self.effective_api_limit}"

    # users -------------------------------------------------------------------

    def _add_user(self, seed: SeedUser) -> None:
        user_def = SOBJECTS["user"]
        now = self.clock.now().replace(microsecond=0)
        user_id = self.new_id(user_def)
        self.records["User"][user_id] = {
            "Id": user_id,
            "IsDeleted": False,
            "CreatedDate": now,
            "CreatedById": user_id,
            "LastModifiedDate": now,
            "LastModifiedById": user_id,
            "SystemModstamp": now,
            "Username": seed.username,
            "FirstName": seed.first_name,
            "LastName": seed.last_name,
            "Name": f"{seed.first_name} {seed.last_name}",
            "Email": seed.email,
            "IsActive": True,
            "_password": seed.password,
        }

    def user(self, user_id: str) -> Record | None:
        return self.records["User"].get(user_id)

    def user_by_username(self, username: str) -> Record | None:
        wanted = username.strip().lower()
        for user in self.records["User"].values():
            if str(user["Username"]).lower() == wanted:
                return user
        return None

    def check_password(self, username: str, password: str) -> Record | None:
        user = self.user_by_username(username)
        if user is None or not user["IsActive"] or user["_password"] != password:
            return None
        return user

    @property
    def rep_user_id(self) -> str:
        return self.user_id_for(REP.username)

    def user_id_for(self, username: str) -> str:
        user = self.user_by_username(username)
        if user is None:
            raise KeyError(username)
        return str(user["Id"])

    # records -------------------------------------------------------------

    def table(self, definition: SObjectDef) -> dict[str, Record]:
        return self.records[definition.name]

    def find_record(self, record_id: str) -> tuple[str, Record] | None:
        for sobject_name, table in self.records.items():
            if record_id in table:
                return sobject_name, table[record_id]
        return None


def public_record(record: Record) -> Record:
    """A record without the org's private bookkeeping keys (such as passwords)."""
    return {k: v for k, v in record.items() if not k.startswith("_")}
