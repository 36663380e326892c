"""Message-ID handling: one normal form for every id Baton stores or compares.

Normal form: the id *without* angle brackets, with surrounding whitespace and
any RFC 5322 comment removed, case preserved (the local part is case-sensitive;
mail systems compare ids byte for byte). ``<CAF=x@mail.gmail.com>`` becomes
``CAF=x@mail.gmail.com``. Headers are written with the brackets added back.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time

# An id inside angle brackets. Whitespace inside is dropped later: it only appears when a
# broken client folded a long id across lines.
_BRACKETED_ID = re.compile(r"<([^<>]*)>")
# Parenthesised comments, e.g. In-Reply-To: <id> (Your message of Monday).
_COMMENT = re.compile(r"\([^()]*\)")

# Trace headers added by every hop; they differ between two deliveries of the same mail.
_TRACE_HEADERS = frozenset(
    {b"received", b"return-path", b"delivered-to", b"x-original-to", b"x-received", b"arc-seal"}
)

SYNTHETIC_DOMAIN = "synthetic.baton.invalid"


def normalize_message_id(value: str | None) -> str | None:
    """The normal form of one Message-ID header value, or None when it holds no usable id."""
    ids = parse_message_id_list(value)
    return ids[0] if ids else None


def parse_message_id_list(value: str | None) -> list[str]:
    """Every id in a References/In-Reply-To style value, in order, normalised and de-duplicated.

    Tolerates what real clients send: ids without brackets, commas between ids,
    folded lines and trailing comments.
    """
    if not value:
        return []
    text = _COMMENT.sub(" ", value)
    found = [re.sub(r"\s+", "", inner) for inner in _BRACKETED_ID.findall(text)]
    if not found:
        # Some clients (and hand-written scripts) omit the brackets entirely.
        found = [token.strip("<>") for token in re.split(r"[\s,]+", text) if "@" in token]
    unique: list[str] = []
    for message_id in found:
        if message_id and message_id not in unique:
            unique.append(message_id)
    return unique


def format_message_id(message_id: str) -> str:
    """Header form of a normalised id: ``<id>``."""
    return f"<{message_id.strip().strip('<>')}>"


def new_message_id(domain: str) -> str:
    """A fresh, globally unique Message-ID on ``domain``, in normal form (no brackets).

    Time first so ids sort roughly by creation in logs; 128 random bits make
    collisions between processes impossible in practice.
    """
    domain = domain.strip().strip(".").lower()
    if not domain or any(ch in domain for ch in "<>@ \t\r\n"):
        raise ValueError(f"not a usable Message-ID domain: {domain!r}")
    return f"{time.time_ns():x}.{secrets.token_hex(16)}@{domain}"


def synthetic_message_id(raw: bytes) -> str:
    """A deterministic id for mail that arrived without a Message-ID.

    Derived from a SHA-256 of the raw message with the per-hop trace headers
    removed and line endings unified, so the same mail delivered twice (by SMTP
    with CRLF, or by a webhook with LF, via different relays) gets the same id
    and is deduplicated.
    """
    digest = hashlib.sha256(_stable_bytes(raw)).hexdigest()
    return f"sha256-{digest[:40]}@{SYNTHETIC_DOMAIN}"


def _stable_bytes(raw: bytes) -> bytes:
    lines = raw.replace(b"\r\n", b"\n").split(b"\n")
    kept: list[bytes] = []
    in_headers = True
    skipping = False
    for index, line in enumerate(lines):
        if in_headers:
            if line == b"":
                in_headers = False
                kept.extend(lines[index:])
                break
            if line[:1] in (b" ", b"\t"):
                # Continuation of the previous header: follow its fate.
                if not skipping:
                    kept.append(line)
                continue
            name = line.split(b":", 1)[0].strip().lower()
            skipping = name in _TRACE_HEADERS
            if not skipping:
                kept.append(line)
    return b"\n".join(kept).rstrip(b"\n")
