"""Customer sentiment from a small multilingual lexicon and a few rules.

Signals of anger, each adding to a score: profanity (strong), words of outrage
("ridiculous", "inaceptable", "scandaleux"), milder words of annoyance ("disappointed"),
shouting (mostly capitals), runs of "!!", and a complaint that repeats an earlier one.
A problem description alone ("my bike is broken") is not anger. Happy means thanks or
praise with no anger at all. It is a rule set, not a model: it misses sarcasm and
anger written politely, which docs/ai.md states.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from baton.assistant.text import normalize


def _phrases(text: str) -> list[str]:
    return [phrase.strip() for phrase in text.split("|") if phrase.strip()]


# Weight 2: enough on its own to call a message angry.
_PROFANITY = _phrases(
    "fuck | fucking | fucked | fck | shit | shitty | bullshit | crap | crappy | wtf | asshole | "
    "idiots | idiot | mierda | joder | carajo | puta | puto | cono | pendejo | pendejos | estupido | "
    "estupidos | idiota | idiotas | merde | putain | connard | connards | bordel | scheisse | scheiss "
    "| verdammt | idioten | porra | caralho | merda | تبا | لعنه | زفت | حقير | اغبياء | غبي"
)
_OUTRAGE = _phrases(
    "ridiculous | unacceptable | terrible | horrible | awful | worst | useless | pathetic | "
    "disgusting | outrageous | scam | rip off | ripoff | rip-off | a joke | fed up | sick of | sick "
    "and tired | incompetent | shameful | disgrace | nightmare | furious | livid | i hate | never "
    "again | waste of time | how many times | for the last time | third time | joke of a | absolutely "
    "unbelievable | beyond frustrating | so frustrating | very angry | so angry | ridiculo | "
    "inaceptable | pesimo | inutil | inutiles | verguenza | harto | harta | furioso | furiosa | "
    "estafa | indignante | una broma | el peor | la peor | muy enojado | muy enojada | enfadado | "
    "enfadada | inadmissible | inacceptable | scandaleux | honteux | ridicule | lamentable | en "
    "colere | furieux | furieuse | marre | ras le bol | arnaque | n'importe quoi | c'est une blague | "
    "unverschamt | inakzeptabel | lacherlich | frechheit | katastrophe | katastrophal | wutend | "
    "sauer | unmoglich | furchtbar | schrecklich | nutzlos | betrug | es reicht | unfassbar | "
    "inaceitavel | absurdo | horrivel | vergonha | furiosa | palhacada | ridicula | cansado disso | "
    "cansada disso | nunca mais | غاضب | غاضبه | مهزله | فضيحه | غير مقبول | سخيف | احتيال | نصب | "
    "اسوا | زهقت"
)
# Weight 1: annoyance; angry only together with another signal.
_ANNOYANCE = _phrases(
    "disappointed | disappointing | annoyed | annoying | frustrated | frustrating | upset | unhappy | "
    "not happy | mad | still not | still hasn't | still haven't | still no | still waiting | again! | "
    "nobody | no one | no response | fix this | come on | stupid | dumb | decepcionado | decepcionada "
    "| molesto | molesta | frustrado | frustrada | enojado | enojada | todavia no | sigue sin | nadie "
    "| otra vez | decu | decue | agace | enerve | frustre | toujours pas | encore une fois | personne "
    "ne | enttauscht | verargert | genervt | frustriert | immer noch nicht | schon wieder | niemand | "
    "decepcionado | irritado | irritada | chateado | chateada | ainda nao | de novo | ninguem | مستاء "
    "| محبط | زعلان | لا يزال | مازال | حتي الان | سيء | سيئ"
)
_POSITIVE = _phrases(
    "thank | thanks | great | perfect | awesome | excellent | love it | amazing | happy | wonderful | "
    "helpful | that worked | it worked | works now | brilliant | solved | gracias | genial | perfecto "
    "| excelente | me encanta | feliz | funciono | merci | parfait | excellent | genial | super | ca "
    "marche | danke | toll | perfekt | prima | wunderbar | klasse | hat geklappt | obrigado | "
    "obrigada | otimo | perfeito | adorei | funcionou | شكرا | ممتاز | رائع | جميل"
)


def _phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str]:
    escaped = sorted((re.escape(normalize(phrase)) for phrase in phrases), key=len, reverse=True)
    return re.compile(r"(?:^|(?<=[\s\W]))(?:" + "|".join(escaped) + r")(?=$|[\s\W])")


_PROFANITY_RE = re.compile(r"(?:^|(?<=[\s\W]))(?:" + "|".join(_PROFANITY) + r")(?=$|[\s\W])")
_OUTRAGE_RE = _phrase_pattern(_OUTRAGE)
_ANNOYANCE_RE = _phrase_pattern(_ANNOYANCE)
_POSITIVE_RE = _phrase_pattern(_POSITIVE)
_EXCLAMATIONS = re.compile(r"[!?]*![!?]*!+")

ANGRY_THRESHOLD = 2


@dataclass(frozen=True)
class SentimentReading:
    label: str  # angry | neutral | happy
    anger: int  # the summed anger signals
    signals: tuple[str, ...]  # what was seen, for the rep and the debug timeline


def _shouting(message: str) -> bool:
    cased = [ch for ch in message if ch.isalpha() and ch.lower() != ch.upper()]
    if len(cased) < 10:
        return False
    return sum(ch.isupper() for ch in cased) / len(cased) >= 0.6


def anger_signals(message: str) -> tuple[int, list[str]]:
    text = normalize(message)
    score = 0
    signals: list[str] = []
    profanity = _PROFANITY_RE.findall(text)
    if profanity:
        score += 2
        signals.append("profanity")
    outrage = _OUTRAGE_RE.findall(text)
    if outrage:
        score += 2 * min(len(outrage), 2)
        signals.append("outrage: " + ", ".join(sorted(set(outrage))))
    annoyance = _ANNOYANCE_RE.findall(text)
    if annoyance:
        score += min(len(annoyance), 2)
        signals.append("annoyance: " + ", ".join(sorted(set(annoyance))))
    if _shouting(message):
        score += 2
        signals.append("shouting (capitals)")
    if _EXCLAMATIONS.search(message):
        score += 1
        signals.append("repeated exclamation marks")
    return score, signals


def strip_emotion(message: str) -> str:
    """The message without its words of anger (they describe the mood, not what to look up)."""
    text = normalize(message)
    for pattern in (_PROFANITY_RE, _OUTRAGE_RE, _ANNOYANCE_RE):
        text = pattern.sub(" ", text)
    return text


def read_sentiment(message: str, previous_customer_messages: Sequence[str] = ()) -> SentimentReading:
    """Sentiment of the customer now, taking their earlier complaints into account."""
    score, signals = anger_signals(message)
    if score > 0 and any(anger_signals(earlier)[0] > 0 for earlier in previous_customer_messages[-4:]):
        score += 1
        signals.append("repeated complaint")
    if score >= ANGRY_THRESHOLD:
        return SentimentReading("angry", score, tuple(signals))
    if score == 0 and _POSITIVE_RE.search(normalize(message)):
        return SentimentReading("happy", 0, ("thanks or praise",))
    return SentimentReading("neutral", score, tuple(signals))
