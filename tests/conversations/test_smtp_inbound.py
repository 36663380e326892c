"""Baton's SMTP receiver: support-address mail is stored once; mail for anyone else is refused for good."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib
import pytest
from sqlalchemy import select

from baton.conversations.smtp_inbound import start_smtp_receiver
from baton.services import Services
from baton.store.models import EmailAddress, InboundEvent, Job
from baton_support import create_org

pytestmark = pytest.mark.anyio


def mail(to: str, message_id: str = "<m1@example.com>") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Jane <jane@example.com>"
    message["To"] = to
    message["Subject"] = "Hello"
    message["Message-ID"] = message_id
    message.set_content("Where is my parcel?")
    return message


async def test_mail_for_a_support_address_is_stored_once_and_queued(services: Services) -> None:
    org = await create_org(services)
    async with services.session_factory() as db, db.begin():
        db.add(EmailAddress(address="support@acme.test", org_id=org.org_id))
    receiver = await start_smtp_receiver(services, "127.0.0.1:0")
    try:
        for _ in range(2):  # the sending server retries after a lost acknowledgement
            await aiosmtplib.send(mail("support@acme.test"), hostname="127.0.0.1", port=receiver.bound_port)
    finally:
        await receiver.stop()
    async with services.session_factory() as db:
        events = list((await db.execute(select(InboundEvent))).scalars())
        jobs = list((await db.execute(select(Job).where(Job.kind == "email.inbound"))).scalars())
    assert len(events) == 1
    assert events[0].org_id == org.org_id
    assert len(jobs) == 1


async def test_mail_for_an_unknown_address_is_refused_permanently(services: Services) -> None:
    receiver = await start_smtp_receiver(services, "127.0.0.1:0")
    try:
        with pytest.raises(aiosmtplib.SMTPDataError) as refused:
            await aiosmtplib.send(mail("nobody@acme.test"), hostname="127.0.0.1", port=receiver.bound_port)
    finally:
        await receiver.stop()
    assert refused.value.code == 550
    async with services.session_factory() as db:
        assert list((await db.execute(select(InboundEvent))).scalars()) == []
