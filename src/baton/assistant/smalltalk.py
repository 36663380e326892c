"""Greetings, thanks, goodbyes and "are you a bot?": answered with a short courtesy, never handed off.

A message is small talk only when nothing else is left once the courtesy phrases are
removed: "thanks, bye" is small talk, "thanks, but my order never arrived" is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from baton.assistant.text import is_stopword, normalize

# Checked in this order: the first kind found decides the reply ("hi, how are you?" → how_are_you).
_KINDS: dict[str, list[str]] = {
    "identity": [
        r"(?:are|r) (?:you|u) (?:a |an )?(?:real |actual |live )?"
        r"(?:human|bot|robot|person|ai|machine|chatbot|real)",
        r"is this (?:a |an )?(?:real )?(?:bot|robot|human|person|ai|chatbot|machine)",
        r"am i (?:talking|speaking|chatting) (?:to|with) (?:a |an )?(?:real )?"
        r"(?:bot|robot|human|person|ai|machine)",
        r"who (?:are|r) (?:you|u)",
        r"what (?:are|r) (?:you|u)",
        r"i'?m not a (?:robot|bot)",
        r"i am not a (?:robot|bot)",
        r"(?:eres|es usted) (?:un |una )?(?:humano|robot|bot|persona(?: real)?|maquina|ia)",
        r"(?:estoy|estamos) hablando con (?:un |una )?(?:robot|bot|humano|persona(?: real)?|maquina)",
        r"no soy (?:un )?(?:robot|bot)",
        r"(?:etes-vous|etes vous|es-tu|es tu|tu es|vous etes) (?:un |une )?"
        r"(?:humain|robot|bot|vraie personne|ia)",
        r"(?:est-ce que )?je parle (?:a|avec) (?:un |une )?(?:robot|bot|humain|vraie personne)",
        r"(?:suis-je|suis je) en train de parler (?:a|avec) (?:un |une )?(?:robot|bot|humain|vraie personne)",
        r"je ne suis pas un (?:robot|bot)",
        r"(?:bist du|sind sie) (?:ein |eine )?(?:mensch|bot|roboter|ki|maschine)",
        r"(?:spreche|schreibe) ich (?:mit|gerade mit) (?:einem |einer )?(?:menschen|bot|roboter|maschine|ki)",
        r"ich bin kein (?:roboter|bot)",
        r"(?:voce e|vc e|e voce) (?:um |uma )?(?:humano|robo|bot|pessoa(?: real)?|ia)",
        r"(?:estou|to) falando com (?:um |uma )?(?:robo|bot|humano|pessoa(?: real)?)",
        r"(?:nao|eu nao) sou (?:um )?(?:robo|bot)",
        r"هل (?:انت|انتي) (?:انسان|روبوت|بوت|شخص حقيقي|الي)",
        r"هل (?:انا )?(?:اتحدث|اتكلم) (?:مع|الي) (?:انسان|روبوت|بوت|شخص حقيقي)",
        r"(?:انا )?لست (?:روبوت|روبوتا)",
        r"من (?:انت|انتي)",
    ],
    "how_are_you": [
        r"how (?:are|r) (?:you|u)(?: doing| today)?",
        r"how'?s it going",
        r"how do you do",
        r"(?:como|que tal) (?:estas|esta usted|te va|andas)",
        r"que tal",
        r"comment (?:ca va|allez-vous|allez vous|vas-tu|vas tu)",
        r"ca va",
        r"wie geht'?s(?: dir| ihnen)?",
        r"wie geht es (?:dir|ihnen)",
        r"tudo bem",
        r"como (?:vai|voce esta|vc esta)",
        r"كيف (?:حالك|الحال)",
    ],
    "goodbye": [
        r"bye(?: bye)?",
        r"goodbye",
        r"see (?:you|ya)(?: later| soon)?",
        r"have a (?:nice|good|great) (?:day|evening|weekend|one)",
        r"adios",
        r"hasta (?:luego|pronto|manana)",
        r"chao",
        r"au revoir",
        r"bonne (?:journee|soiree)",
        r"a bientot",
        r"tschuss",
        r"auf wiedersehen",
        r"schonen tag(?: noch)?",
        r"tchau",
        r"ate (?:logo|mais)",
        r"مع السلامه",
        r"وداعا",
        r"الي اللقاء",
    ],
    "thanks": [
        r"thank (?:you|u)(?: so much| very much| a lot)?",
        r"thanks(?: a lot| so much)?",
        r"thx",
        r"ty",
        r"cheers",
        r"(?:much )?appreciated",
        r"appreciate it",
        r"(?:muchas )?gracias",
        r"merci(?: beaucoup| bien)?",
        r"(?:vielen )?dank(?:e)?(?: schon| sehr)?",
        r"(?:muito )?(?:obrigado|obrigada)",
        r"شكرا(?: جزيلا| لك)?",
    ],
    "greeting": [
        r"hi(?: there)?",
        r"hello(?: there)?",
        r"hey(?: there)?",
        r"hiya",
        r"good (?:morning|afternoon|evening|day)",
        r"greetings",
        r"yo",
        r"hola",
        r"buen(?:os|as) (?:dias|tardes|noches)",
        r"buenas",
        r"bonjour",
        r"bonsoir",
        r"salut",
        r"coucou",
        r"hallo",
        r"guten (?:morgen|tag|abend)",
        r"servus",
        r"moin",
        r"ola",
        r"oi",
        r"bom dia",
        r"boa (?:tarde|noite)",
        r"مرحبا",
        r"السلام عليكم",
        r"اهلا(?: وسهلا)?",
        r"صباح الخير",
        r"مساء الخير",
    ],
    "ack": [
        r"ok(?:ay)?",
        r"great",
        r"perfect",
        r"cool",
        r"got it",
        r"alright",
        r"understood",
        r"vale",
        r"perfecto",
        r"de acuerdo",
        r"d'accord",
        r"parfait",
        r"super",
        r"alles klar",
        r"genau",
        r"certo",
        r"beleza",
        r"perfeito",
        r"تمام",
        r"حسنا",
    ],
}

_COMPILED = {
    kind: re.compile(r"(?:^|(?<=\s))(?:" + "|".join(patterns) + r")(?=\s|$)")
    for kind, patterns in _KINDS.items()
}

# Words that may be left over in a pure courtesy ("thanks so much guys", "hello again team").
_FILLER = frozenset(
    [
        "so",
        "much",
        "very",
        "lot",
        "there",
        "guys",
        "team",
        "everyone",
        "all",
        "folks",
        "again",
        "too",
        "bot",
        "you",
        "much",
        "good",
        "nice",
        "day",
        "really",
        "well",
        "then",
        "and",
        "for",
        "help",
        "your",
        "muy",
        "muito",
        "beaucoup",
        "tous",
        "tout",
        "equipe",
        "equipo",
        "leute",
        "vous",
        "toi",
        "du",
        "dir",
        "ihnen",
        "usted",
        "voce",
        "mucho",
    ]
)

# Words that turn a "thanks" into a complaint or a request ("thanks for nothing", "thanks but it broke").
_NEGATIVE = re.compile(
    r"\b(?:but|however|nothing|not|no|never|still|although|pero|mais|aber|mas|لكن|broke|broken|wrong|problem)\b"
)

# Smalltalk kind → the phrase that answers it (see phrases.PHRASES).
REPLY_PHRASE = {
    "identity": "identity",
    "how_are_you": "how_are_you",
    "goodbye": "goodbye",
    "thanks": "thanks",
    "greeting": "greeting",
    "ack": "anything_else",
}


@dataclass(frozen=True)
class SmallTalk:
    kind: str  # identity | how_are_you | goodbye | thanks | greeting | ack


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s'-]", " ", normalize(text)).split())


def detect_small_talk(message: str) -> SmallTalk | None:
    """The courtesy ``message`` is made of, or None when it carries anything else."""
    text = _plain(message)
    if not text:
        return None
    found: list[str] = []
    for kind, pattern in _COMPILED.items():
        if pattern.search(text):
            found.append(kind)
            text = pattern.sub(" ", text)
    if not found:
        return None
    leftover = [word for word in text.split() if not (is_stopword(word) or word in _FILLER)]
    if leftover:
        # Thanks with a compliment ("your agent was really helpful, thanks!") asks for nothing.
        if found == ["thanks"] and "?" not in message and not _NEGATIVE.search(text):
            return SmallTalk("thanks")
        return None
    return SmallTalk(found[0])


def has_thanks(message: str) -> bool:
    """True when the customer thanks us, even inside a longer message (a sign of resolution)."""
    return bool(_COMPILED["thanks"].search(_plain(message)))
