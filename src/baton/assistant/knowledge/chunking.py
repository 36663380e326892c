"""Split documents into citable passages that keep their headings.

A passage is the text under one heading (split further at paragraph and then sentence
boundaries when long); it carries the full heading path ("Returns › Refund window"),
so that a retrieved passage still says what it is about and the rep sees where it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal

Format = Literal["markdown", "html", "text"]

MAX_CHUNK_CHARS = 1000
HEADING_SEPARATOR = " › "

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_SENTENCE_END = re.compile(r"(?<=[.!?؟。])\s+")


@dataclass(frozen=True)
class Chunk:
    heading: str
    text: str


def _clean_markdown_line(line: str) -> str:
    line = _MD_IMAGE.sub(r"\1", line)
    line = _MD_LINK.sub(r"\1", line)
    return _MD_EMPHASIS.sub("", line).rstrip()


def _split_long(paragraph: str, limit: int) -> list[str]:
    if len(paragraph) <= limit:
        return [paragraph]
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(paragraph):
        while len(sentence) > limit:  # a "sentence" with no punctuation at all
            pieces.append(sentence[:limit])
            sentence = sentence[limit:]
        if current and len(current) + 1 + len(sentence) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        pieces.append(current)
    return pieces


def _pack(heading: str, paragraphs: list[str], limit: int) -> list[Chunk]:
    """Group consecutive paragraphs into passages of at most ``limit`` characters."""
    chunks: list[Chunk] = []
    current: list[str] = []
    size = 0
    for paragraph in paragraphs:
        for piece in _split_long(paragraph, limit):
            if current and size + len(piece) + 2 > limit:
                chunks.append(Chunk(heading, "\n\n".join(current)))
                current, size = [], 0
            current.append(piece)
            size += len(piece) + 2
    if current:
        chunks.append(Chunk(heading, "\n\n".join(current)))
    return chunks


_LIST_ITEM = re.compile(r"^(?:[-*+•]|\d+[.)]|\|)\s*")


def _paragraphs(lines: list[str]) -> list[str]:
    """Blank-line separated blocks; wrapped prose is unwrapped, list items keep their own lines."""
    paragraphs: list[str] = []
    block = ""
    for raw in [*lines, ""]:
        line = raw.strip()
        if not line:
            if block:
                paragraphs.append(block)
            block = ""
        elif not block:
            block = line
        else:
            block += ("\n" if _LIST_ITEM.match(line) else " ") + line
    return paragraphs


def chunk_markdown(content: str, *, title: str = "", limit: int = MAX_CHUNK_CHARS) -> list[Chunk]:
    """Passages under each heading; the heading path is kept with every passage."""
    path: list[tuple[int, str]] = [(0, title)] if title else []
    chunks: list[Chunk] = []
    lines: list[str] = []
    in_fence = False

    def flush() -> None:
        heading = HEADING_SEPARATOR.join(text for _, text in path if text)
        chunks.extend(_pack(heading, _paragraphs(lines), limit))
        lines.clear()

    for raw in content.splitlines():
        if raw.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        match = None if in_fence else _MD_HEADING.match(raw)
        if match is None:
            lines.append(raw if in_fence else _clean_markdown_line(raw))
            continue
        flush()
        level, text = len(match.group(1)), _clean_markdown_line(match.group(2))
        # A document's own H1 replaces the file-name title rather than nesting under it.
        while path and path[-1][0] >= level:
            path.pop()
        if level == 1 and path and path[0][0] == 0:
            path.pop(0)
        path.append((level, text))
    flush()
    return chunks


class _HtmlToMarkdown(HTMLParser):
    """Headings, paragraphs and list items as Markdown; scripts, styles and navigation dropped."""

    _SKIP = frozenset({"script", "style", "nav", "footer", "header", "noscript", "svg", "template"})
    _BLOCK = frozenset({"p", "div", "li", "tr", "br", "section", "article", "table", "ul", "ol", "pre"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip_depth = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip_depth += 1
        elif tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in self._BLOCK:
            self.parts.append("\n\n- " if tag == "li" else "\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag) or tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if self._in_title:
            self.title += data.strip()
            return
        self.parts.append(re.sub(r"\s+", " ", data))


def html_to_markdown(content: str) -> tuple[str, str]:
    """(title, markdown) of an HTML page."""
    parser = _HtmlToMarkdown()
    parser.feed(content)
    parser.close()
    text = "".join(parser.parts)
    lines = [line.strip() for line in text.splitlines()]
    return parser.title, "\n".join(lines)


def chunk_document(
    content: str, fmt: Format, *, title: str = "", limit: int = MAX_CHUNK_CHARS
) -> list[Chunk]:
    """Chunks of a document in one of the supported formats."""
    if fmt == "markdown":
        return chunk_markdown(content, title=title, limit=limit)
    if fmt == "html":
        page_title, markdown = html_to_markdown(content)
        return chunk_markdown(markdown, title=page_title or title, limit=limit)
    return _pack(title, _paragraphs(content.splitlines()), limit)
