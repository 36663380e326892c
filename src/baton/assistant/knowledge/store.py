"""Reading and writing an org's knowledge sources, chunks and version counter.

Writes are batched (one query per table per batch, not per row) because ingesting a
whole help centre of thousands of pages has to take seconds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from baton.assistant.knowledge.chunking import Format, chunk_document
from baton.store.base import new_id, utcnow
from baton.store.models.knowledge import KnowledgeChunk, KnowledgeSource, KnowledgeVersion


@dataclass(frozen=True)
class Document:
    name: str
    content: str
    format: Format


@dataclass(frozen=True)
class StoredSource:
    name: str
    format: str
    chunks: int
    changed: bool


@dataclass(frozen=True)
class ChunkRow:
    id: int
    source: str
    heading: str
    text: str


def title_from_name(name: str) -> str:
    """ "help/returns-policy.md" → "Returns policy": a readable heading for documents without one."""
    stem = PurePosixPath(name.replace("\\", "/")).stem
    words = stem.replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else name


def content_hash(document: Document) -> str:
    return hashlib.sha256(f"{document.format}\0{document.content}".encode()).hexdigest()


async def bump_version(db: AsyncSession, org_id: str) -> None:
    """Increment the org's knowledge version (insert the row on first use), race-free on both dialects."""
    dialect = db.get_bind().dialect.name
    values = {"org_id": org_id, "version": 1, "updated_at": utcnow()}
    if dialect == "postgresql":
        pg_stmt = postgresql.insert(KnowledgeVersion).values(values)
        await db.execute(
            pg_stmt.on_conflict_do_update(
                index_elements=["org_id"],
                set_={"version": KnowledgeVersion.version + 1, "updated_at": values["updated_at"]},
            )
        )
        return
    lite_stmt = sqlite.insert(KnowledgeVersion).values(values)
    await db.execute(
        lite_stmt.on_conflict_do_update(
            index_elements=["org_id"],
            set_={"version": KnowledgeVersion.version + 1, "updated_at": values["updated_at"]},
        )
    )


async def knowledge_version(db: AsyncSession, org_id: str) -> int:
    version = await db.scalar(select(KnowledgeVersion.version).where(KnowledgeVersion.org_id == org_id))
    return int(version or 0)


async def store_documents(db: AsyncSession, org_id: str, documents: Sequence[Document]) -> list[StoredSource]:
    """Create or replace sources by name (same name = replace its chunks); caller commits.

    Unchanged documents (same content hash) are left alone and do not bump the version.
    """
    if not documents:
        return []
    # Last one wins when a batch names the same source twice.
    by_name = {document.name: document for document in documents}
    existing = {
        source.name: source
        for source in (
            await db.scalars(
                select(KnowledgeSource).where(
                    KnowledgeSource.org_id == org_id, KnowledgeSource.name.in_(list(by_name))
                )
            )
        ).all()
    }
    now = utcnow()
    results: list[StoredSource] = []
    replaced_ids: list[str] = []
    new_sources: list[dict[str, object]] = []
    chunk_rows: list[dict[str, object]] = []
    for name, document in by_name.items():
        digest = content_hash(document)
        source = existing.get(name)
        if source is not None and source.content_hash == digest:
            results.append(StoredSource(name, source.format, source.chunk_count, changed=False))
            continue
        chunks = chunk_document(document.content, document.format, title=title_from_name(name))
        if source is None:
            source_id = new_id()
            new_sources.append(
                {
                    "id": source_id,
                    "org_id": org_id,
                    "name": name,
                    "format": document.format,
                    "content_hash": digest,
                    "chunk_count": len(chunks),
                    "created_at": now,
                    "updated_at": now,
                }
            )
        else:
            source_id = source.id
            replaced_ids.append(source_id)
            source.format = document.format
            source.content_hash = digest
            source.chunk_count = len(chunks)
            source.updated_at = now
        chunk_rows.extend(
            {"org_id": org_id, "source_id": source_id, "position": i, "heading": c.heading, "text": c.text}
            for i, c in enumerate(chunks)
        )
        results.append(StoredSource(name, document.format, len(chunks), changed=True))
    if replaced_ids:
        await db.execute(delete(KnowledgeChunk).where(KnowledgeChunk.source_id.in_(replaced_ids)))
    if new_sources:
        await db.execute(insert(KnowledgeSource), new_sources)
    if chunk_rows:
        await db.execute(insert(KnowledgeChunk), chunk_rows)
    if any(result.changed for result in results):
        await bump_version(db, org_id)
    return results


async def delete_source(db: AsyncSession, org_id: str, name: str) -> bool:
    """Delete a source and its chunks; False when the org has no source of that name."""
    source_id = await db.scalar(
        select(KnowledgeSource.id).where(KnowledgeSource.org_id == org_id, KnowledgeSource.name == name)
    )
    if source_id is None:
        return False
    # Explicit chunk delete: SQLite only cascades when foreign keys are on, and we do not rely on it.
    await db.execute(delete(KnowledgeChunk).where(KnowledgeChunk.source_id == source_id))
    await db.execute(delete(KnowledgeSource).where(KnowledgeSource.id == source_id))
    await bump_version(db, org_id)
    return True


async def list_sources(
    db: AsyncSession, org_id: str, *, after: str | None, limit: int
) -> tuple[list[KnowledgeSource], bool]:
    """Sources ordered by name, keyset-paged after ``after``; (page, has_more)."""
    query = select(KnowledgeSource).where(KnowledgeSource.org_id == org_id)
    if after is not None:
        query = query.where(KnowledgeSource.name > after)
    rows = list((await db.scalars(query.order_by(KnowledgeSource.name).limit(limit + 1))).all())
    return rows[:limit], len(rows) > limit


async def load_chunks(db: AsyncSession, org_id: str) -> list[ChunkRow]:
    """Every chunk of the org with its source name, in a stable order."""
    result = await db.execute(
        select(KnowledgeChunk.id, KnowledgeSource.name, KnowledgeChunk.heading, KnowledgeChunk.text)
        .join(KnowledgeSource, KnowledgeSource.id == KnowledgeChunk.source_id)
        .where(KnowledgeChunk.org_id == org_id)
        .order_by(KnowledgeChunk.id)
    )
    return [ChunkRow(int(row[0]), row[1], row[2], row[3]) for row in result.all()]


async def count_chunks(db: AsyncSession, org_id: str) -> int:
    return int(
        await db.scalar(select(func.count(KnowledgeChunk.id)).where(KnowledgeChunk.org_id == org_id)) or 0
    )
