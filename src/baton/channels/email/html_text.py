"""HTML mail bodies: a safe copy for display, and plain text for the AI and the quote stripper.

Text conversion uses the stdlib parser on purpose: mail HTML is messy and we
only need readable text with paragraph breaks, not layout. Blockquotes become
``> `` lines so the reply parser recognises quoted history the same way it does
in plain-text mail.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
        "li", "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
    }
)  # fmt: skip
# Content of these never reaches the reader.
_INVISIBLE_TAGS = frozenset({"head", "script", "style", "template", "title", "noscript"})
# HTML void elements never get an end tag, so they must not touch the invisible-depth counter.
_VOID_TAGS = frozenset({"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._current: list[str] = []
        self._invisible_depth = 0
        self._quote_depth = 0
        self._pre_depth = 0

    def _break(self) -> None:
        line = "".join(self._current)
        if self._pre_depth == 0:
            line = re.sub(r"[ \t\r\n\f\xa0]+", " ", line).strip()
        prefix = "> " * self._quote_depth
        self.lines.append((prefix + line).rstrip() if line else prefix.rstrip())
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE_TAGS:
            self._invisible_depth += 1
        elif tag == "br":
            self._break()
        elif tag in _BLOCK_TAGS:
            if self._current:
                self._break()
            if tag == "blockquote":
                self._quote_depth += 1
            elif tag == "pre":
                self._pre_depth += 1
            elif tag == "li":
                self._current.append("- ")
        elif tag in ("td", "th") and self._current:
            self._current.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE_TAGS:
            self._invisible_depth = max(0, self._invisible_depth - 1)
        elif tag in _BLOCK_TAGS and tag not in _VOID_TAGS:
            if self._current:
                self._break()
            if tag == "blockquote":
                self._quote_depth = max(0, self._quote_depth - 1)
            elif tag == "pre":
                self._pre_depth = max(0, self._pre_depth - 1)
            elif tag == "p":
                # A paragraph end is a visible gap in the rendered mail.
                self.lines.append("> " * self._quote_depth)

    def handle_data(self, data: str) -> None:
        if self._invisible_depth == 0:
            self._current.append(data)

    def text(self) -> str:
        if self._current:
            self._break()
        collapsed: list[str] = []
        for line in (line.rstrip() for line in self.lines):
            # Keep at most one empty line in a row (quoted empties count as empty).
            if not line.strip("> ") and collapsed and not collapsed[-1].strip("> "):
                continue
            collapsed.append(line)
        return "\n".join(collapsed).strip("\n")


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body; quoted blocks are prefixed with ``> ``."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return extractor.text()


# Images are dropped: remote ones are tracking pixels that would fire whenever a rep opens the
# mail, and inline (cid:) ones are not served; attachments are listed separately.
_SAFE_TAGS = frozenset(nh3.ALLOWED_TAGS) - {"img", "map", "area"}
# Tags whose text content is not part of the message either.
_DROPPED_WITH_CONTENT = frozenset({"script", "style", "title", "template", "noscript"})


def sanitize_html(html: str) -> str:
    """HTML safe to show in the inbox: no scripts, styles, event handlers, images or other active content.

    nh3 (ammonia) keeps formatting tags and drops everything else; links get
    ``rel="noopener noreferrer nofollow"``.
    """
    cleaned = nh3.clean(
        html,
        tags=set(_SAFE_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        link_rel="noopener noreferrer nofollow",
    )
    return cleaned.strip()
