"""The new part of a reply: quoted history, reply headers and signatures removed.

``mail-parser-reply`` does the language-aware work (``On … wrote:``,
``Von: … Gesendet:``, ``Le … a écrit :``, sign-offs, "Sent from my iPhone").
The AI gets only this part plus the stored thread; the full text is kept for
the human rep and for audit.
"""

from __future__ import annotations

import re

from mailparser_reply import EmailMessage
from mailparser_reply.constants import MAIL_LANGUAGES

# Languages Baton's customers write in most; only those the library knows are used
# (it silently ignores unknown codes, so the filter just documents what is active).
_WANTED_LANGUAGES = ("en", "de", "fr", "es", "pt", "it", "nl", "sv", "da", "pl")
REPLY_LANGUAGES: tuple[str, ...] = tuple(code for code in _WANTED_LANGUAGES if code in MAIL_LANGUAGES)


def extract_reply_text(text: str) -> str:
    """The latest reply in ``text``; the whole text when stripping would leave nothing."""
    if not text.strip():
        return ""
    # keep_hyphen_lists: the default signature rule treats any line starting with "- " as the
    # start of a signature and would cut a customer's bullet list ("- order 1\n- order 2").
    message = EmailMessage(text=text, languages=list(REPLY_LANGUAGES), keep_hyphen_lists=True).read()
    reply = message.replies[0].body if message.replies else ""
    reply = _drop_trailing_quote(reply)
    return reply if reply.strip() else text.strip()


def _drop_trailing_quote(text: str) -> str:
    """Remove a trailing ``>``-quoted block that has no attribution line above it.

    Some clients quote without an "On … wrote:" line; the library only splits on
    such headers, so a bare quote would otherwise stay in the reply.
    """
    lines = text.rstrip().split("\n")
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
