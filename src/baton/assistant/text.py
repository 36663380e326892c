"""Text normalisation shared by retrieval and the handoff detectors.

Everything that compares customer words with other words goes through ``normalize``:
lower case, accents removed (customers often type "telefono" for "teléfono"), Arabic
letter variants folded, apostrophes unified. Tokens get a light suffix stemmer so that
"refunds"/"refunded"/"refund" meet; it is deliberately crude and language-agnostic
because it runs on six languages without a stemming library.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ARABIC_FOLD_MAP = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": ""}
_APOSTROPHES_MAP = {"’": "'", "‘": "'", "`": "'", "´": "'"}
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*", re.UNICODE)


def _split(words: str) -> list[str]:
    return words.split()


# Function words of the supported languages (and question fillers such as "how long");
# removed before retrieval and topic matching.
STOPWORDS: frozenset[str] = frozenset(
    _split(
        """
    a an the and or but if of to in on at by for with from as is are was were be been being am
    do does did doing have has had having i me my mine we us our you your yours he him his she her
    it its they them their this that these those there here what which who whom whose when where
    why how not no nor so than too very can could would should will shall may might must just also
    about into over under up down out off again then once only own same such more most other some
    any each all both few s t don't doesn't didn't i'm i've i'd it's that's there's what's can't
    won't isn't aren't wasn't please hi hello hey thanks thank ok okay yes yeah want wanted need
    needs know like get got im ive dont cant wont would've let lets tell ask asking question
    long much many soon possible able anything something still really actually already guys
    hasn't haven't shouldn't wouldn't couldn't i'll sorry come comes go goes make take takes
    cuanto cuanta cuantos cuantas tiempo solo dime combien temps comment lange bekomme bekommen
    quanto tempo
    el la los las un una unos unas y o pero de del al en con por para como es son fue ser estar
    esta este esto estos estas ese esa eso lo le les se su sus mi mis tu tus yo nosotros que qué
    cual cuando donde porque muy mas más ya hay tengo tiene quiero puedo puede hola gracias favor
    le la les un une des et ou mais de du au aux en dans avec par pour comme est sont etre être
    ce cet cette ces il elle ils elles je tu nous vous mon ma mes ton ta tes son sa ses que qui
    quoi quand ou où pourquoi tres très plus ne pas ai a avez ont bonjour merci veux peux
    der die das den dem des ein eine einen einem einer und oder aber von zu im in am mit fur für
    auf als ist sind war sein ich du er sie es wir ihr mein meine dein deine was wer wie wann wo
    warum nicht kein keine sehr mehr hallo danke bitte habe hat möchte mochte kann konnen können
    o a os as um uma uns umas e ou mas de do da dos das em no na nos nas com por para como é sao são
    foi ser estar este esta isso esse essa eu voce você nos meu minha seu sua que quando onde
    porque muito mais nao não ola olá obrigado obrigada quero posso pode tenho
    في من على الى إلى عن مع هذا هذه ذلك تلك هو هي انا أنا انت أنت نحن هم ما ماذا متى اين أين كيف لماذا
    لا نعم او أو و ثم كل بعض قد لقد كان كانت يكون هل مرحبا شكرا اريد أريد
    """
    )
)


# Combining marks left by NFKD: Latin diacritics and Arabic short vowels (harakat).
_COMBINING = re.compile("[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_FOLD = str.maketrans({**_APOSTROPHES_MAP, **_ARABIC_FOLD_MAP})


def fold_accents(text: str) -> str:
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def normalize(text: str) -> str:
    """Lower case, no accents, folded Arabic letters, unified apostrophes, single spaces."""
    if text.isascii():
        # The common case, kept cheap: ingesting thousands of pages normalises every passage.
        return " ".join(text.replace("`", "'").lower().split())
    return " ".join(fold_accents(text.lower()).translate(_FOLD).split())


_NORMALIZED_STOPWORDS: frozenset[str] = frozenset(normalize(word) for word in STOPWORDS)

# Longest first, so "ations" wins over "s". Only stripped when a stem of 4+ letters remains.
_SUFFIXES: tuple[str, ...] = tuple(
    sorted(
        _split(
            "ations ation ments ment ings ing edly ed ies es s ly ers er "
            "ciones cion mente ados adas ado ada idos idas ido ida "
            "ements ement euses euse eurs eur ees ee ez "
            "ungen ung en "
            "coes cao"
        ),
        key=len,
        reverse=True,
    )
)

_ARABIC_ARTICLES = ("وال", "بال", "فال", "كال", "لل", "ال")
_ARABIC_PARTICLES = frozenset("وبلفك")


def _stem_arabic(token: str) -> str:
    # Arabic attaches the article and one-letter particles (and, with, for…) to the word:
    # "الحساب", "بالحساب" and "حساب" are the same word.
    for article in _ARABIC_ARTICLES:
        if token.startswith(article) and len(token) - len(article) >= 3:
            return token[len(article) :]
    if token[:1] in _ARABIC_PARTICLES and len(token) >= 5:
        return token[1:]
    return token


@lru_cache(maxsize=262_144)
def stem(token: str) -> str:
    """A crude multilingual suffix stripper (good enough to join inflections for BM25)."""
    if not token.isascii():
        return _stem_arabic(token)
    if len(token) <= 4:
        return token
    if token.endswith("ies") and len(token) > 5:
        return token[:-3] + "y"  # batteries → battery
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 4:
            token = token[: -len(suffix)]
            break
    # A final silent e joins "exchange" with "exchanges"/"exchanging" (→ exchang).
    if token.endswith("e") and len(token) > 5:
        token = token[:-1]
    return token


_FRENCH_ELISION = re.compile(r"\b(?:[dljnmtsc]|qu)'(?=\w)")


def words(text: str) -> list[str]:
    """Normalised word tokens, stop words included (for phrase matching); French elisions split off."""
    return _WORD.findall(_FRENCH_ELISION.sub("", normalize(text)))


def content_tokens(text: str) -> list[str]:
    """Stemmed tokens without stop words or single characters: what retrieval compares."""
    return [stem(word) for word in words(text) if word not in _NORMALIZED_STOPWORDS and len(word) > 1]


def is_stopword(word: str) -> bool:
    return word in _NORMALIZED_STOPWORDS
