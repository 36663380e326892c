"""What the demo sets up before the tour: the schema, the demo org and its key, help articles.

Everything here is idempotent. ``BATON_HOME/demo.json`` keeps the org id, the API key
(Baton stores only its hash, so the clear key cannot be read back from the database) and
the External Client App's credentials, so a second ``baton demo`` reuses all of them.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from baton.api.keys import authenticate_api_key, create_api_key
from baton.conversations.service import create_organization
from baton.services import Services
from baton.store.base import Base
from baton.store.engine import sync_url
from baton.store.migrate import alembic_config, ensure_sqlite_directory, upgrade_to_head
from baton.store.models import EmailAddress, Organization

ORG_NAME = "Acme Demo"
SUPPORT_ADDRESS = "support@acme.test"
STATE_FILE = "demo.json"
ARTICLES = Path(__file__).parent / "articles"


@dataclass
class DemoState:
    org_id: str
    api_key: str
    client_id: str
    client_secret: str


def _register_every_table() -> None:
    # Not only the tables baton.store.models imports: every model module in the package.
    import baton.store.models as models

    for module in pkgutil.iter_modules(models.__path__, models.__name__ + "."):
        importlib.import_module(module.name)


def prepare_database(database_url: str) -> str | None:
    """Bring the schema to head; returns a note when it had to do something else than migrate."""
    _register_every_table()
    ensure_sqlite_directory(database_url)
    config = alembic_config(database_url)
    heads = ScriptDirectory.from_config(config).get_heads()
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
        if not heads:
            Base.metadata.create_all(engine)
            return "no Alembic migration exists yet: tables were created from the models"
        if tables and "alembic_version" not in tables:
            # A demo home made before the first migration existed: same models, so mark it current.
            Base.metadata.create_all(engine)
            command.stamp(config, "head")
            return "this demo database predates migrations: it was completed and marked current"
    finally:
        engine.dispose()
    upgrade_to_head(database_url)
    return None


def _read_state(home: Path) -> DemoState | None:
    try:
        raw = json.loads((home / STATE_FILE).read_text(encoding="utf-8"))
        return DemoState(**{key: str(raw[key]) for key in DemoState.__dataclass_fields__})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_state(home: Path, state: DemoState) -> None:
    home.mkdir(parents=True, exist_ok=True)
    path = home / STATE_FILE
    # It holds an API key and a client secret: readable by the owner only, from the first byte.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(json.dumps(asdict(state), indent=2) + "\n")
    path.chmod(0o600)


async def ensure_demo_org(services: Services, home: Path) -> tuple[DemoState, bool]:
    """The demo org, its API key and its support address; ``True`` when they were reused."""
    saved = _read_state(home)
    async with services.session_factory() as db, db.begin():
        org = await db.get(Organization, saved.org_id) if saved else None
        if org is None:
            # demo.json lost but the database kept: the support address still names the demo org.
            address = await db.get(EmailAddress, SUPPORT_ADDRESS)
            org = await db.get(Organization, address.org_id) if address else None
        reused = org is not None
        if org is None:
            org = await create_organization(db, ORG_NAME)
        key = saved.api_key if saved else ""
        known = await authenticate_api_key(db, key) if key else None
        if known is None or known.org_id != org.id:
            key = await create_api_key(db, org.id, name="demo")
            reused = False
        if await db.get(EmailAddress, SUPPORT_ADDRESS) is None:
            db.add(EmailAddress(address=SUPPORT_ADDRESS, org_id=org.id))
        state = DemoState(
            org_id=org.id,
            api_key=key,
            client_id=saved.client_id if saved else "3MVG9demo." + secrets.token_hex(12),
            client_secret=saved.client_secret if saved else secrets.token_hex(24),
        )
    _write_state(home, state)
    return state, reused


async def load_help_articles(services: Services, org_id: str) -> int:
    """Store the blender shop's help articles (unchanged ones are skipped); 0 without the AI module."""
    try:
        from baton.assistant.knowledge.store import Document, store_documents
    except ImportError:
        return 0
    documents = [
        Document(f"help/{path.name}", path.read_text(encoding="utf-8"), "markdown")
        for path in sorted(ARTICLES.glob("*.md"))
    ]
    async with services.session_factory() as db:
        await store_documents(db, org_id, documents)
        await db.commit()
    return len(documents)
