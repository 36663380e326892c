"""The long-lived objects one Baton process shares: database, HTTP clients, crypto, AI.

Built once per process (``baton serve``, ``baton worker``, the demo) and handed to
request handlers through ``app.state.services`` and to job handlers as ``ctx.services``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx2
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from baton.settings import Settings
from baton.store.engine import create_engine, session_factory
from baton.store.secrets import SecretBox


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    secret_box: SecretBox
    http: httpx2.AsyncClient
    assistant: Any = None

    async def aclose(self) -> None:
        await self.http.aclose()
        await self.engine.dispose()


def build_services(settings: Settings) -> Services:
    engine = create_engine(settings.resolved_database_url)
    factory = session_factory(engine)
    services = Services(
        settings=settings,
        engine=engine,
        session_factory=factory,
        secret_box=SecretBox(settings.secret_key.get_secret_value()),
        http=httpx2.AsyncClient(
            timeout=httpx2.Timeout(settings.salesforce_timeout_seconds, connect=10.0),
            follow_redirects=False,
            limits=httpx2.Limits(max_connections=200, max_keepalive_connections=50),
        ),
    )
    services.assistant = _build_assistant(services)
    return services


def _build_assistant(services: Services) -> Any:
    try:
        from baton.assistant.turn import Assistant
    except ImportError:  # the agent is optional for the handoff paths
        return None
    return Assistant(services.session_factory)
