"""Matching customer messages against plain-language topics ("legal action or lawsuits").

Offline there is no model to compare meanings, so each topic is expanded through a
built-in concept map: a topic that mentions "lawsuits" pulls in the whole legal group
("sue", "my lawyer", "take you to court", "demanda", "avocat", "Anwalt", "advogado",
"محامي"…). A message matches a topic when it contains one of those phrases, or when it
contains most of the topic's own informative words (with a little fuzziness for
spelling). Limits, stated in docs/ai.md: a topic outside the concept map only matches on
its own words; paraphrases the map does not list are missed.

The same matcher serves the org's handoff instructions ("hand off when …").
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from baton.assistant.text import content_tokens, is_stopword, words


@dataclass(frozen=True)
class Concept:
    name: str
    keys: tuple[str, ...]  # words that, in a topic description, point to this concept
    terms: tuple[str, ...]  # phrases that, in a message, express it (any supported language)


def _split_words(text: str) -> list[str]:
    return text.split()


def _phrases(text: str) -> tuple[str, ...]:
    return tuple(phrase.strip() for phrase in text.split("|") if phrase.strip())


def _body_parts(prefixes: list[str], parts: list[str]) -> tuple[str, ...]:
    return tuple(f"{prefix} {part}" for prefix in prefixes for part in parts)


CONCEPTS: tuple[Concept, ...] = (
    Concept(
        "legal",
        keys=_phrases(
            "legal | lawsuit | lawsuits | lawyer | lawyers | litigation | court | sue | attorney | law"
        ),
        terms=_phrases(
            "lawsuit | sue you | suing | sue your company | lawyer | lawyers | attorney | legal "
            "action | take you to court | see you in court | court | solicitor | litigation | small "
            "claims | class action | legal proceedings | legal team | trading standards | demanda | "
            "demandar | demandare | abogado | abogados | tribunal | tribunales | juicio | accion "
            "legal | acciones legales | denuncia | avocat | avocats | proces | poursuivre | "
            "poursuites | action en justice | porter plainte | justice | anwalt | anwaltin | "
            "rechtsanwalt | klage | verklagen | gericht | rechtliche schritte | advogado | advogados "
            "| processar | acao judicial | justica | procon | محامي | محام | دعوي | محكمه | قضيه | "
            "مقاضاه | القضاء"
        ),
    ),
    Concept(
        "injury",
        keys=_phrases("injury | injuries | injured | accident | accidents | medical | hurt | harm | health"),
        terms=_phrases(
            "injury | injuries | injured | i got hurt | got hurt | was hurt | hurt myself | hospital "
            "| concussion | bleeding | emergency room | stitches | fracture | fractured | fell off my "
            "bike | fell off the bike | thrown off | crashed my bike | bike crash | accident | doctor "
            "| herido | herida | lesion | me lastime | me cai | accidente | fractura | medico | "
            "urgencias | blesse | blessee | blessure | hopital | je suis tombe | je suis tombee | "
            "medecin | urgences | verletzt | verletzung | unfall | krankenhaus | gesturzt | arzt | "
            "notaufnahme | ferido | ferida | ferimento | acidente | me machuquei | fratura | pronto "
            "socorro | اصابه | مصاب | اصبت | حادث | مستشفي | كسر | طبيب | جرح"
        )
        + _body_parts(
            ["broke my", "broken", "hurt my", "injured my", "sprained my"],
            _split_words("arm wrist leg ankle collarbone hand finger rib ribs knee nose back shoulder hip"),
        ),
    ),
    Concept(
        "press",
        keys=_phrases(
            "press | media | journalist | journalists | reporter | reporters | newspaper | interview"
        ),
        terms=_phrases(
            "journalist | =reporter | =reporters | press inquiry | press enquiry | press office | "
            "press release | "
            "press contact | media inquiry | media enquiry | newspaper | magazine | writing a story | "
            "writing an article about | podcast | tv show | documentary | periodista | "
            "prensa | reportaje | medio de comunicacion | journaliste | presse | reportage | journal "
            "| journalistin | =zeitung | redaktion | jornalista | imprensa | reportagem | صحفي | صحفيه "
            "| صحافه | اعلام | جريده"
        ),
    ),
    Concept(
        "account_closure",
        keys=_phrases("deletion | delete | close | closure | closing | deactivate"),
        terms=_phrases(
            "delete my account | delete account | close my account | deactivate my account | remove "
            "my account | cancel my account | erase my account | account deletion | borrar mi cuenta "
            "| eliminar mi cuenta | cerrar mi cuenta | dar de baja mi cuenta | supprimer mon compte | "
            "fermer mon compte | suppression de compte | supprimer compte | konto loschen | mein "
            "konto loschen | konto schliessen | account loschen | excluir minha conta | apagar minha "
            "conta | encerrar minha conta | deletar minha conta | حذف حسابي | اغلاق حسابي | حذف "
            "الحساب"
        ),
    ),
    Concept(
        "personal_data",
        keys=_phrases("data | privacy | gdpr | personal"),
        terms=_phrases(
            "gdpr | right to be forgotten | data protection | personal data | erase my data | delete "
            "my data | delete my information | data subject | subject access request | dsar | what "
            "data do you hold | privacy request | privacy complaint | borrar mis datos | eliminar mis "
            "datos | datos personales | rgpd | proteccion de datos | supprimer mes donnees | donnees "
            "personnelles | droit a l'oubli | personenbezogene daten | dsgvo | datenschutz | daten "
            "loschen | apagar meus dados | excluir meus dados | dados pessoais | lgpd | حذف بياناتي | "
            "بياناتي | البيانات الشخصيه | الخصوصيه"
        ),
    ),
    Concept(
        "payment_dispute",
        keys=_phrases("chargeback | chargebacks | dispute | disputes | disputed"),
        terms=_phrases(
            "chargeback | charge back | dispute | disputed | disputing | reverse the charge | reverse "
            "the payment | my bank is investigating | contacted my bank | called my bank | "
            "contracargo | disputa | reclamacion al banco | reclamar al banco | retrofacturation | "
            "contestation bancaire | litige | contester le paiement | ruckbuchung | lastschrift "
            "zuruck | widerspruch bei meiner bank | estorno | contestacao | contestar a compra | نزاع "
            "| اعتراض علي الدفع"
        ),
    ),
    Concept(
        "refund",
        keys=_phrases("refund | refunds | reimbursement | money"),
        terms=_phrases(
            "refund | refunded | money back | reimburse | reimbursement | repay | reembolso | "
            "reembolsar | devolucion del dinero | devuelvan el dinero | devolver el dinero | "
            "remboursement | rembourser | rembourse | ruckerstattung | erstattung | erstatten | geld "
            "zuruck | reembolso | reembolsar | dinheiro de volta | devolucao do dinheiro | estornar | "
            "استرداد | استرجاع المبلغ | استرجاع الفلوس | ارجاع المبلغ"
        ),
    ),
    Concept(
        "fraud",
        keys=_phrases("fraud | security | hacked | stolen | unauthorized | unauthorised | theft"),
        terms=_phrases(
            "fraud | fraudulent | hacked | hacker | stolen card | unauthorized charge | unauthorised "
            "charge | i didn't make this purchase | phishing | identity theft | someone used my "
            "account | someone logged into my account | compromised | fraude | hackeado | hackearon | "
            "robo de identidad | cargo no autorizado | piratage | pirate | usurpation | paiement non "
            "autorise | betrug | gehackt | nicht autorisiert | identitatsdiebstahl | hackeada | "
            "invadida | invadiram | cobranca nao autorizada | احتيال | اختراق | مخترق | سرقه الهويه"
        ),
    ),
    Concept(
        "self_harm",
        keys=_phrases("suicide | self-harm | self | crisis | harm"),
        terms=_phrases(
            "suicide | suicidal | kill myself | self harm | end my life | suicidio | matarme | "
            "quitarme la vida | me suicider | suicidaire | selbstmord | umbringen | suizid | me matar "
            "| suicidio | انتحار | اقتل نفسي"
        ),
    ),
    Concept(
        "harassment",
        keys=_phrases("harassment | discrimination | abuse | staff | employee | driver"),
        terms=_phrases(
            "harassment | harassed | harassing | discriminated | discrimination | racist | sexist | "
            "abusive | rude driver | rude employee | rude staff | your driver was | your employee was "
            "| acoso | acosado | acosada | discriminacion | racista | harcelement | harcele | "
            "discrimination | raciste | belastigung | belastigt | diskriminierung | rassistisch | "
            "assedio | assediado | assediada | discriminacao | racista | تحرش | عنصري | تمييز"
        ),
    ),
    Concept(
        "careers",
        keys=_phrases("job | jobs | career | careers | hiring | recruitment | employment | vacancies"),
        terms=_phrases(
            "job opening | job openings | job offer | apply for a job | looking for a job | job "
            "application | hiring | career | careers | vacancy | vacancies | job interview | "
            "internship | work for you | my cv | my resume | trabajo | empleo | vacante | trabajar "
            "con ustedes | mi curriculum | emploi | candidature | travailler chez vous | mon cv | "
            "stelle | bewerbung | arbeitsplatz | praktikum | lebenslauf | vaga | emprego | trabalhar "
            "com voces | curriculo | estagio | وظيفه | توظيف | سيرتي الذاتيه"
        ),
    ),
    Concept(
        "partnership",
        keys=_phrases(
            "partnership | partnerships | wholesale | reseller | resellers | sponsorship | b2b | business"
        ),
        terms=_phrases(
            "partnership | partner with you | wholesale | reseller | resell | distributor | "
            "sponsorship | sponsor | affiliate program | bulk order | corporate order | fleet order | "
            "stockist | alianza | mayorista | distribuidor | patrocinio | revendedor | partenariat | "
            "grossiste | revendeur | distributeur | sponsoring | partnerschaft | grosshandel | "
            "handler werden | wiederverkaufer | sponsoring | parceria | atacado | revenda | "
            "patrocinio | شراكه | موزع | رعايه | بالجمله"
        ),
    ),
    Concept(
        "price_negotiation",
        keys=_phrases("negotiation | negotiate | negotiating | haggle | price-matching | price"),
        terms=_phrases(
            "negotiate | negotiation | price match | match the price | better price | lower the price "
            "| haggle | cheaper elsewhere | best price you can do | negociar | mejor precio | rebajar "
            "el precio | negocier | meilleur prix | baisser le prix | verhandeln | besseren preis | "
            "preis senken | negociar o preco | melhor preco | تفاوض | سعر افضل"
        ),
    ),
    Concept(
        "subscription_cancellation",
        keys=_phrases("subscription | membership | cancellation | cancel"),
        terms=_phrases(
            "cancel my subscription | cancel subscription | cancel my membership | end my "
            "subscription | stop my subscription | unsubscribe from the plan | cancelar mi "
            "suscripcion | cancelar la suscripcion | darme de baja | resilier mon abonnement | "
            "annuler mon abonnement | resiliation | abo kundigen | abonnement kundigen | "
            "mitgliedschaft kundigen | kundigung | cancelar minha assinatura | cancelar a assinatura "
            "| cancelamento | الغاء الاشتراك | الغاء اشتراكي"
        ),
    ),
    Concept(
        "safety_hazard",
        keys=_phrases("safety | hazard | hazards | fire | recall | recalls | dangerous"),
        terms=_phrases(
            "fire | caught fire | smoke | smoking battery | overheating | overheated | exploded | "
            "explosion | burning smell | melted | recall | unsafe | dangerous | sparks | incendio | "
            "humo | se quemo | sobrecalentamiento | exploto | peligroso | retirada | incendie | fumee "
            "| surchauffe | explose | dangereux | rappel | rauch | uberhitzt | explodiert | "
            "gefahrlich | ruckruf | feuer | incendio | fumaca | superaquecimento | explodiu | "
            "perigoso | حريق | دخان | انفجار | خطير | سخونه زائده"
        ),
    ),
)


# Words that say nothing about what a topic is ("questions about …", "anything related to …").
_GENERIC = frozenset(
    content_tokens(
        "question questions about topic topics related regarding issue issues request requests "
        "enquiries enquiry inquiries inquiry anything customer customers involving including concerning "
        "any other our product products matter matters thing things case cases problem problems"
    )
)
_FUZZY_RATIO = 0.86


@dataclass(frozen=True)
class TopicMatch:
    topic: str
    evidence: str  # the phrase or words of the message that matched


@dataclass(frozen=True)
class _ExpandedTopic:
    topic: str
    own_tokens: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]


def _contains_sequence(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    """The phrase's words side by side, in any order ("konto löschen" / "löschen Sie mein Konto")."""
    size = len(phrase)
    if size == 0 or size > len(tokens):
        return False
    wanted = sorted(phrase)
    return any(sorted(tokens[i : i + size]) == wanted for i in range(len(tokens) - size + 1))


# A term marked "=" is compared unstemmed: "reporter" must not meet "report", nor "Zeitung" "Zeit".
_EXACT = "="


def _term_tokens(term: str) -> tuple[str, ...]:
    if term.startswith(_EXACT):
        return (_EXACT, *_unstemmed(term[1:]))
    return tuple(content_tokens(term))


def _unstemmed(text: str) -> list[str]:
    return [word for word in words(text) if not is_stopword(word) and len(word) > 1]


@lru_cache(maxsize=1024)
def expand_topic(topic: str) -> _ExpandedTopic:
    """The topic's own informative words and the phrases of every concept it mentions."""
    own = [token for token in content_tokens(topic) if token not in _GENERIC]
    phrases: set[tuple[str, ...]] = set()
    for concept in CONCEPTS:
        keys = {token for key in concept.keys for token in content_tokens(key)}
        if keys.intersection(own):
            phrases.update(_term_tokens(term) for term in concept.terms)
    # Multi-word topics also match on their own wording ("late delivery compensation").
    if len(own) >= 2:
        phrases.add(tuple(own))
    return _ExpandedTopic(topic, tuple(dict.fromkeys(own)), tuple(sorted(p for p in phrases if p)))


def _similar(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < 5:
        return False
    return a[:5] == b[:5] or SequenceMatcher(None, a, b).ratio() >= _FUZZY_RATIO


def match_topic(message: str, topic: str) -> TopicMatch | None:
    tokens = content_tokens(message)
    plain = _unstemmed(message)
    if not tokens:
        return None
    expanded = expand_topic(topic)
    for phrase in expanded.phrases:
        if phrase[0] == _EXACT:
            if _contains_sequence(plain, phrase[1:]):
                return TopicMatch(topic, " ".join(phrase[1:]))
        elif _contains_sequence(tokens, phrase):
            return TopicMatch(topic, " ".join(phrase))
    own = expanded.own_tokens
    if not own:
        return None
    matched = [word for word in own if any(_similar(word, token) for token in tokens)]
    # Most of the topic's own words must be there; one word of a multi-word topic is not enough.
    needed = 1 if len(own) == 1 else max(2, round(0.6 * len(own)))
    if len(matched) >= needed:
        return TopicMatch(topic, " ".join(matched))
    return None


def match_topics(message: str, topics: list[str]) -> list[TopicMatch]:
    """Every topic of ``topics`` that ``message`` is about."""
    return [match for topic in topics if (match := match_topic(message, topic)) is not None]
