"""Offline evaluation of the agent against a labelled set (``tests/eval`` by default).

Measures, per handoff reason, precision and recall of the handoff decision; overall
handoff precision/recall; whether answers cite the expected article; grounding (every
answer sentence supported by a cited passage); and per-turn latency, also against a
large generated index. It runs on a throwaway SQLite database, offline.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from baton.assistant.agent import Assistant
from baton.assistant.answering import unsupported_sentences
from baton.assistant.knowledge.ingest import ingest_paths
from baton.assistant.turn import HANDOFF_REASONS, ContactInfo, HistoryMessage, TurnInput, TurnResult
from baton.store.base import Base
from baton.store.engine import create_engine, session_factory
from baton.store.models import Organization

EVAL_NOW = datetime(2025, 6, 4, 10, 0, tzinfo=UTC)  # a Wednesday morning
LARGE_ORG = "eval-large"


@dataclass
class CaseOutcome:
    id: str
    category: str
    lang: str
    message: str
    expected_handoff: bool
    expected_reasons: list[str]
    predicted_handoff: bool
    predicted_reasons: list[str]
    decision: str
    expected_decision: str | None
    expected_source: str | None
    cited_sources: list[str]
    ungrounded: list[str]
    latency_ms: float

    @property
    def correct(self) -> bool:
        if self.expected_handoff != self.predicted_handoff:
            return False
        if self.expected_handoff and sorted(self.expected_reasons) != sorted(self.predicted_reasons):
            return False
        if self.expected_decision is not None and self.expected_decision != self.decision:
            return False
        return self.expected_source is None or self.expected_source in self.cited_sources


@dataclass
class Rate:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        predicted = self.true_positive + self.false_positive
        return self.true_positive / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        actual = self.true_positive + self.false_negative
        return self.true_positive / actual if actual else 1.0


@dataclass
class EvalReport:
    outcomes: list[CaseOutcome]
    handoff: Rate
    reasons: dict[str, Rate]
    answers_with_expected_source: tuple[int, int]
    answers_total: int
    ungrounded_answers: int
    latency_p50_ms: float
    latency_p95_ms: float
    large: dict[str, float] = field(default_factory=dict)

    @property
    def accuracy(self) -> float:
        return sum(o.correct for o in self.outcomes) / len(self.outcomes) if self.outcomes else 0.0

    def failures(self) -> list[CaseOutcome]:
        return [o for o in self.outcomes if not o.correct]


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def _create_database(directory: Path) -> AsyncEngine:
    import baton.store.models
    import baton.store.models.knowledge  # noqa: F401  (registers every table)

    engine = create_engine(f"sqlite:///{directory / 'eval.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    return engine


async def _create_org(
    factory: async_sessionmaker[AsyncSession], org_id: str, settings: dict[str, Any]
) -> None:
    async with factory() as db:
        db.add(Organization(id=org_id, name=org_id, webhook_token=f"eval-{org_id}", settings=settings))
        await db.commit()


def _turn(org_id: str, case: dict[str, Any]) -> TurnInput:
    history = [HistoryMessage(role, text, EVAL_NOW) for role, text in case.get("history", [])]
    return TurnInput(
        org_id=org_id,
        session_id=case["id"],
        channel="web",
        history=history,
        message=case["message"],
        contact=ContactInfo("Alex Rider", "alex@example.com", None, True, {}),
        language=None,
        now=EVAL_NOW,
        collected=dict(case.get("collected", {})),
    )


def _answer_body(reply: str) -> str:
    """The quoted part of an answer, without the trailing "Source: …" line."""
    body, _, _ = reply.rpartition("\n\n")
    return body or reply


async def _ungrounded(assistant: Assistant, org_id: str, result: TurnResult) -> list[str]:
    if result.decision != "answer" or not result.reply:
        return []
    if result.debug.get("tool_calls"):
        return []
    if not result.citations:
        return [result.reply]
    index = await assistant.indexes.get(org_id)
    cited = {citation.chunk_id for citation in result.citations}
    texts = [f"{chunk.heading}\n{chunk.text}" for chunk in index.chunks if chunk.id in cited]
    return unsupported_sentences(_answer_body(result.reply), texts)


def _score(outcomes: list[CaseOutcome]) -> tuple[Rate, dict[str, Rate]]:
    overall = Rate()
    reasons = {reason: Rate() for reason in HANDOFF_REASONS}
    for outcome in outcomes:
        if outcome.predicted_handoff and outcome.expected_handoff:
            overall.true_positive += 1
        elif outcome.predicted_handoff:
            overall.false_positive += 1
        elif outcome.expected_handoff:
            overall.false_negative += 1
        expected = set(outcome.expected_reasons) if outcome.expected_handoff else set()
        predicted = set(outcome.predicted_reasons) if outcome.predicted_handoff else set()
        for reason, rate in reasons.items():
            if reason in predicted and reason in expected:
                rate.true_positive += 1
            elif reason in predicted:
                rate.false_positive += 1
            elif reason in expected:
                rate.false_negative += 1
    return overall, reasons


def synthetic_pages(count: int, *, seed: int = 7) -> list[tuple[str, str]]:
    """``count`` generated Markdown pages (three sections each) for load measurements."""
    rng = random.Random(seed)
    syllables = ["ka", "lo", "ri", "ve", "mon", "tas", "pel", "dor", "qui", "zen", "bra", "sul", "fin", "gar"]
    vocabulary = ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(6000)]

    def sentence() -> str:
        words = rng.choices(vocabulary, k=rng.randint(8, 16))
        return " ".join(words).capitalize() + "."

    pages = []
    for number in range(count):
        sections = [
            f"## {' '.join(rng.choices(vocabulary, k=3))}\n\n"
            + " ".join(sentence() for _ in range(rng.randint(3, 6)))
            for _ in range(3)
        ]
        pages.append((f"generated/page-{number:05d}.md", f"# Page {number}\n\n" + "\n\n".join(sections)))
    return pages


async def _measure_large_index(
    factory: async_sessionmaker[AsyncSession],
    knowledge_dir: Path,
    directory: Path,
    cases: list[dict[str, Any]],
    settings: dict[str, Any],
    pages: int,
) -> dict[str, float]:
    await _create_org(factory, LARGE_ORG, settings)
    page_dir = directory / "pages"
    for name, content in synthetic_pages(pages):
        path = page_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    started = time.perf_counter()
    report = await ingest_paths(factory, LARGE_ORG, [page_dir, knowledge_dir])
    ingest_seconds = time.perf_counter() - started
    assistant = Assistant(factory)
    started = time.perf_counter()
    index = await assistant.indexes.get(LARGE_ORG)
    build_seconds = time.perf_counter() - started
    latencies = []
    for case in cases:
        if case["category"] in ("answerable", "unanswerable"):
            result = await assistant.respond(_turn(LARGE_ORG, case))
            latencies.append(float(result.debug["latency_ms"]))
    return {
        "pages": float(report.files),
        "chunks": float(len(index)),
        "ingest_seconds": round(ingest_seconds, 2),
        "index_build_seconds": round(build_seconds, 2),
        "latency_p50_ms": round(percentile(latencies, 0.5), 2),
        "latency_p95_ms": round(percentile(latencies, 0.95), 2),
    }


async def run_evaluation(data_dir: Path, *, large_pages: int = 0) -> EvalReport:
    """Evaluate every labelled case in ``data_dir`` (cases.json, orgs.json, knowledge/)."""
    cases: list[dict[str, Any]] = json.loads((data_dir / "cases.json").read_text())["cases"]
    orgs: dict[str, Any] = json.loads((data_dir / "orgs.json").read_text())
    knowledge_dir = data_dir / "knowledge"
    with tempfile.TemporaryDirectory(prefix="baton-eval-") as temporary:
        directory = Path(temporary)
        engine = await _create_database(directory)
        try:
            factory = session_factory(engine)
            for name, settings in orgs.items():
                if name.startswith("_"):
                    continue
                await _create_org(factory, name, settings)
                await ingest_paths(factory, name, [knowledge_dir])
            assistant = Assistant(factory)
            outcomes = []
            for case in cases:
                org_id = case.get("org", "default")
                result = await assistant.respond(_turn(org_id, case))
                expected = case["expect"]
                outcomes.append(
                    CaseOutcome(
                        id=case["id"],
                        category=case["category"],
                        lang=case["lang"],
                        message=case["message"],
                        expected_handoff=bool(expected["handoff"]),
                        expected_reasons=list(expected.get("reasons", [])),
                        predicted_handoff=result.decision == "handoff",
                        predicted_reasons=list(result.reasons),
                        decision=result.decision,
                        expected_decision=expected.get("decision"),
                        expected_source=expected.get("source"),
                        cited_sources=[citation.source for citation in result.citations],
                        ungrounded=await _ungrounded(assistant, org_id, result),
                        latency_ms=float(result.debug["latency_ms"]),
                    )
                )
            large: dict[str, float] = {}
            if large_pages:
                large = await _measure_large_index(
                    factory, knowledge_dir, directory, cases, orgs["default"], large_pages
                )
        finally:
            await engine.dispose()
    handoff, reasons = _score(outcomes)
    answers = [o for o in outcomes if o.decision == "answer"]
    sourced = [o for o in outcomes if o.expected_source is not None]
    latencies = [o.latency_ms for o in outcomes]
    return EvalReport(
        outcomes=outcomes,
        handoff=handoff,
        reasons=reasons,
        answers_with_expected_source=(
            sum(o.expected_source in o.cited_sources for o in sourced),
            len(sourced),
        ),
        answers_total=len(answers),
        ungrounded_answers=sum(1 for o in answers if o.ungrounded),
        latency_p50_ms=round(statistics.median(latencies), 2) if latencies else 0.0,
        latency_p95_ms=round(percentile(latencies, 0.95), 2),
        large=large,
    )
