"""The organization's knowledge: sources (one document each), their chunks, and a version counter.

The version counter is bumped in the same transaction as any change to an org's chunks,
so a process that caches a retrieval index can tell with one cheap query whether its
copy is stale, whichever process did the change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from baton.store.base import Base, BigIntPK, new_id, utcnow


class KnowledgeSource(Base):
    """One ingested document, named by the org (a path, a URL, an article title)."""

    __tablename__ = "knowledge_sources"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    format: Mapped[str] = mapped_column(String(16))  # markdown | html | text | pdf
    # SHA-256 of the content: re-ingesting an unchanged document is a no-op.
    content_hash: Mapped[str] = mapped_column(String(64))
    chunk_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class KnowledgeChunk(Base):
    """A passage small enough to cite, with the heading path it sits under."""

    __tablename__ = "knowledge_chunks"
    __table_args__ = (Index("ix_knowledge_chunks_org_source", "org_id", "source_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(String(36))
    source_id: Mapped[str] = mapped_column(ForeignKey("knowledge_sources.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    heading: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)


class KnowledgeVersion(Base):
    """Per org, a counter bumped on every knowledge change (cache invalidation across processes)."""

    __tablename__ = "knowledge_versions"

    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
