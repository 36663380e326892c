# ruff: noqa: E501  (translations read better unbroken)
"""Fixed customer-facing phrases in the supported languages.

Offline, everything the agent says that is not quoted from the knowledge comes from here,
so a Spanish-speaking customer is greeted, asked and handed over in Spanish even when
the help centre is written in English.
"""

from __future__ import annotations

from typing import Any

PHRASES: dict[str, dict[str, str]] = {
    "greeting": {
        "en": "Hello! How can I help you today?",
        "es": "¡Hola! ¿En qué puedo ayudarte hoy?",
        "fr": "Bonjour ! Comment puis-je vous aider aujourd'hui ?",
        "de": "Hallo! Wie kann ich Ihnen heute helfen?",
        "pt": "Olá! Como posso ajudar hoje?",
        "ar": "مرحبًا! كيف يمكنني مساعدتك اليوم؟",
    },
    "thanks": {
        "en": "You're welcome! Is there anything else I can help with?",
        "es": "¡De nada! ¿Hay algo más en lo que pueda ayudarte?",
        "fr": "Avec plaisir ! Puis-je vous aider pour autre chose ?",
        "de": "Gern geschehen! Kann ich sonst noch etwas für Sie tun?",
        "pt": "De nada! Posso ajudar com mais alguma coisa?",
        "ar": "على الرحب والسعة! هل هناك أي شيء آخر يمكنني مساعدتك فيه؟",
    },
    "goodbye": {
        "en": "Goodbye, and have a great day!",
        "es": "¡Hasta luego y que tengas un buen día!",
        "fr": "Au revoir et bonne journée !",
        "de": "Auf Wiedersehen und einen schönen Tag!",
        "pt": "Até logo e tenha um ótimo dia!",
        "ar": "مع السلامة، أتمنى لك يومًا رائعًا!",
    },
    "how_are_you": {
        "en": "I'm doing well, thanks for asking! How can I help you today?",
        "es": "¡Muy bien, gracias por preguntar! ¿En qué puedo ayudarte?",
        "fr": "Très bien, merci de demander ! Comment puis-je vous aider ?",
        "de": "Mir geht es gut, danke der Nachfrage! Wie kann ich helfen?",
        "pt": "Estou bem, obrigado por perguntar! Como posso ajudar?",
        "ar": "أنا بخير، شكرًا لسؤالك! كيف يمكنني مساعدتك؟",
    },
    "identity": {
        "en": "I'm the virtual assistant. I answer from our help centre, "
        "and I can bring in a person from our team whenever you ask. How can I help?",
        "es": "Soy el asistente virtual. Respondo con nuestro centro de ayuda y puedo "
        "pasarte con una persona del equipo cuando lo pidas. ¿En qué puedo ayudarte?",
        "fr": "Je suis l'assistant virtuel. Je réponds à partir de notre centre d'aide et je peux "
        "faire intervenir une personne de l'équipe dès que vous le demandez. Comment puis-je vous aider ?",
        "de": "Ich bin der virtuelle Assistent. Ich antworte aus unserem Hilfe-Center und kann "
        "jederzeit eine Person aus unserem Team hinzuholen. Wie kann ich helfen?",
        "pt": "Sou o assistente virtual. Respondo com base na nossa central de ajuda e posso "
        "chamar uma pessoa da equipe quando você pedir. Como posso ajudar?",
        "ar": "أنا المساعد الافتراضي. أجيب من مركز المساعدة لدينا ويمكنني تحويلك إلى أحد "
        "أعضاء فريقنا متى طلبت ذلك. كيف يمكنني مساعدتك؟",
    },
    "anything_else": {
        "en": "Is there anything else I can help with?",
        "es": "¿Hay algo más en lo que pueda ayudarte?",
        "fr": "Puis-je vous aider pour autre chose ?",
        "de": "Kann ich sonst noch etwas für Sie tun?",
        "pt": "Posso ajudar com mais alguma coisa?",
        "ar": "هل هناك أي شيء آخر يمكنني مساعدتك فيه؟",
    },
    "handoff": {
        "en": "I'm passing your conversation to a member of our team now; they can see everything we've discussed.",
        "es": "Estoy pasando tu conversación a una persona de nuestro equipo; podrá ver todo lo que hemos hablado.",
        "fr": "Je transmets votre conversation à un membre de notre équipe ; il verra tout ce que nous avons échangé.",
        "de": "Ich übergebe Ihr Gespräch jetzt an unser Team; es sieht alles, was wir besprochen haben.",
        "pt": "Estou passando sua conversa para uma pessoa da nossa equipe; ela verá tudo o que conversamos.",
        "ar": "أقوم الآن بتحويل محادثتك إلى أحد أعضاء فريقنا، وسيطّلع على كل ما ناقشناه.",
    },
    "handoff_closed_email": {
        "en": "I've passed your message to our team. We're closed right now, so expect a reply "
        "by email after we open on {when}.",
        "es": "He pasado tu mensaje a nuestro equipo. Ahora estamos cerrados, así que recibirás "
        "una respuesta por correo después de abrir el {when}.",
        "fr": "J'ai transmis votre message à notre équipe. Nous sommes fermés pour le moment ; "
        "vous recevrez une réponse par e-mail après notre réouverture le {when}.",
        "de": "Ich habe Ihre Nachricht an unser Team weitergegeben. Wir haben gerade geschlossen; "
        "Sie erhalten eine Antwort per E-Mail, nachdem wir am {when} öffnen.",
        "pt": "Passei sua mensagem para nossa equipe. Estamos fechados agora, então espere uma "
        "resposta por e-mail depois que abrirmos em {when}.",
        "ar": "لقد نقلت رسالتك إلى فريقنا. نحن مغلقون الآن، لذا توقّع ردًا عبر البريد الإلكتروني بعد أن نفتح في {when}.",
    },
    "handoff_closed_live": {
        "en": "Our team is offline right now and back on {when}. You can leave a message and "
        "we'll get back to you, or wait here for the team.",
        "es": "Nuestro equipo no está disponible ahora y vuelve el {when}. Puedes dejar un "
        "mensaje y te responderemos, o esperar aquí al equipo.",
        "fr": "Notre équipe est absente pour le moment et revient le {when}. Vous pouvez laisser "
        "un message et nous vous répondrons, ou attendre ici l'équipe.",
        "de": "Unser Team ist gerade nicht erreichbar und ab {when} wieder da. Sie können eine "
        "Nachricht hinterlassen, und wir melden uns, oder hier auf das Team warten.",
        "pt": "Nossa equipe está offline agora e volta em {when}. Você pode deixar uma mensagem e "
        "retornaremos, ou aguardar aqui pela equipe.",
        "ar": "فريقنا غير متصل الآن ويعود في {when}. يمكنك ترك رسالة وسنعود إليك، أو الانتظار هنا حتى يتوفر الفريق.",
    },
    "handoff_closed_unknown": {
        "en": "Our team is offline right now; I've passed your message on and they will reply as soon as they are back.",
        "es": "Nuestro equipo no está disponible ahora; he pasado tu mensaje y te responderán en cuanto vuelvan.",
        "fr": "Notre équipe est absente ; j'ai transmis votre message et elle vous répondra dès son retour.",
        "de": "Unser Team ist gerade nicht erreichbar; ich habe Ihre Nachricht weitergegeben, "
        "es antwortet, sobald es zurück ist.",
        "pt": "Nossa equipe está offline; passei sua mensagem e ela responderá assim que voltar.",
        "ar": "فريقنا غير متصل الآن؛ لقد نقلت رسالتك وسيرد عليك فور عودته.",
    },
    "decline_human": {
        "en": "I'm sorry, a person from our team isn't available on this channel, "
        "but I'll do my best to help. What do you need?",
        "es": "Lo siento, en este canal no hay una persona del equipo disponible, "
        "pero haré todo lo posible por ayudarte. ¿Qué necesitas?",
        "fr": "Désolé, aucun membre de l'équipe n'est disponible sur ce canal, "
        "mais je vais faire de mon mieux pour vous aider. De quoi avez-vous besoin ?",
        "de": "Leider ist auf diesem Kanal niemand aus unserem Team erreichbar, "
        "aber ich helfe Ihnen gern weiter. Worum geht es?",
        "pt": "Desculpe, não há uma pessoa da equipe disponível neste canal, "
        "mas farei o possível para ajudar. Do que você precisa?",
        "ar": "عذرًا، لا يتوفر أحد من فريقنا على هذه القناة، لكنني سأبذل قصارى جهدي لمساعدتك. ماذا تحتاج؟",
    },
    "decline_topic": {
        "en": "I'm sorry, I can't help with that topic here.",
        "es": "Lo siento, no puedo ayudarte con ese tema aquí.",
        "fr": "Désolé, je ne peux pas vous aider sur ce sujet ici.",
        "de": "Leider kann ich Ihnen bei diesem Thema hier nicht helfen.",
        "pt": "Desculpe, não posso ajudar com esse assunto aqui.",
        "ar": "عذرًا، لا يمكنني المساعدة في هذا الموضوع هنا.",
    },
    "no_knowledge": {
        "en": "I'm sorry, I couldn't find information about that in our help centre.",
        "es": "Lo siento, no encontré información sobre eso en nuestro centro de ayuda.",
        "fr": "Désolé, je n'ai pas trouvé d'information à ce sujet dans notre centre d'aide.",
        "de": "Leider habe ich dazu in unserem Hilfe-Center nichts gefunden.",
        "pt": "Desculpe, não encontrei informações sobre isso na nossa central de ajuda.",
        "ar": "عذرًا، لم أجد معلومات حول ذلك في مركز المساعدة لدينا.",
    },
    "rephrase": {
        "en": "I couldn't find that in our help centre. Could you tell me a bit more, "
        "for example which product or order it is about?",
        "es": "No lo encontré en nuestro centro de ayuda. ¿Podrías darme más detalles, "
        "por ejemplo sobre qué producto o pedido se trata?",
        "fr": "Je n'ai pas trouvé cela dans notre centre d'aide. Pouvez-vous m'en dire plus, "
        "par exemple le produit ou la commande concernés ?",
        "de": "Dazu habe ich im Hilfe-Center nichts gefunden. Können Sie mir mehr sagen, "
        "zum Beispiel um welches Produkt oder welche Bestellung es geht?",
        "pt": "Não encontrei isso na nossa central de ajuda. Pode me dar mais detalhes, "
        "por exemplo sobre qual produto ou pedido se trata?",
        "ar": "لم أجد ذلك في مركز المساعدة لدينا. هل يمكنك إخباري بالمزيد، مثل المنتج أو الطلب المعني؟",
    },
    "try_first": {
        "en": "I'd like to try to solve this for you first. Could you describe the problem? "
        "If you still prefer a person afterwards, just ask again.",
        "es": "Me gustaría intentar resolverlo primero. ¿Podrías describir el problema? "
        "Si luego prefieres hablar con una persona, vuelve a pedirlo.",
        "fr": "J'aimerais d'abord essayer de résoudre cela. Pouvez-vous décrire le problème ? "
        "Si vous préférez ensuite parler à quelqu'un, redemandez-le.",
        "de": "Ich würde das gern zuerst selbst lösen. Können Sie das Problem beschreiben? "
        "Wenn Sie danach lieber mit einer Person sprechen, fragen Sie einfach noch einmal.",
        "pt": "Gostaria de tentar resolver isso primeiro. Pode descrever o problema? "
        "Se depois ainda preferir falar com uma pessoa, é só pedir novamente.",
        "ar": "أود أن أحاول حل هذا أولًا. هل يمكنك وصف المشكلة؟ إذا كنت لا تزال تفضّل التحدث إلى شخص بعد ذلك، فاطلب ذلك مرة أخرى.",
    },
    "collect": {
        "en": "Before I pass you to our team, could you share your {fields}?",
        "es": "Antes de pasarte con nuestro equipo, ¿podrías indicarme tu {fields}?",
        "fr": "Avant de vous mettre en relation avec notre équipe, pouvez-vous m'indiquer votre {fields} ?",
        "de": "Bevor ich Sie an unser Team weitergebe: Können Sie mir Ihre {fields} nennen?",
        "pt": "Antes de passar você para nossa equipe, pode informar seu {fields}?",
        "ar": "قبل أن أحوّلك إلى فريقنا، هل يمكنك مشاركة {fields}؟",
    },
    "describe_problem": {
        "en": "Of course. So that our team can help quickly, could you briefly describe the problem?",
        "es": "Por supuesto. Para que el equipo pueda ayudarte rápido, ¿podrías describir brevemente el problema?",
        "fr": "Bien sûr. Pour que l'équipe puisse vous aider rapidement, pouvez-vous décrire brièvement le problème ?",
        "de": "Gern. Damit unser Team schnell helfen kann: Können Sie das Problem kurz beschreiben?",
        "pt": "Claro. Para que a equipe possa ajudar rapidamente, pode descrever brevemente o problema?",
        "ar": "بالتأكيد. حتى يتمكن الفريق من مساعدتك بسرعة، هل يمكنك وصف المشكلة باختصار؟",
    },
    "and": {"en": "and", "es": "y", "fr": "et", "de": "und", "pt": "e", "ar": "و"},
    "source": {
        "en": "Source",
        "es": "Fuente",
        "fr": "Source",
        "de": "Quelle",
        "pt": "Fonte",
        "ar": "المصدر",
    },
}

FIELD_LABELS: dict[str, dict[str, str]] = {
    "email": {
        "en": "email address",
        "es": "correo electrónico",
        "fr": "adresse e-mail",
        "de": "E-Mail-Adresse",
        "pt": "e-mail",
        "ar": "بريدك الإلكتروني",
    },
    "phone": {
        "en": "phone number",
        "es": "número de teléfono",
        "fr": "numéro de téléphone",
        "de": "Telefonnummer",
        "pt": "telefone",
        "ar": "رقم هاتفك",
    },
    "name": {"en": "name", "es": "nombre", "fr": "nom", "de": "Namen", "pt": "nome", "ar": "اسمك"},
    "order_number": {
        "en": "order number",
        "es": "número de pedido",
        "fr": "numéro de commande",
        "de": "Bestellnummer",
        "pt": "número do pedido",
        "ar": "رقم الطلب",
    },
    "problem": {
        "en": "a short description of the problem",
        "es": "una breve descripción del problema",
        "fr": "une brève description du problème",
        "de": "eine kurze Beschreibung des Problems",
        "pt": "uma breve descrição do problema",
        "ar": "وصفًا موجزًا للمشكلة",
    },
}


def phrase(key: str, language: str, **values: Any) -> str:
    """The phrase in ``language`` (English when that language has no translation)."""
    table = PHRASES[key]
    text = table.get(language) or table["en"]
    return text.format(**values) if values else text


def field_label(field: str, language: str) -> str:
    labels = FIELD_LABELS.get(field)
    if labels is None:
        return field.replace("_", " ")
    return labels.get(language) or labels["en"]


def join_words(items: list[str], language: str) -> str:
    """ "a, b and c" in the conversation's language."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {phrase('and', language)} {items[-1]}"
