"""Helpers shared by Baton's tests (importable as ``baton_support`` from any test module)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from baton.api.keys import create_api_key
from baton.conversations.service import create_organization
from baton.services import Services
from baton.settings import Settings

TEST_SECRET_KEY = "test-secret-key-for-baton"


@dataclass
class OrgCredentials:
    org_id: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "secret_key": TEST_SECRET_KEY,
        "public_url": "http://baton.test",
        "job_poll_seconds": 0.05,
    }
    values.update(overrides)
    return Settings(**values)


async def create_org(services: Services, name: str = "Acme") -> OrgCredentials:
    async with services.session_factory() as db, db.begin():
        org = await create_organization(db, name)
        key = await create_api_key(db, org.id)
    return OrgCredentials(org_id=org.id, api_key=key)
