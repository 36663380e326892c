"""What the handoff settings mean in practice: presets and advanced toggles resolved to one policy.

| Preset          | human request        | frustration            | unproductive | no knowledge      |
|-----------------|----------------------|------------------------|--------------|-------------------|
| 0 AI only       | declined politely    | never                  | never        | says so, no handoff |
| 1 Quick         | at once              | any sign (angry)       | 2 failed     | at once           |
| 2 Balanced      | at once, after info  | strong or repeated     | 3 failed     | after 2 tries     |
| 3 AI-first      | on the second ask    | only after 2 answers   | 4 failed     | after 3 tries     |

Prohibited topics hand off at every level except 0 (where they are declined).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from baton.assistant.phrases import PHRASES
from baton.assistant.settings import HandoffSettings
from baton.assistant.text import content_tokens, normalize

HumanRequestMode = Literal["immediate", "repeated", "decline"]
FrustrationMode = Literal["any", "strong", "after_attempts", "off"]


@dataclass(frozen=True)
class Policy:
    handoff_enabled: bool
    human_request: HumanRequestMode
    frustration: FrustrationMode
    # Failed AI turns (could not answer, asked to rephrase…) before the conversation counts as stuck.
    unproductive_after: int | None
    # Consecutive turns without an answer before "insufficient_knowledge" hands off.
    low_confidence_after: int | None
    # Balanced and AI-first gather optional fields and a problem description too, not only required ones.
    collect_optional: bool
    # AI-first needs this many real answers before frustration alone hands off.
    attempts_before_frustration: int = 0


PRESETS: dict[int, Policy] = {
    0: Policy(False, "decline", "off", None, None, collect_optional=False),
    1: Policy(True, "immediate", "any", 2, 1, collect_optional=False),
    2: Policy(True, "immediate", "strong", 3, 2, collect_optional=True),
    3: Policy(True, "repeated", "after_attempts", 4, 3, collect_optional=True, attempts_before_frustration=2),
}


def resolve_policy(settings: HandoffSettings) -> Policy:
    if settings.mode == "preset":
        return PRESETS[settings.preset]
    toggles = settings.advanced
    if not toggles.enabled:
        return PRESETS[0]
    return Policy(
        handoff_enabled=True,
        human_request="immediate" if toggles.on_human_request else "decline",
        frustration="any" if toggles.on_frustration else "off",
        unproductive_after=2 if toggles.on_unproductive else None,
        low_confidence_after=1 if toggles.on_low_confidence else None,
        collect_optional=False,
    )


def policy_label(settings: HandoffSettings) -> str:
    names = {0: "AI only", 1: "Quick handoff", 2: "Balanced", 3: "AI-first"}
    if settings.mode == "preset":
        return f"preset {settings.preset} ({names[settings.preset]})"
    return "advanced"


# --- Reading the conversation so far ------------------------------------------------------------

# AI replies that did not help: recognised from the fixed phrases the agent itself uses.
_FAILED_REPLY_KEYS = ("no_knowledge", "rephrase", "try_first", "decline_topic")
_FAILED_PREFIXES: tuple[str, ...] = tuple(
    normalize(text)[:40] for key in _FAILED_REPLY_KEYS for text in PHRASES[key].values()
)
_COURTESY_PREFIXES: tuple[str, ...] = tuple(
    normalize(text)[:30]
    for key in ("greeting", "thanks", "goodbye", "how_are_you", "identity", "anything_else", "decline_human")
    for text in PHRASES[key].values()
)

_DISSATISFIED = re.compile(
    "|".join(
        [
            r"\b(?:that|this|it)(?:'s| is| was)? (?:not|n't) "
            r"(?:help(?:ful|ing)?|what i (?:asked|meant|need|wanted))",
            r"\b(?:does|did)(?:n't| not) (?:help|answer)",
            r"\bnot what i (?:asked|meant|need|wanted)",
            r"\byou(?:'re| are)? (?:not|n't) (?:understanding|listening|helping)",
            r"\byou (?:don't|do not|didn't) (?:understand|get it|listen)",
            r"\byou (?:already|just) (?:said|told me) (?:that|this)",
            r"\b(?:same|useless) answer",
            r"\bgoing (?:round|around) in circles",
            r"\bno (?:me )?(?:sirve|ayuda)",
            r"\bno (?:me )?entiendes",
            r"\bno es lo que (?:pregunte|pedi)",
            r"\bca ne m'aide pas",
            r"\bvous ne (?:comprenez|m'ecoutez) pas",
            r"\bce n'est pas ce que (?:j'ai demande|je demande)",
            r"\bdas hilft (?:mir )?nicht",
            r"\bsie verstehen (?:mich )?nicht",
            r"\bdas habe ich nicht gefragt",
            r"\bnao (?:me )?ajuda",
            r"\bvoce nao (?:entende|entendeu)",
            r"\bnao foi isso que (?:eu )?perguntei",
            r"لا يساعد|لم تفهم|ليس هذا ما سالت",
        ]
    )
)


def is_failed_ai_reply(text: str) -> bool:
    return normalize(text).startswith(_FAILED_PREFIXES)


def is_real_answer(text: str) -> bool:
    """An AI message that tried to solve something (not a courtesy, a question back or a refusal)."""
    normalized = normalize(text)
    return not normalized.startswith(_FAILED_PREFIXES) and not normalized.startswith(_COURTESY_PREFIXES)


def trailing_failed_ai_replies(ai_messages: list[str]) -> int:
    """How many of the latest AI replies in a row did not help."""
    count = 0
    for text in reversed(ai_messages):
        if not is_failed_ai_reply(text):
            break
        count += 1
    return count


def is_dissatisfied(message: str) -> bool:
    return bool(_DISSATISFIED.search(normalize(message)))


def repeats_earlier_question(message: str, earlier_customer_messages: list[str]) -> bool:
    """The same question again: most of its informative words were already asked together."""
    current = set(content_tokens(message))
    if len(current) < 2:
        return False
    for earlier in earlier_customer_messages:
        previous = set(content_tokens(earlier))
        if len(previous) < 2:
            continue
        overlap = len(current & previous) / len(current | previous)
        if overlap >= 0.6:
            return True
    return False
