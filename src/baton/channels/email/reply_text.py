"""The new part of a reply: quoted history, reply headers and signatures removed.

``mail-parser-reply`` does the language-aware work (``On … wrote:``,
``Von: … Gesendet:``, ``Le … a écrit :``, sign-offs, "Sent from my iPhone").
The AI gets only this part plus the stored thread; the full text is kept for
the human rep and for audit.

Its signature and disclaimer rules are greedy: any line starting with
"Thanks," or "Best," ends the message, and any "Warning: … mail …" sentence is
dropped. Customers write exactly such lines ("Thanks, but the parcel is still
missing."), and losing them is worse than keeping a signature, so both are
checked here before they are removed.
"""

from __future__ import annotations

import re

from mailparser_reply import EmailMessage, EmailReply
from mailparser_reply.constants import MAIL_LANGUAGES

# Languages Baton's customers write in most; only those the library knows are used
# (it silently ignores unknown codes, so the filter just documents what is active).
_WANTED_LANGUAGES = ("en", "de", "fr", "es", "pt", "it", "nl", "sv", "da", "pl")
REPLY_LANGUAGES: tuple[str, ...] = tuple(code for code in _WANTED_LANGUAGES if code in MAIL_LANGUAGES)

# A sign-off line is short ("Best regards, Jane Doe"); a sentence that starts like one is not.
_MAX_SIGN_OFF_WORDS = 5
# Signatures are a few lines; a "sign-off" followed by a long text is the middle of the message.
_MAX_SIGNATURE_LINES = 12


def _parser(text: str) -> EmailMessage:
    # keep_hyphen_lists: the default signature rule treats any line starting with "- " as the
    # start of a signature and would cut a customer's bullet list ("- order 1\n- order 2").
    return EmailMessage(text=text, languages=list(REPLY_LANGUAGES), keep_hyphen_lists=True)


_SIGNATURE = _parser("").SIGNATURE_REGEX


def extract_reply_text(text: str) -> str:
    """The latest reply in ``text``; the whole text when stripping would leave nothing."""
    if not text.strip():
        return ""
    message = _parser(text).read()
    reply = _without_disclaimers(message.replies[0]) if message.replies else ""
    reply = _drop_trailing_quote(_strip_signature(reply))
    return reply if reply.strip() else text.strip()


def _without_disclaimers(reply: EmailReply) -> str:
    """The reply without its header line, and without disclaimers that open or close it.

    Banners ("CAUTION: This email originated outside…") come first, legal notices last;
    a "Warning:" sentence between the customer's own paragraphs is the customer's.
    """
    body = str(reply.content).replace(reply.headers or "", "").strip()
    for disclaimer in reply.disclaimers or []:
        position = body.find(disclaimer)
        if position < 0:
            continue
        before, after = body[:position], body[position + len(disclaimer) :]
        if not before.strip() or not after.strip():
            body = (before + after).strip()
    return body


def _strip_signature(body: str) -> str:
    """Cut at the first line that really starts a signature block."""
    search_from = 0
    while (match := _SIGNATURE.search(body, search_from)) is not None:
        block = match.group()
        start = match.start() + len(block) - len(block.lstrip())
        lines = [line for line in block.strip().split("\n") if line.strip()]
        first_line = lines[0].lstrip("> ") if lines else ""
        if (
            start > 0  # a mail that is only a sign-off is kept whole
            and len(first_line.split()) <= _MAX_SIGN_OFF_WORDS
            and not first_line.rstrip().endswith("?")
            and len(lines) <= _MAX_SIGNATURE_LINES
        ):
            return body[:start].rstrip()
        next_line = body.find("\n", start)
        if next_line < 0:
            break
        search_from = next_line + 1
    return body


def _drop_trailing_quote(text: str) -> str:
    """Remove a trailing ``>``-quoted block that has no attribution line above it.

    Some clients quote without an "On … wrote:" line; the library only splits on
    such headers, so a bare quote would otherwise stay in the reply.
    """
    lines = text.rstrip().split("\n")
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
