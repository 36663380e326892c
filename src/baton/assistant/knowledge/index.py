"""Lexical retrieval over one org's chunks (BM25), and the per-process cache of those indexes.

BM25 ranks passages; it does not say whether the best one actually answers. For that we
measure *coverage*: the share of the question's informative words (weighted by how rare
they are in the org's knowledge) that the passage contains. A question about "bitcoin
payments" where "bitcoin" appears nowhere gets a low coverage however well "payments"
matches, which is exactly the case where the agent must not pretend to know.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter, OrderedDict
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

import anyio.to_thread
import bm25s
from sqlalchemy.ext.asyncio import AsyncSession

from baton.assistant.knowledge.store import ChunkRow, knowledge_version, load_chunks
from baton.assistant.text import content_tokens

SessionFactory = Callable[[], AbstractAsyncContextManager[AsyncSession]]


@dataclass(frozen=True)
class Passage:
    chunk_id: int
    source: str
    heading: str
    text: str
    score: float  # BM25
    coverage: float  # 0..1, idf-weighted share of the query's words present in the passage


class KnowledgeIndex:
    """An immutable BM25 index of one org's chunks at one knowledge version."""

    def __init__(self, chunks: list[ChunkRow]) -> None:
        self.chunks = chunks
        # The heading is indexed with its text: it is often the best summary of what the passage covers.
        self._tokens = [content_tokens(chunk.heading) + content_tokens(chunk.text) for chunk in chunks]
        self._token_sets = [frozenset(tokens) for tokens in self._tokens]
        frequencies: Counter[str] = Counter()
        for token_set in self._token_sets:
            frequencies.update(token_set)
        self._document_frequency = frequencies
        self._model: bm25s.BM25 | None = None
        if chunks:
            self._model = bm25s.BM25()
            self._model.index([tokens or ["\x00"] for tokens in self._tokens], show_progress=False)

    def __len__(self) -> int:
        return len(self.chunks)

    def idf(self, token: str) -> float:
        frequency = self._document_frequency.get(token, 0)
        count = len(self.chunks)
        return math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))

    def coverage(self, query_tokens: list[str], passage_tokens: frozenset[str]) -> float:
        unique = set(query_tokens)
        known = [self.idf(token) for token in unique if token in self._document_frequency]
        # A word the knowledge never uses weighs as much as an average word of the question: one such
        # word in three lowers coverage to 2/3, a question made mostly of them cannot reach the threshold.
        unknown_weight = sum(known) / len(known) if known else 1.0

        def weight(token: str) -> float:
            return self.idf(token) if token in self._document_frequency else unknown_weight

        total = sum(weight(token) for token in unique)
        if total <= 0:
            return 0.0
        return sum(weight(token) for token in unique if token in passage_tokens) / total

    def search(self, query: str, k: int = 5) -> list[Passage]:
        """The best passages for ``query``, most useful first (coverage, then BM25 score)."""
        query_tokens = content_tokens(query)
        if self._model is None or not query_tokens:
            return []
        known = [token for token in query_tokens if token in self._document_frequency]
        if not known:
            return []
        limit = min(k * 3, len(self.chunks))
        documents, scores = self._model.retrieve([known], k=limit, show_progress=False)
        passages = []
        for position, score in zip(documents[0], scores[0], strict=True):
            if score <= 0:
                continue
            chunk = self.chunks[int(position)]
            coverage = self.coverage(query_tokens, self._token_sets[int(position)])
            passages.append(
                Passage(chunk.id, chunk.source, chunk.heading, chunk.text, float(score), round(coverage, 4))
            )
        passages.sort(key=lambda passage: (passage.coverage, passage.score), reverse=True)
        return passages[:k]


@dataclass
class _Entry:
    version: int
    index: KnowledgeIndex


class IndexCache:
    """One index per org per process, rebuilt when the org's knowledge version changes."""

    def __init__(self, session_factory: SessionFactory, *, max_orgs: int = 256) -> None:
        self._session_factory = session_factory
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}
        self._max_orgs = max_orgs
        self.builds = 0  # how many indexes this process built (observability and tests)

    async def get(self, org_id: str) -> KnowledgeIndex:
        async with self._session_factory() as db:
            version = await knowledge_version(db, org_id)
        entry = self._entries.get(org_id)
        if entry is not None and entry.version == version:
            self._entries.move_to_end(org_id)
            return entry.index
        lock = self._locks.setdefault(org_id, asyncio.Lock())
        async with lock:
            entry = self._entries.get(org_id)
            if entry is not None and entry.version == version:
                return entry.index
            async with self._session_factory() as db:
                # Read together; if a write lands in between, the next turn sees a newer version and rebuilds.
                version = await knowledge_version(db, org_id)
                chunks = await load_chunks(db, org_id)
            # Tokenising and indexing tens of thousands of passages is CPU work: keep the loop free.
            index = await anyio.to_thread.run_sync(KnowledgeIndex, chunks)
            self.builds += 1
            self._entries[org_id] = _Entry(version, index)
            self._entries.move_to_end(org_id)
            while len(self._entries) > self._max_orgs:
                self._entries.popitem(last=False)
            return index
