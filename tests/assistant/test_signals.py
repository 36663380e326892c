"""Small talk, sentiment, prohibited topics and language: the signals the policy acts on."""

import pytest

from baton.assistant.language import detect_language
from baton.assistant.sentiment import read_sentiment
from baton.assistant.smalltalk import detect_small_talk
from baton.assistant.topics import match_topics


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("hi", "greeting"),
        ("Hello there!", "greeting"),
        ("thanks so much!", "thanks"),
        ("ok thanks, bye", "goodbye"),
        ("are you a bot?", "identity"),
        ("I'm not a robot", "identity"),
        ("¡Hola!", "greeting"),
        ("merci beaucoup", "thanks"),
        ("Guten Morgen", "greeting"),
        ("obrigado", "thanks"),
        ("مرحبا", "greeting"),
    ],
)
def test_small_talk_is_recognised(message: str, kind: str) -> None:
    found = detect_small_talk(message)
    assert found is not None and found.kind == kind


@pytest.mark.parametrize(
    "message",
    ["thanks, but my order never arrived", "hi, how do I charge the battery?", "hello I need a refund"],
)
def test_courtesy_with_a_request_is_not_small_talk(message: str) -> None:
    assert detect_small_talk(message) is None


@pytest.mark.parametrize(
    "message",
    [
        "THIS IS RIDICULOUS, WHERE IS MY BIKE",
        "This is the worst service, absolutely unacceptable",
        "what the fuck is going on with my order",
        "Esto es inaceptable, una vergüenza",
        "C'est scandaleux, j'en ai marre",
        "Das ist eine Frechheit!!",
    ],
)
def test_anger_is_read(message: str) -> None:
    assert read_sentiment(message).label == "angry"


def test_a_problem_description_is_not_anger() -> None:
    assert read_sentiment("My bike's display is broken and won't turn on").label == "neutral"
    assert read_sentiment("I'm a bit disappointed with the colour").label == "neutral"


def test_a_repeated_complaint_tips_into_anger() -> None:
    reading = read_sentiment("still not working, disappointed", ["I'm annoyed, the app is not syncing"])
    assert reading.label == "angry"
    assert "repeated complaint" in reading.signals


def test_thanks_reads_happy() -> None:
    assert read_sentiment("That worked, thank you!").label == "happy"


TOPICS = ["Legal action or lawsuits", "Injuries or accidents", "Account deletion and personal data requests"]


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("My lawyer will contact you", TOPICS[0]),
        ("Voy a poner una demanda", TOPICS[0]),
        ("Ich werde Sie verklagen", TOPICS[0]),
        ("I broke my wrist when the fork snapped", TOPICS[1]),
        ("Je suis tombé et je suis blessé", TOPICS[1]),
        ("Please delete my account", TOPICS[2]),
        ("I want you to erase my data under GDPR", TOPICS[2]),
    ],
)
def test_topics_match_on_meaning(message: str, topic: str) -> None:
    assert [match.topic for match in match_topics(message, TOPICS)] == [topic]


@pytest.mark.parametrize(
    "message",
    ["How do I delete an item from my cart?", "The chain fell off", "Does the app use mobile data?"],
)
def test_near_misses_do_not_match(message: str) -> None:
    assert match_topics(message, TOPICS) == []


def test_a_topic_outside_the_concept_map_matches_on_its_own_words() -> None:
    topics = ["late delivery compensation"]
    assert match_topics("I want compensation for the late delivery", topics)
    assert not match_topics("when is the delivery?", topics)


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("Where is my order? It has been two weeks.", "en"),
        ("¿Dónde está mi pedido? Ya pasaron dos semanas.", "es"),
        ("Où est ma commande ? Cela fait deux semaines.", "fr"),
        ("Wo ist meine Bestellung? Es sind schon zwei Wochen.", "de"),
        ("Onde está o meu pedido? Já faz duas semanas.", "pt"),
        ("أين طلبي؟ مر أسبوعان", "ar"),
        ("hello", "en"),
        ("hola", "es"),
    ],
)
def test_language_is_detected(message: str, language: str) -> None:
    assert detect_language(message) == language


def test_a_short_message_keeps_the_conversation_language() -> None:
    assert detect_language("ok", known="fr") == "fr"
    assert detect_language("Merci, et pour la livraison express ?", known="en") == "fr"
