"""The migration history produces exactly the schema the models declare, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import baton.store.models  # noqa: F401  (registers every table)
from baton.store.base import Base
from baton.store.engine import sync_url
from baton.store.migrate import upgrade_to_head


def test_upgrade_to_head_matches_the_models(database_url: str) -> None:
    upgrade_to_head(database_url)
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
            tables = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    assert differences == [], "models changed without a migration: run alembic revision --autogenerate"
    assert set(Base.metadata.tables) <= tables


def test_upgrade_is_idempotent(database_url: str) -> None:
    upgrade_to_head(database_url)
    upgrade_to_head(database_url)


@pytest.mark.parametrize("url", ["mysql://nobody@127.0.0.1/db"])
def test_unsupported_database_is_refused_clearly(url: str) -> None:
    with pytest.raises(ValueError, match="unsupported database"):
        upgrade_to_head(url)
