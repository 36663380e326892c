"""Is the customer asking to talk to a person?

A request needs two parts: an act aimed at the customer getting someone (talk/speak *to*,
transfer me *to*, I want/need …, get me …) and a person as its object (human, agent,
representative, someone…). That structure is what separates "can I talk to a human?"
from look-alikes that only mention people: "I'm not a robot", "are you human?", "can a
human read this later?", "your agent was great", "am I talking to a real person?" (the
progressive "talking"/"hablando"/"parle" is a question about *now*, not a request).

A request is cancelled by a negation directly in front of it ("I don't want to talk to
a human", "no quiero hablar con una persona") but not by one elsewhere in the sentence
("why can't I talk to a human?" is still a request).

Rules run on normalised text (no accents, folded Arabic letters), for every supported
language at once: the detected language of a three-word message is often wrong, and a
request must never be missed because of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from baton.assistant.text import normalize

# --- English ---------------------------------------------------------------------------------
_EN_PERSON = (
    r"(?:(?:a|an|the|some|your|one|of|any|real|actual|live|human|proper|customer|support|service|"
    r"help|desk|care|team|sales|billing|technical|tech|of your)\s+){0,4}"
    r"(?:human(?:s| being)?|person|people|agent|representative|rep|operator|someone|somebody|anyone|"
    r"anybody|staff(?: member)?|employee|advisor|adviser|manager|supervisor|team member|"
    r"customer (?:service|support|care)|support (?:team|staff)|live chat|associate|consultant)\b"
)
_EN = [
    rf"\b(?:talk|speak|chat|converse)\s+(?:(?:directly|right now|now)\s+)?(?:to|with)\s+{_EN_PERSON}",
    rf"\b(?:connect|transfer|put|pass|forward|redirect|route|switch|hand|send)\s+"
    rf"(?:me|us|this|my (?:call|chat|case|ticket|request|question))\s+(?:(?:through|over|directly)\s+)?"
    rf"(?:to|with)\s+{_EN_PERSON}",
    rf"(?:\b(?:i|we)\s+(?:really\s+|just\s+)?(?:want|need|would like|wanna|demand|require|prefer|insist on|"
    rf"request|am requesting|ask for|am asking for)|\b(?:i'd|id|we'd)\s+(?:really\s+)?(?:like|prefer))\s+"
    rf"(?:(?:to\s+(?:talk|speak|chat)\s+(?:to|with)|to\s+get|to\s+have)\s+)?{_EN_PERSON}",
    rf"\b(?:get|give|find|bring)\s+me\s+{_EN_PERSON}",
    rf"\b(?:is|are)\s+there\s+{_EN_PERSON}.{{0,40}}\b(?:talk|speak|chat|help|available|contact|reach)",
    rf"\b(?:how|where)\s+(?:do|can|could)\s+i\s+(?:contact|reach|get hold of|get in touch with|get)\s+"
    rf"{_EN_PERSON}",
    rf"\b(?:can|could|would|will)\s+{_EN_PERSON}\s+(?:please\s+)?(?:call|phone|ring|contact|email)\s+me",
    rf"\b(?:have|let)\s+{_EN_PERSON}\s+(?:call|contact|email|help)\s+me",
    r"\b(?:please|pls|can you|could you|i want to|i need to|i'd like to|i would like to)\s+escalate\b",
    r"\bescalate\s+(?:this|my (?:case|issue|ticket|request))\s+(?:to\s+)?(?:a\s+)?"
    r"(?:human|person|manager|supervisor)",
    r"\b(?:human|real person|live agent|live person)\s+(?:please|pls|plz|now|asap|needed|required)\b",
    r"\bno more (?:bot|bots|robot|ai|automated)\b.{0,30}\b(?:human|person|agent|someone)\b",
    r"\b(?:representative|operator|human|agent|real person|live agent|person)\s*!{2,}",
]
_EN_STANDALONE = re.compile(
    r"^(?:(?:please|pls|hey|hi|hello|ok|okay)\s+)?(?:a\s+|an\s+)?(?:real\s+|live\s+|actual\s+|human\s+)?"
    r"(?:human|person|agent|representative|rep|operator|human agent|live agent|customer service|"
    r"customer support|live support|live chat|human support|support agent|somebody|someone real)"
    r"(?:\s+(?:please|pls|plz|now|asap|thanks|thank you))*$"
)

# --- Spanish ---------------------------------------------------------------------------------
_ES_PERSON = (
    r"(?:(?:un|una|el|la|los|las|algun|alguna|con|a|del|de|al|su|sus|otro|otra)\s+){0,3}"
    r"(?:humano|ser humano|persona(?:\s+(?:real|de verdad|fisica|humana))?|agente|asesor(?:a)?|"
    r"operador(?:a)?|"
    r"representante|alguien|ejecutivo|ejecutiva|empleado|empleada|encargado|encargada|supervisor(?:a)?|"
    r"gerente|atencion al cliente|servicio al cliente|soporte|equipo)\b"
)
_ES = [
    rf"\b(?:hablar|charlar|conversar|comunicarme|contactar|contactarme|chatear|platicar)\s+(?:con|a)\s+{_ES_PERSON}",
    rf"\b(?:quiero|necesito|deseo|prefiero|exijo|quisiera|me gustaria|pido|solicito)\s+"
    rf"(?:que me atienda|que me atiendan|hablar con|hablar a)?\s*{_ES_PERSON}",
    rf"\b(?:pasame|pasarme|paseme|pasenme|comunicame|comuniqueme|comunicarme|transfiereme|transfierame|"
    rf"transferirme|ponme|pongame|derivame|contactame con)\s+(?:con|a)?\s*{_ES_PERSON}",
    rf"\bhay\s+{_ES_PERSON}.{{0,40}}\b(?:hablar|atender|ayudar|atienda|disponible)",
    r"\batencion (?:humana|personal|personalizada)\b",
    r"^(?:un\s+|una\s+)?(?:humano|agente|asesor|operador|persona real|representante)(?:\s+por favor)?$",
]

# --- French ----------------------------------------------------------------------------------
_FR_PERSON = (
    r"(?:(?:un|une|le|la|les|l'|du|de|des|a|avec|vrai|vraie|votre|vos)\s*){0,3}"
    r"(?:humain|etre humain|personne(?:\s+(?:reelle|physique|humaine))?|agent|conseiller(?:e)?|operateur|"
    r"operatrice|representant(?:e)?|quelqu'un|quelqu un|employe(?:e)?|responsable|superviseur|"
    r"service client|service clientele|interlocuteur)\b"
)
_FR = [
    rf"\b(?:parler|discuter|echanger|causer)\s+(?:a|avec)\s+{_FR_PERSON}",
    rf"\b(?:je veux|je voudrais|j'aimerais|je souhaite|je souhaiterais|je demande|il me faut|je prefere|"
    rf"j'exige|je desire)\s+(?:parler\s+(?:a|avec)\s+|etre mis en relation avec\s+|avoir\s+)?{_FR_PERSON}",
    rf"\b(?:mettez-moi|mettez moi|passez-moi|passez moi|transferez-moi|transferez moi|redirigez-moi|"
    rf"redirigez moi|mets-moi|mets moi|passe-moi|passe moi)\s+(?:en relation\s+|en contact\s+)?(?:avec|a)?\s*"
    rf"{_FR_PERSON}",
    rf"\by a-t-il\s+{_FR_PERSON}",
    r"^(?:un\s+|une\s+)?(?:humain|conseiller|agent|operateur|vraie personne)(?:\s+(?:svp|s'il vous plait))?$",
]

# --- German ----------------------------------------------------------------------------------
_DE_PERSON = (
    r"(?:(?:einem|einer|einen|eine|ein|dem|der|den|ihrem|ihren|echten|richtigen|realen|menschlichen|"
    r"lebenden|echte|echter|zustandigen)\s+){0,3}"
    r"(?:menschen|mensch|mitarbeiter(?:in)?|berater(?:in)?|agenten|agent|person|jemandem|jemand|"
    r"kundenservice|kundendienst|support|operator|ansprechpartner(?:in)?|vorgesetzten|sachbearbeiter(?:in)?)\b"
)
_DE = [
    rf"\b(?:mit|zu)\s+{_DE_PERSON}\s+(?:\w+\s+){{0,2}}(?:sprechen|reden|verbunden|chatten|telefonieren|schreiben)",
    rf"\b(?:will|mochte|moechte|brauche|hatte gern|hatte gerne|wurde gern|wurde gerne|verlange|wunsche)\s+"
    rf"(?:(?:gern|gerne|bitte|jetzt|sofort)\s+)*(?:mit\s+)?{_DE_PERSON}",
    rf"\b(?:verbinden sie mich|verbinde mich|stellen sie mich|leiten sie mich|verbinden mich)\s+"
    rf"(?:\w+\s+){{0,2}}(?:mit|zu|an)\s+{_DE_PERSON}",
    rf"\bgibt es\s+{_DE_PERSON}.{{0,40}}\b(?:sprechen|reden|helfen)",
    r"^(?:einen\s+|ein\s+)?(?:mensch|menschen|mitarbeiter|berater|kundenservice)(?:\s+bitte)?$",
]

# --- Portuguese ------------------------------------------------------------------------------
_PT_PERSON = (
    r"(?:(?:um|uma|o|a|os|as|algum|alguma|com|de|do|da|seu|sua)\s+){0,3}"
    r"(?:humano|ser humano|pessoa(?:\s+(?:real|de verdade|humana))?|atendente|agente|representante|"
    r"operador(?:a)?|alguem|consultor(?:a)?|funcionario|funcionaria|gerente|supervisor(?:a)?|suporte)\b"
)
_PT = [
    rf"\b(?:falar|conversar|papear|comunicar-me|comunicar me)\s+(?:com|a|para)\s+{_PT_PERSON}",
    rf"\b(?:quero|preciso|gostaria|desejo|prefiro|exijo|queria|peco)\s+"
    rf"(?:de\s+)?(?:falar com\s+|ser atendido por\s+|ser atendida por\s+)?{_PT_PERSON}",
    rf"\b(?:me\s+)?(?:transfere|transfira|transferir|passa|passe|encaminha|encaminhe|coloca|coloque|"
    rf"transfere-me|transfira-me|passe-me|encaminhe-me)\s+(?:me\s+)?(?:para|pra|com)\s+{_PT_PERSON}",
    rf"\b(?:tem|ha)\s+{_PT_PERSON}.{{0,40}}\b(?:falar|atender|ajudar|disponivel)",
    r"\batendimento (?:humano|humanizado|pessoal)\b",
    r"^(?:um\s+|uma\s+)?(?:humano|atendente|agente|pessoa real)(?:\s+por favor)?$",
]

# --- Arabic (normalised: ا for أ/إ/آ, ه for ة, ي for ى) ------------------------------------
_AR_PERSON = r"(?:ب|ل|ال|بال|لل)?(?:موظف|شخص|انسان|بشري|وكيل|ممثل|مندوب|احد|مشرف|مدير|خدمه العملاء|عميل خدمه)"
_AR = [
    rf"(?:اريد|اود|ابغي|ابي|بدي|عايز|عاوز|احتاج|اطلب|نريد|ممكن)\s+(?:ان\s+)?"
    rf"(?:(?:اتحدث|اكلم|التحدث|التكلم|تكلم|احكي|الحديث|اتكلم|التواصل|اتواصل|تحويلي|التحويل|تحولني|تحويل)\s+)?"
    rf"(?:(?:مع|الي|ل|ب)\s+)?{_AR_PERSON}",
    rf"(?:حولني|حوليني|وصلني|اوصلني|حولوني|وصلوني)\s+(?:(?:الي|ل|مع|ب)\s+)?{_AR_PERSON}",
    rf"(?:التحدث|التكلم|اتحدث|اتكلم|اكلم|الكلام|التواصل)\s+(?:مع|الي|ل)\s+{_AR_PERSON}",
]

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    *(("en", re.compile(pattern)) for pattern in _EN),
    *(("es", re.compile(pattern)) for pattern in _ES),
    *(("fr", re.compile(pattern)) for pattern in _FR),
    *(("de", re.compile(pattern)) for pattern in _DE),
    *(("pt", re.compile(pattern)) for pattern in _PT),
    *(("ar", re.compile(pattern)) for pattern in _AR),
]

# A negation right in front of the request cancels it ("I don't want to talk to a human").
_NEGATED_PREFIX = re.compile(
    r"(?:\b(?:don't|dont|do not|does not|doesn't|never|no need to|rather not|without|not going to|won't)\s+"
    r"(?:(?:want|need|wish|have|like|really|even|ever|to|i)\s+)*"
    r"|\bno\s+(?:quiero|necesito|deseo|hace falta|me hace falta)\s+"
    r"|\bne\s+(?:veux|voudrais|souhaite|dois|souhaiterais)\s+pas\s+|\bpas besoin (?:de|d')\s*"
    r"|\b(?:nicht|keinen|keine|kein|no|nao)\s+"
    r"|\bnao\s+(?:quero|preciso|desejo|gostaria)\s+(?:de\s+)?"
    r"|(?:^|\s)(?:لا|لست|مش|ما)\s+)$"
)
# "Am I talking to…?" style questions in the languages where the infinitive is also the request form.
_QUESTION_ABOUT_NOW = re.compile(
    r"(?:\b(?:suis-je|suis je|est-ce que je suis|je suis)\s+en train de\s+"
    r"|\b(?:estoy|estamos)\s+"
    r"|(?:^|\s)هل\s+(?:انا\s+)?)$"
)


@dataclass(frozen=True)
class HumanRequest:
    language: str
    evidence: str  # the words that made it a request, shown to the rep


def detect_human_request(message: str) -> HumanRequest | None:
    """The explicit request for a person in ``message``, if there is one."""
    text = normalize(message)
    stripped = re.sub(r"[^\w\s'!-]", " ", text)
    stripped = " ".join(stripped.split())
    bare = stripped.replace("!", "").strip()
    if _EN_STANDALONE.match(bare):
        return HumanRequest("en", bare)
    for language, pattern in _PATTERNS:
        for match in pattern.finditer(stripped):
            prefix = stripped[: match.start()]
            if _NEGATED_PREFIX.search(prefix) or _QUESTION_ABOUT_NOW.search(prefix):
                continue
            return HumanRequest(language, match.group(0).strip())
    return None


def without_person_mentions(message: str) -> str:
    """The normalised message without any talk-to-a-person phrase, asked for or refused.

    "I don't want to talk to a human, just tell me the delivery time" is about delivery
    times; the words about people only dilute a knowledge search.
    """
    stripped = " ".join(re.sub(r"[^\w\s'!?-]", " ", normalize(message)).split())
    for _language, pattern in _PATTERNS:
        stripped = pattern.sub(" ", stripped)
    return " ".join(stripped.split())


def count_human_requests(customer_messages: list[str]) -> int:
    return sum(1 for text in customer_messages if detect_human_request(text) is not None)
