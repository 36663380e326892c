"""Knowledge storage, version counter, index cache and folder ingestion, on SQLite and PostgreSQL."""

from pathlib import Path

import pytest
from assistant_support import add_help_centre, create_org
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from baton.assistant.knowledge.index import IndexCache
from baton.assistant.knowledge.ingest import ingest_paths, pdf_support
from baton.assistant.knowledge.store import (
    Document,
    count_chunks,
    delete_source,
    knowledge_version,
    list_sources,
    store_documents,
)

pytestmark = pytest.mark.anyio

Factory = async_sessionmaker[AsyncSession]


async def test_same_source_replaces_its_chunks_and_bumps_the_version(session_factory: Factory) -> None:
    org = await create_org(session_factory)
    async with session_factory() as db:
        [first] = await store_documents(db, org, [Document("faq.md", "# A\n\none\n\n# B\n\ntwo", "markdown")])
        await db.commit()
        assert first.changed and first.chunks == 2
        assert await knowledge_version(db, org) == 1
    async with session_factory() as db:
        [again] = await store_documents(db, org, [Document("faq.md", "# A\n\nreplaced", "markdown")])
        await db.commit()
        assert again.changed and again.chunks == 1
        assert await count_chunks(db, org) == 1
        assert await knowledge_version(db, org) == 2
    async with session_factory() as db:
        [same] = await store_documents(db, org, [Document("faq.md", "# A\n\nreplaced", "markdown")])
        await db.commit()
        assert not same.changed
        assert await knowledge_version(db, org) == 2  # unchanged content does not invalidate caches


async def test_delete_removes_chunks_and_is_scoped_to_the_org(session_factory: Factory) -> None:
    org = await create_org(session_factory)
    other = await create_org(session_factory, org_id="org-2")
    await add_help_centre(session_factory, org)
    await add_help_centre(session_factory, other)
    async with session_factory() as db:
        assert await delete_source(db, org, "help.md")
        assert not await delete_source(db, org, "help.md")
        await db.commit()
        assert await count_chunks(db, org) == 0
        assert await count_chunks(db, other) > 0


async def test_sources_are_listed_in_pages(session_factory: Factory) -> None:
    org = await create_org(session_factory)
    async with session_factory() as db:
        await store_documents(db, org, [Document(f"doc-{i}.txt", f"text {i}", "text") for i in range(5)])
        await db.commit()
        page, more = await list_sources(db, org, after=None, limit=3)
        assert [s.name for s in page] == ["doc-0.txt", "doc-1.txt", "doc-2.txt"] and more
        page, more = await list_sources(db, org, after="doc-2.txt", limit=3)
        assert [s.name for s in page] == ["doc-3.txt", "doc-4.txt"] and not more


async def test_the_index_is_cached_and_rebuilt_when_knowledge_changes(session_factory: Factory) -> None:
    org = await create_org(session_factory)
    await add_help_centre(session_factory, org)
    cache = IndexCache(session_factory)
    first = await cache.get(org)
    assert await cache.get(org) is first and cache.builds == 1
    [best, *_] = first.search("how long does express delivery take")
    assert best.heading == "Shipping" and best.coverage == 1.0
    async with session_factory() as db:
        await store_documents(
            db, org, [Document("extra.md", "# Helmets\n\nHelmets are sold separately.", "markdown")]
        )
        await db.commit()
    rebuilt = await cache.get(org)
    assert rebuilt is not first and cache.builds == 2
    assert rebuilt.search("are helmets included")[0].heading == "Helmets"


async def test_coverage_is_low_when_the_key_word_is_unknown(session_factory: Factory) -> None:
    org = await create_org(session_factory)
    await add_help_centre(session_factory, org)
    index = await IndexCache(session_factory).get(org)
    assert index.search("can I pay with bitcoin") == []
    passages = index.search("bitcoin refund")
    assert passages and passages[0].coverage <= 0.5  # below the default answering threshold (0.6)


async def test_ingest_paths_reads_a_folder_tree_and_reports_progress(
    session_factory: Factory, tmp_path: Path
) -> None:
    org = await create_org(session_factory)
    (tmp_path / "guides").mkdir()
    (tmp_path / "guides" / "battery.md").write_text("# Battery\n\nCharge at room temperature.")
    (tmp_path / "shipping.html").write_text("<h1>Shipping</h1><p>Three to five days.</p>")
    (tmp_path / "notes.txt").write_text("Plain text notes.")
    (tmp_path / "manual.pdf").write_bytes(b"%PDF-1.4 not really")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    seen: list[tuple[int, int, str]] = []
    report = await ingest_paths(session_factory, org, [tmp_path], progress=lambda *a: seen.append(a))
    assert report.files == 4  # the PNG is not a knowledge file
    assert report.stored == 3 and report.chunks == 3
    if not pdf_support():
        assert [why for _, why in report.skipped] == [
            "no PDF library installed (install pypdf to ingest PDF files)"
        ]
    assert seen[-1][:2] == (4, 4)
    async with session_factory() as db:
        names = [s.name for s in (await list_sources(db, org, after=None, limit=10))[0]]
    assert names == ["guides/battery.md", "notes.txt", "shipping.html"]
    again = await ingest_paths(session_factory, org, [tmp_path])
    assert again.stored == 0 and again.unchanged == 3
