"""Database engines for the embedded default (SQLite) and production (PostgreSQL).

SQLite needs care to behave under several writers: WAL, a busy timeout, foreign
keys, and ``BEGIN IMMEDIATE`` for every transaction, because a deferred
transaction that later upgrades to a write lock fails at once with "database is
locked" instead of waiting (SQLAlchemy's documented pysqlite recipe).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

SQLITE_BUSY_TIMEOUT_MS = 30_000


def async_url(url: str) -> URL:
    """Map a plain SQLAlchemy URL to its asyncio driver.

    ``sqlite://`` → aiosqlite, ``postgresql://`` → psycopg.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database: {backend!r} (use sqlite:// or postgresql://)")


def sync_url(url: str) -> URL:
    """The same database for synchronous tools (Alembic)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite")
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database: {backend!r} (use sqlite:// or postgresql://)")


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def _install_sqlite_pragmas(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    target = async_url(url)
    if target.get_backend_name() == "sqlite":
        # One connection per checkout: SQLite file locking does the serialising.
        engine = create_async_engine(target, poolclass=NullPool)
        _install_sqlite_pragmas(engine)
        return engine
    return create_async_engine(
        target,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        # Prepared statements off: safe behind PgBouncer in transaction mode.
        connect_args={"prepare_threshold": None},
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
