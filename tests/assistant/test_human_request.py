import pytest

from baton.assistant.human_request import count_human_requests, detect_human_request

REQUESTS = [
    "Can I talk to a human?",
    "I want to speak with an agent",
    "human please",
    "REPRESENTATIVE",
    "agent",
    "Transfer me to a real person",
    "I'd like to talk to someone from your team",
    "Why can't I talk to a human?",
    "get me a human now",
    "Is there a human I can talk to?",
    "How do I contact a real person?",
    "Can someone call me?",
    "I don't want a bot, I want a human",
    "Quiero hablar con una persona",
    "¿Puedo hablar con un agente?",
    "pásame con un asesor",
    "Je veux parler à un conseiller",
    "mettez-moi en relation avec un agent",
    "Ich möchte mit einem Menschen sprechen",
    "Verbinden Sie mich bitte mit einem Berater",
    "Quero falar com um atendente",
    "me transfere para um humano",
    "أريد التحدث مع موظف",
    "حولني إلى موظف خدمة العملاء",
]

LOOK_ALIKES = [
    "I'm not a robot",
    "can a human read this later?",
    "are you human?",
    "Am I talking to a real person?",
    "I don't want to talk to a human, just tell me the price",
    "Your agent was very helpful yesterday",
    "I spoke with an agent yesterday",
    "I like people who ride bikes",
    "talk to you later",
    "¿Estoy hablando con una persona?",
    "no quiero hablar con una persona",
    "Suis-je en train de parler à une vraie personne ?",
    "Je ne suis pas un robot",
    "Spreche ich mit einem Menschen?",
    "Ich möchte nicht mit einem Menschen sprechen",
    "Estou falando com um robô?",
    "هل أنت إنسان؟",
    "هل اتحدث مع انسان؟",
    "The delivery person left it at the door",
]


@pytest.mark.parametrize("message", REQUESTS)
def test_requests_for_a_person_are_detected(message: str) -> None:
    assert detect_human_request(message) is not None


@pytest.mark.parametrize("message", LOOK_ALIKES)
def test_look_alikes_are_not_requests(message: str) -> None:
    assert detect_human_request(message) is None


def test_the_evidence_and_language_are_reported() -> None:
    request = detect_human_request("Hola, quiero hablar con un asesor por favor")
    assert request is not None
    assert request.language == "es"
    assert "asesor" in request.evidence


def test_requests_are_counted_across_messages() -> None:
    assert count_human_requests(["hi", "agent please", "where is my order", "a human!!"]) == 2
