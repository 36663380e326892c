"""Ingesting a folder tree of help-centre files: Markdown, HTML, plain text; PDF with pypdf."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from baton.assistant.knowledge.chunking import Format
from baton.assistant.knowledge.store import Document, store_documents

SessionFactory = Callable[[], AbstractAsyncContextManager[AsyncSession]]
ProgressCallback = Callable[[int, int, str], None]  # (files done, files total, current file)

FORMATS_BY_SUFFIX: dict[str, Format | None] = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdx": "markdown",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
    ".text": "text",
    ".pdf": None,  # text extracted first, then treated as plain text
}
BATCH_SIZE = 500
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass
class IngestReport:
    files: int = 0
    stored: int = 0  # new or changed sources
    unchanged: int = 0
    chunks: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    seconds: float = 0.0


def _pdf_reader() -> Any | None:
    """pypdf when installed; Baton does not depend on a PDF library."""
    try:
        return importlib.import_module("pypdf")
    except ImportError:
        return None


def pdf_support() -> bool:
    return _pdf_reader() is not None


def _read_pdf(path: Path) -> str:
    module = _pdf_reader()
    if module is None:
        raise RuntimeError("no PDF library installed (install pypdf to ingest PDF files)")
    reader = module.PdfReader(str(path))
    return "\n\n".join((page.extract_text() or "") for page in reader.pages)


def discover_files(paths: Iterable[Path]) -> Iterator[tuple[Path, str]]:
    """(file, source name) for every supported file, recursively; names are relative to the given folder."""
    for root in paths:
        if root.is_file():
            yield root, root.name
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix.lower() in FORMATS_BY_SUFFIX:
                yield path, path.relative_to(root).as_posix()


def read_document(path: Path, name: str) -> Document:
    """The file as a Document; raises ValueError/RuntimeError saying why it cannot be used."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS_BY_SUFFIX:
        raise ValueError(f"unsupported file type {suffix or '(none)'}")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError("file larger than 20 MB")
    fmt = FORMATS_BY_SUFFIX[suffix]
    if fmt is None:
        return Document(name=name, content=_read_pdf(path), format="text")
    return Document(name=name, content=path.read_text(encoding="utf-8", errors="replace"), format=fmt)


def _read_batch(batch: list[tuple[Path, str]]) -> tuple[list[Document], list[tuple[str, str]]]:
    documents: list[Document] = []
    skipped: list[tuple[str, str]] = []
    for path, name in batch:
        try:
            document = read_document(path, name)
        except (OSError, ValueError, RuntimeError) as error:
            skipped.append((str(path), str(error)))
            continue
        if document.content.strip():
            documents.append(document)
        else:
            skipped.append((str(path), "no text"))
    return documents, skipped


async def ingest_documents(
    session_factory: SessionFactory, org_id: str, documents: list[Document], report: IngestReport
) -> None:
    async with session_factory() as db:
        stored = await store_documents(db, org_id, documents)
        await db.commit()
    for source in stored:
        if source.changed:
            report.stored += 1
            report.chunks += source.chunks
        else:
            report.unchanged += 1


async def ingest_paths(
    session_factory: SessionFactory,
    org_id: str,
    paths: Iterable[Path | str],
    progress: ProgressCallback | None = None,
) -> IngestReport:
    """Ingest every supported file under ``paths`` into the org's knowledge, in batched transactions.

    Re-ingesting replaces a source's chunks when its content changed and skips it otherwise.
    """
    started = time.perf_counter()
    files = list(discover_files(Path(path) for path in paths))
    report = IngestReport(files=len(files))
    for start in range(0, len(files), BATCH_SIZE):
        batch = files[start : start + BATCH_SIZE]
        documents, skipped = await anyio.to_thread.run_sync(_read_batch, batch)
        report.skipped.extend(skipped)
        if documents:
            await ingest_documents(session_factory, org_id, documents, report)
        if progress is not None:
            progress(start + len(batch), len(files), batch[-1][1])
    report.seconds = time.perf_counter() - started
    return report
