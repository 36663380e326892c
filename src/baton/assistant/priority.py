"""The handoff's priority from the org's ordered rules (sentiment, contact data, keywords, channel)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from baton.assistant.settings import PriorityRule
from baton.assistant.text import words


def _contact_data_matches(expected: dict[str, Any], data: dict[str, Any]) -> bool:
    for key, wanted in expected.items():
        actual = data.get(key)
        if isinstance(wanted, str) and isinstance(actual, str):
            if wanted.lower() != actual.lower():
                return False
        elif actual != wanted:
            return False
    return True


def rule_matches(
    rule: PriorityRule, *, sentiment: str, contact_data: dict[str, Any], text: str, channel: str
) -> bool:
    if rule.sentiment is not None and rule.sentiment != sentiment:
        return False
    if rule.channel is not None and rule.channel != channel:
        return False
    if rule.contact_data and not _contact_data_matches(rule.contact_data, contact_data):
        return False
    if rule.keywords:
        joined = f" {' '.join(words(text))} "
        if not any(f" {' '.join(words(keyword))} " in joined for keyword in rule.keywords if words(keyword)):
            return False
    return True


def decide_priority(
    rules: Sequence[PriorityRule],
    default: str,
    *,
    sentiment: str,
    contact_data: dict[str, Any],
    customer_text: str,
    channel: str,
) -> tuple[str, str]:
    """(priority, why): the first matching rule wins; ``default`` when none does."""
    for position, rule in enumerate(rules):
        if rule_matches(
            rule, sentiment=sentiment, contact_data=contact_data, text=customer_text, channel=channel
        ):
            return rule.priority, f"priority rule {position + 1}"
    return default, "default priority"
