"""Which language the conversation is in (BCP-47 primary subtag).

lingua is accurate on sentences but guesses on one-word messages ("hello" scores as
Spanish), so the conversation's language is sticky: a short or ambiguous message keeps
the language already known for the session, and a few greeting words decide a first
short message. The detector is built once per process from the supported languages only,
which keeps it small (tens of MB instead of ~800 MB for every language).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from baton.assistant.text import words

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "de", "pt", "ar")
DEFAULT_LANGUAGE = "en"

_LINGUA = {
    "en": Language.ENGLISH,
    "es": Language.SPANISH,
    "fr": Language.FRENCH,
    "de": Language.GERMAN,
    "pt": Language.PORTUGUESE,
    "ar": Language.ARABIC,
}
_CODES = {language: code for code, language in _LINGUA.items()}

# Words that settle a short message on their own (normalised: no accents, lower case).
_MARKER_WORDS: dict[str, str] = {
    **dict.fromkeys(
        [
            "hello",
            "hi",
            "hey",
            "thanks",
            "thank",
            "cheers",
            "bye",
            "goodbye",
            "please",
            "yes",
            "human",
            "agent",
        ],
        "en",
    ),
    **dict.fromkeys(
        ["hola", "gracias", "adios", "buenas", "buenos", "chao", "humano", "persona", "favor"], "es"
    ),
    **dict.fromkeys(["bonjour", "salut", "merci", "bonsoir", "revoir", "humain", "conseiller", "svp"], "fr"),
    **dict.fromkeys(
        ["hallo", "danke", "tschuss", "servus", "moin", "guten", "mensch", "mitarbeiter", "bitte"], "de"
    ),
    **dict.fromkeys(["ola", "obrigado", "obrigada", "tchau", "oi", "atendente"], "pt"),
}

# Below this many letters a message alone is too short to trust a statistical guess.
_SHORT_MESSAGE_LETTERS = 20
_CONFIDENT = 0.6


@lru_cache(maxsize=1)
def language_detector() -> LanguageDetector:
    """The process-wide detector, restricted to the supported languages."""
    return LanguageDetectorBuilder.from_languages(*_LINGUA.values()).build()


def _has_arabic_script(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


def _marker_language(text: str) -> str | None:
    for word in words(text):
        if word in _MARKER_WORDS:
            return _MARKER_WORDS[word]
    return None


def _statistical_guess(text: str) -> tuple[str, float] | None:
    values = language_detector().compute_language_confidence_values(text)
    if not values:
        return None
    best = values[0]
    return _CODES[best.language], float(best.value)


def detect_language(
    message: str,
    *,
    known: str | None = None,
    previous_customer_messages: Sequence[str] = (),
    default: str = DEFAULT_LANGUAGE,
) -> str:
    """The conversation's language after ``message``; ``known`` is the language detected so far."""
    known = known.split("-")[0].lower() if known else None
    if known not in SUPPORTED_LANGUAGES:
        known = None
    if _has_arabic_script(message):
        return "ar"
    letters = sum(ch.isalpha() for ch in message)
    if letters >= _SHORT_MESSAGE_LETTERS:
        guess = _statistical_guess(message)
        if guess is not None and guess[1] >= _CONFIDENT:
            return guess[0]
    if known is not None:
        return known
    marker = _marker_language(message)
    if marker is not None:
        return marker
    context = " ".join([*previous_customer_messages[-3:], message])
    if sum(ch.isalpha() for ch in context) >= 8:
        guess = _statistical_guess(context)
        if guess is not None and guess[1] >= 0.4:
            return guess[0]
    return default
