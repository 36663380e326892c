"""The offline answer: sentences quoted from the retrieved passages, with their sources.

Nothing is generated: every sentence of the reply is copied from a cited passage, so an
answer is grounded by construction, and the same check (``unsupported_sentences``) is
applied to answers written by an LLM before they reach a customer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from baton.assistant.knowledge.index import Passage
from baton.assistant.text import content_tokens, normalize

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?؟])\s+|\n+")
# A passage this short is quoted whole: a help-centre paragraph is usually one complete thought.
WHOLE_PASSAGE_CHARS = 450
MAX_ANSWER_CHARS = 700


@dataclass(frozen=True)
class ExtractedAnswer:
    body: str
    passages: list[Passage]  # the passages the sentences were taken from (cited)


def split_sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_SPLIT.split(text) if part.strip()]


def _sentence_score(sentence: str, query_tokens: set[str], idf: Callable[[str], float]) -> float:
    tokens = set(content_tokens(sentence))
    return sum(idf(token) for token in query_tokens & tokens)


def _excerpt(passage: Passage, query_tokens: set[str], idf: Callable[[str], float]) -> str:
    if len(passage.text) <= WHOLE_PASSAGE_CHARS:
        return passage.text.strip()
    sentences = split_sentences(passage.text)
    scores = [_sentence_score(sentence, query_tokens, idf) for sentence in sentences]
    best = max(range(len(sentences)), key=lambda i: scores[i])
    chosen = [sentences[best]]
    # The sentences right after the best one usually finish the instruction it starts.
    for sentence in sentences[best + 1 :]:
        if len(" ".join([*chosen, sentence])) > MAX_ANSWER_CHARS:
            break
        chosen.append(sentence)
        if len(chosen) >= 3:
            break
    return " ".join(chosen)


def extractive_answer(
    query: str, passages: Sequence[Passage], *, min_confidence: float, idf: Callable[[str], float]
) -> ExtractedAnswer | None:
    """An answer quoted from the best passage (and a close second from elsewhere), or None."""
    usable = [passage for passage in passages if passage.coverage >= min_confidence]
    if not usable:
        return None
    query_tokens = set(content_tokens(query))
    best = usable[0]
    chosen = [best]
    second = next((p for p in usable[1:] if p.source != best.source or p.heading != best.heading), None)
    if second is not None and second.coverage >= best.coverage and len(best.text) < WHOLE_PASSAGE_CHARS // 2:
        chosen.append(second)
    body = "\n\n".join(_excerpt(passage, query_tokens, idf) for passage in chosen)
    return ExtractedAnswer(body=body, passages=chosen)


def unsupported_sentences(
    body: str, passages: Sequence[Passage | str], *, min_overlap: float = 0.7
) -> list[str]:
    """Sentences of ``body`` not supported by any passage (quoted, or mostly made of its words)."""
    texts = [
        passage if isinstance(passage, str) else f"{passage.heading}\n{passage.text}" for passage in passages
    ]
    normalized = [" ".join(normalize(text).split()) for text in texts]
    token_sets = [set(content_tokens(text)) for text in texts]
    unsupported = []
    for sentence in split_sentences(body):
        plain = " ".join(normalize(sentence).split())
        if any(plain in text for text in normalized):
            continue
        tokens = set(content_tokens(sentence))
        if not tokens:
            continue
        if any(len(tokens & passage_tokens) / len(tokens) >= min_overlap for passage_tokens in token_sets):
            continue
        unsupported.append(sentence)
    return unsupported
