"""Baton's own SMTP receiver (``BATON_SMTP_LISTEN``): mail for a support address is stored, then accepted.

The SMTP transaction only succeeds after the raw mail is durably stored, so a
crash can make the sender retry but never lose the mail.
"""

from __future__ import annotations

from baton.channels.email.smtp_receiver import RejectMessage, SmtpReceiver
from baton.conversations.email import UnknownRecipient, accept_inbound_email
from baton.services import Services


async def start_smtp_receiver(services: Services, listen: str) -> SmtpReceiver:
    host, _, port = listen.rpartition(":")

    async def store(raw: bytes, recipients: list[str]) -> None:
        try:
            async with services.session_factory() as db, db.begin():
                await accept_inbound_email(db, raw, recipients)
        except UnknownRecipient as exc:
            # A permanent refusal: the sending server bounces at once instead of retrying for days.
            raise RejectMessage("550 5.1.1 No such support address here") from exc

    receiver = SmtpReceiver(store)
    await receiver.start(host or "127.0.0.1", int(port))
    return receiver
