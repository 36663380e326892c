"""The summary a rep reads in ten seconds: who, what they want, what the AI tried, why it handed off.

Built offline from the turn and its result, in the conversation's language or the org's
(``settings["assistant"]["summary_language"]``). With an LLM configured, the model
rewrites it as prose from the same facts; any failure falls back to the offline text.
"""

from __future__ import annotations

import re

from baton.assistant.human_request import detect_human_request
from baton.assistant.policy import is_real_answer
from baton.assistant.providers.base import ChatMessage, LLMError, LLMProvider
from baton.assistant.settings import AssistantSettings
from baton.assistant.smalltalk import detect_small_talk
from baton.assistant.text import content_tokens, normalize
from baton.assistant.turn import TurnInput, TurnResult, visible_collected

MAX_SUMMARY_CHARS = 32_000

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "customer": "Customer",
        "wants": "Wants",
        "tried": "AI tried",
        "why": "Handed off because",
        "sentiment": "Sentiment",
        "collected": "Collected",
        "priority": "Priority",
        "language": "Language",
        "unknown": "unknown",
        "verified": "verified",
        "unverified": "not verified",
        "nothing": "nothing yet",
        "latest": "Latest message",
        "hours": "Office hours",
        "closed_until": "closed, next opening",
        "angry": "angry",
        "neutral": "neutral",
        "happy": "happy",
        "sources": "sources",
    },
    "es": {
        "customer": "Cliente",
        "wants": "Quiere",
        "tried": "La IA intentó",
        "why": "Transferido porque",
        "sentiment": "Sentimiento",
        "collected": "Datos recogidos",
        "priority": "Prioridad",
        "language": "Idioma",
        "unknown": "desconocido",
        "verified": "verificado",
        "unverified": "no verificado",
        "nothing": "nada aún",
        "latest": "Último mensaje",
        "hours": "Horario",
        "closed_until": "cerrado, próxima apertura",
        "angry": "enfadado",
        "neutral": "neutral",
        "happy": "contento",
        "sources": "fuentes",
    },
    "fr": {
        "customer": "Client",
        "wants": "Demande",
        "tried": "L'IA a essayé",
        "why": "Transféré car",
        "sentiment": "Sentiment",
        "collected": "Données recueillies",
        "priority": "Priorité",
        "language": "Langue",
        "unknown": "inconnu",
        "verified": "vérifié",
        "unverified": "non vérifié",
        "nothing": "rien pour l'instant",
        "latest": "Dernier message",
        "hours": "Horaires",
        "closed_until": "fermé, prochaine ouverture",
        "angry": "en colère",
        "neutral": "neutre",
        "happy": "satisfait",
        "sources": "sources",
    },
    "de": {
        "customer": "Kunde",
        "wants": "Anliegen",
        "tried": "Die KI versuchte",
        "why": "Übergeben, weil",
        "sentiment": "Stimmung",
        "collected": "Erfasste Daten",
        "priority": "Priorität",
        "language": "Sprache",
        "unknown": "unbekannt",
        "verified": "verifiziert",
        "unverified": "nicht verifiziert",
        "nothing": "noch nichts",
        "latest": "Letzte Nachricht",
        "hours": "Öffnungszeiten",
        "closed_until": "geschlossen, nächste Öffnung",
        "angry": "verärgert",
        "neutral": "neutral",
        "happy": "zufrieden",
        "sources": "Quellen",
    },
    "pt": {
        "customer": "Cliente",
        "wants": "Quer",
        "tried": "A IA tentou",
        "why": "Transferido porque",
        "sentiment": "Sentimento",
        "collected": "Dados coletados",
        "priority": "Prioridade",
        "language": "Idioma",
        "unknown": "desconhecido",
        "verified": "verificado",
        "unverified": "não verificado",
        "nothing": "nada ainda",
        "latest": "Última mensagem",
        "hours": "Horário",
        "closed_until": "fechado, próxima abertura",
        "angry": "irritado",
        "neutral": "neutro",
        "happy": "satisfeito",
        "sources": "fontes",
    },
    "ar": {
        "customer": "العميل",
        "wants": "يريد",
        "tried": "حاول الذكاء الاصطناعي",
        "why": "تم التحويل لأن",
        "sentiment": "المشاعر",
        "collected": "البيانات المجمعة",
        "priority": "الأولوية",
        "language": "اللغة",
        "unknown": "غير معروف",
        "verified": "موثق",
        "unverified": "غير موثق",
        "nothing": "لا شيء بعد",
        "latest": "آخر رسالة",
        "hours": "ساعات العمل",
        "closed_until": "مغلق، الافتتاح التالي",
        "angry": "غاضب",
        "neutral": "محايد",
        "happy": "راضٍ",
        "sources": "المصادر",
    },
}

_REASONS: dict[str, dict[str, str]] = {
    "en": {
        "user_requested_human_assistance": "the customer asked for a person",
        "prohibited_topic": "the topic is one the AI must not handle",
        "insufficient_knowledge": "the help centre does not answer the question",
        "insufficient_tools": "a lookup the answer needed failed",
        "instructions_not_clear": "the instructions do not cover this case",
        "based_on_instructions": "the instructions say a person handles this",
        "customer_frustrated": "the customer is frustrated",
        "unproductive_conversation": "the conversation was not progressing",
    },
    "es": {
        "user_requested_human_assistance": "el cliente pidió hablar con una persona",
        "prohibited_topic": "el tema no puede tratarlo la IA",
        "insufficient_knowledge": "el centro de ayuda no responde la pregunta",
        "insufficient_tools": "falló una consulta necesaria",
        "instructions_not_clear": "las instrucciones no cubren este caso",
        "based_on_instructions": "las instrucciones indican que lo atienda una persona",
        "customer_frustrated": "el cliente está frustrado",
        "unproductive_conversation": "la conversación no avanzaba",
    },
    "fr": {
        "user_requested_human_assistance": "le client a demandé une personne",
        "prohibited_topic": "le sujet ne doit pas être traité par l'IA",
        "insufficient_knowledge": "le centre d'aide ne répond pas à la question",
        "insufficient_tools": "une consultation nécessaire a échoué",
        "instructions_not_clear": "les instructions ne couvrent pas ce cas",
        "based_on_instructions": "les instructions prévoient qu'une personne s'en occupe",
        "customer_frustrated": "le client est frustré",
        "unproductive_conversation": "la conversation n'avançait pas",
    },
    "de": {
        "user_requested_human_assistance": "der Kunde wollte mit einer Person sprechen",
        "prohibited_topic": "die KI darf dieses Thema nicht bearbeiten",
        "insufficient_knowledge": "das Hilfe-Center beantwortet die Frage nicht",
        "insufficient_tools": "eine nötige Abfrage ist fehlgeschlagen",
        "instructions_not_clear": "die Anweisungen decken diesen Fall nicht ab",
        "based_on_instructions": "laut Anweisungen übernimmt eine Person",
        "customer_frustrated": "der Kunde ist frustriert",
        "unproductive_conversation": "das Gespräch kam nicht voran",
    },
    "pt": {
        "user_requested_human_assistance": "o cliente pediu para falar com uma pessoa",
        "prohibited_topic": "o assunto não pode ser tratado pela IA",
        "insufficient_knowledge": "a central de ajuda não responde à pergunta",
        "insufficient_tools": "uma consulta necessária falhou",
        "instructions_not_clear": "as instruções não cobrem este caso",
        "based_on_instructions": "as instruções dizem que uma pessoa deve atender",
        "customer_frustrated": "o cliente está frustrado",
        "unproductive_conversation": "a conversa não avançava",
    },
    "ar": {
        "user_requested_human_assistance": "طلب العميل التحدث إلى شخص",
        "prohibited_topic": "الموضوع لا يجوز للذكاء الاصطناعي التعامل معه",
        "insufficient_knowledge": "مركز المساعدة لا يجيب عن السؤال",
        "insufficient_tools": "فشل استعلام مطلوب",
        "instructions_not_clear": "التعليمات لا تغطي هذه الحالة",
        "based_on_instructions": "التعليمات تنص على أن يتولى شخص الأمر",
        "customer_frustrated": "العميل محبط",
        "unproductive_conversation": "المحادثة لم تكن تتقدم",
    },
}

_SOURCE_LINE = re.compile(r"^(?:Source|Fuente|Quelle|Fonte|المصدر)\s*:\s*(.+)$", re.MULTILINE)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _what_they_want(turn: TurnInput) -> str | None:
    """The first message that says what the customer needs (not a greeting, not only "a human please")."""
    messages = [item.text for item in turn.history if item.role == "customer"]
    if not messages or messages[-1] != turn.message:
        messages.append(turn.message)
    for text in messages:
        if detect_small_talk(text) is not None:
            continue
        request = detect_human_request(text)
        remainder = normalize(text).replace(request.evidence, " ") if request else text
        if len(content_tokens(remainder)) >= 2:
            return text
    return None


def offline_summary(turn: TurnInput, result: TurnResult, language: str) -> str:
    labels = _LABELS.get(language, _LABELS["en"])
    reasons_words = _REASONS.get(language, _REASONS["en"])
    contact = turn.contact
    who = [contact.name or labels["unknown"]]
    who += [value for value in (contact.email, contact.phone) if value]
    who.append(labels["verified"] if contact.verified else labels["unverified"])
    extras = [f"{key}={_short(str(value), 40)}" for key, value in list(contact.data.items())[:8]]
    lines = [f"{labels['customer']}: {', '.join(who)}" + (f" ({'; '.join(extras)})" if extras else "")]

    wants = _what_they_want(turn)
    lines.append(f"{labels['wants']}: {_short(wants, 400) if wants else labels['unknown']}")
    if wants is not None and wants != turn.message:
        lines.append(f"{labels['latest']}: {_short(turn.message, 300)}")

    attempts = [text for item in turn.history if item.role == "ai" and is_real_answer(text := item.text)]
    sources = [match.strip() for text in attempts for match in _SOURCE_LINE.findall(text)]
    sources += [citation.heading or citation.source for citation in result.citations]
    tried_parts = [_short(_SOURCE_LINE.sub("", text), 160) for text in attempts[-3:]]
    tried = " | ".join(tried_parts) if tried_parts else labels["nothing"]
    if sources:
        tried += f" ({labels['sources']}: {'; '.join(dict.fromkeys(sources))})"
    lines.append(f"{labels['tried']}: {tried}")

    if result.reasons:
        lines.append(f"{labels['why']}: {'; '.join(reasons_words.get(r, r) for r in result.reasons)}")
    if result.reasoning:
        lines.append(f"  {_short(result.reasoning, 600)}")
    lines.append(
        f"{labels['sentiment']}: {labels.get(result.sentiment, result.sentiment)} · "
        f"{labels['priority']}: {result.priority} · {labels['language']}: {result.language}"
    )
    collected = visible_collected(result.collected)
    if collected:
        lines.append(
            f"{labels['collected']}: " + "; ".join(f"{k}={_short(v, 200)}" for k, v in collected.items())
        )
    if result.office_hours is not None and not result.office_hours.open:
        opening = result.office_hours.next_opening
        lines.append(f"{labels['hours']}: {labels['closed_until']} {opening.isoformat() if opening else '—'}")
    return "\n".join(lines)[:MAX_SUMMARY_CHARS]


async def summarize_turn(
    turn: TurnInput, result: TurnResult, settings: AssistantSettings, provider: LLMProvider | None
) -> str:
    language = result.language if settings.summary_language == "conversation" else settings.language
    facts = offline_summary(turn, result, language)
    if provider is None:
        return facts
    transcript = "\n".join(f"{item.role}: {_short(item.text, 500)}" for item in turn.history[-20:])
    prompt = [
        ChatMessage(
            "system",
            "Write a handoff summary for a support rep in at most 120 words, in the language with code "
            f"{language}. Use only the facts and transcript given; do not add anything. Keep the customer's "
            "identity, what they want, what was tried (with sources), why it was handed off, sentiment and "
            "collected data.",
        ),
        ChatMessage("user", f"Facts:\n{facts}\n\nTranscript:\n{transcript}\ncustomer: {turn.message}"),
    ]
    try:
        text = await provider.complete(prompt, max_tokens=400, temperature=0.0)
    except LLMError:
        return facts
    text = text.strip()
    return text[:MAX_SUMMARY_CHARS] if text else facts
