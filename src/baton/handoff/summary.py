"""The summary a rep reads when nothing better is available (a manual handoff).

It states who, what, and why from the stored conversation only — it invents nothing.
"""

from __future__ import annotations

from baton.store.models import Contact, Message, Session

EXCERPT_CHARS = 500


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"


def manual_handoff_summary(
    session: Session, contact: Contact, messages: list[Message], reason: str | None
) -> str:
    who = contact.name or contact.email or contact.phone or "Unknown customer"
    if contact.email and contact.name:
        who = f"{contact.name} <{contact.email}>"
    customer = [m for m in messages if m.role == "customer" and not m.internal]
    lines = [
        f"Customer: {who}",
        f"Channel: {session.channel}; ticket #{session.ticket_number}",
    ]
    if session.subject:
        lines.append(f"Subject: {session.subject}")
    if customer:
        lines.append(f"First message: {_excerpt(customer[0].text)}")
        if len(customer) > 1:
            lines.append(f"Latest message: {_excerpt(customer[-1].text)}")
    lines.append(f"Messages so far: {len([m for m in messages if not m.internal])}")
    lines.append(f"Why handed off: {reason or 'handed off manually by an agent'}")
    return "\n".join(lines)
