"""One test per raw mail fixture: what Baton makes of mail real clients send."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from baton.channels.email.parse import Attachment, InboundEmail, parse_inbound

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"
OUR_ROOT_ID = "18c9a1e07d3b2a00.0a9b8c7d6e5f40312233445566778899@acme.example"
OUR_LAST_ID = "18c9a3f2b7e4d100.5d1f0c2e9a7b4c3d8e6f1a2b3c4d5e6f@acme.example"
ENVELOPE = ["acme@in.baton.example"]

Loader = Callable[[str], bytes]


def parse(eml: Loader, name: str) -> InboundEmail:
    return parse_inbound(eml(name), envelope_recipients=ENVELOPE)


def test_gmail_reply_en(eml: Loader) -> None:
    mail = parse(eml, "gmail_reply_en")
    assert mail.message_id == "CAJx3kQ9vYq0Zp+2Lm=T8hW1sR4fN6cB2dX7eA5gK9uV3oM1yPw@mail.gmail.com"
    assert not mail.message_id_is_synthetic
    assert mail.in_reply_to == OUR_LAST_ID
    assert mail.references == [OUR_ROOT_ID, OUR_LAST_ID]
    assert (mail.from_address, mail.from_name) == ("jane.doe@example.com", "Jane Doe")
    assert mail.to == ["support@acme.example"]
    assert mail.envelope_recipients == ENVELOPE
    assert mail.subject == "Re: Where is my order? [#10023]"
    assert mail.ticket_number == 10023
    assert mail.date == datetime(2026, 3, 3, 11, 4, 39, tzinfo=UTC)
    assert mail.reply_text == (
        'Hi,\n\nthe tracking link still says "label created". Could you check where the\n'
        "parcel is? I need it before Friday."
    )
    # The full text keeps the history for the human rep.
    assert "On Tue, 3 Mar 2026 at 10:12, Acme Support <support@acme.example> wrote:" in mail.text
    assert "> thank you for your order A-55821." in mail.text
    assert mail.html is not None and "<blockquote>" in mail.html and "gmail_quote" not in mail.html
    assert mail.automated is None
    assert mail.attachments == []


def test_outlook_reply_de(eml: Loader) -> None:
    mail = parse(eml, "outlook_reply_de")
    assert mail.message_id.startswith("DU2PR04MB8822A1B2C3D4E5F6")
    assert mail.in_reply_to == OUR_LAST_ID
    assert mail.references == [OUR_LAST_ID]
    assert (mail.from_address, mail.from_name) == ("max.mustermann@example.de", "Max Mustermann")
    assert mail.subject == "AW: Lieferung verspätet [#10031]"
    assert mail.ticket_number == 10031
    assert mail.reply_text == (
        "Hallo,\n\ndas Paket ist leider immer noch nicht angekommen. "
        "Können Sie bitte nachsehen, ob es beim Zoll hängt?"
    )
    assert "Von: Acme Support <support@acme.example>\nGesendet: Dienstag, 3. März 2026 10:12" in mail.text
    assert "\r" not in mail.text
    assert mail.html is not None and "<style" not in mail.html and "P {margin-top" not in mail.html
    assert mail.automated is None


def test_apple_mail_reply_fr(eml: Loader) -> None:
    mail = parse(eml, "apple_mail_reply_fr")
    assert mail.message_id == "8F3C2D1E-4B5A-4C6D-9E8F-0A1B2C3D4E5F@example.fr"
    assert mail.in_reply_to == "18c9a40a11223344.aabbccddeeff00112233445566778899@acme.example"
    assert mail.subject == "Re: Colis endommagé [#10040]"
    assert mail.ticket_number == 10040
    assert mail.cc == ["paul.martin@example.fr"]
    assert mail.reply_text == (
        "Bonjour,\n\nMerci pour votre réponse rapide. Le colis est bien arrivé ce matin, tout est en ordre."
    )
    assert "> Nous avons renvoyé la tasse cassée aujourd’hui." in mail.text
    assert mail.date == datetime(2026, 3, 4, 8, 15, 44, tzinfo=UTC)
    assert mail.html is not None and 'type="cite"' not in mail.html and "<blockquote>" in mail.html


def test_html_only(eml: Loader) -> None:
    mail = parse(eml, "html_only")
    assert mail.text == (
        "Hello,\n\nI ordered the jacket in size M but received size L. Order number A-60012.\n\n"
        "- Can I exchange it?\n- Who pays the return shipping?\n\nKind regards,\nTom Baker"
    )
    # The list survives reply extraction; the sign-off does not.
    assert mail.reply_text == (
        "Hello,\n\nI ordered the jacket in size M but received size L. Order number A-60012.\n\n"
        "- Can I exchange it?\n- Who pays the return shipping?"
    )
    assert mail.html is not None
    for dangerous in (
        "<script",
        "onclick",
        "evil.example.net",
        "<img",
        "pixel.example.net",
        "<style",
        "<title",
    ):
        assert dangerous not in mail.html
    assert "<b>size L</b>" in mail.html
    assert mail.date == datetime(2026, 3, 5, 23, 20, 11, tzinfo=UTC)


def test_rfc2047_subject(eml: Loader) -> None:
    mail = parse(eml, "rfc2047_subject")
    assert mail.subject == "Rückfrage zur Rechnung № 2026-118 – dringend ☕"
    assert mail.from_name == "Jürgen Müller"
    assert mail.from_address == "juergen.mueller@example.de"
    assert mail.ticket_number is None
    assert mail.reply_text.startswith("Guten Morgen,\n\nauf der Rechnung 2026-118")


def test_iso_8859_1_body(eml: Loader) -> None:
    mail = parse(eml, "iso_8859_1_body")
    assert mail.from_name == "José Pérez"
    assert mail.text.startswith("Hola,\n\n¿Cuándo llegará mi pedido?")
    assert mail.reply_text == (
        "Hola,\n\n¿Cuándo llegará mi pedido? Lo pagué hace una semana y todavía no he\n"
        "recibido ningún correo de envío."
    )
    assert mail.html is None


def test_first_message_with_ticket_token(eml: Loader) -> None:
    mail = parse(eml, "first_message_with_ticket_token")
    assert mail.in_reply_to is None
    assert mail.references == []
    assert mail.ticket_number == 10023
    assert mail.from_address == "jane.doe@example.com"
    assert mail.automated is None


def test_reply_in_reply_to_only(eml: Loader) -> None:
    mail = parse(eml, "reply_in_reply_to_only")
    assert mail.in_reply_to == OUR_LAST_ID
    assert mail.references == []
    assert mail.subject == "Another question"
    assert mail.ticket_number is None
    assert (
        mail.reply_text
        == "Hi again,\n\none more thing: can I change the delivery address to my office?\n\nPeter"
    )


def test_out_of_office(eml: Loader) -> None:
    mail = parse(eml, "out_of_office")
    assert mail.automated == "Auto-Submitted: auto-replied"
    assert mail.in_reply_to == OUR_LAST_ID


def test_newsletter_bulk(eml: Loader) -> None:
    mail = parse(eml, "newsletter_bulk")
    assert mail.automated == "Precedence: bulk"
    assert mail.subject == "This week: 30% off everything"
    assert mail.from_address == "news@mailing.shop.example"


def test_dsn_bounce(eml: Loader) -> None:
    mail = parse(eml, "dsn_bounce")
    assert mail.automated == "multipart/report: delivery-status"
    assert mail.from_address == "mailer-daemon@mx.acme.example"
    assert mail.message_id == "202603031012.623AA0F1@mx.acme.example"
    assert "Recipient address rejected: User unknown" in mail.text
    # Report parts (delivery-status, returned headers) are not attachments.
    assert mail.attachments == []
    # The returned headers quote our subject, but a bounce is not a customer message on that ticket.
    assert mail.ticket_number is None


def test_noreply_sender(eml: Loader) -> None:
    mail = parse(eml, "noreply_sender")
    assert mail.automated == "automated sender: no-reply@notify.parcel.example"


def test_with_attachment(eml: Loader) -> None:
    mail = parse(eml, "with_attachment")
    assert mail.attachments == [
        Attachment(filename="IMG_2041.JPG", content_type="image/jpeg", size=781),
        Attachment(filename="Rechnung März.pdf", content_type="application/pdf", size=364),
    ]
    assert (
        mail.reply_text
        == "Hello,\n\nthe cup arrived broken, see the photo. The invoice is attached as well.\n\nAnna"
    )


def test_no_message_id(eml: Loader) -> None:
    raw = eml("no_message_id")
    mail = parse_inbound(raw)
    assert mail.message_id_is_synthetic
    assert re.fullmatch(r"sha256-[0-9a-f]{40}@synthetic\.baton\.invalid", mail.message_id)
    assert mail.from_name is None
    assert mail.from_address == "warehouse-scanner@example.com"
    assert mail.envelope_recipients == []
    # The same mail delivered again, via another relay and with CRLF line ends, dedupes.
    redelivered = (
        b"Received: from relay2.example.net by mx.baton.example; Thu, 5 Mar 2026 05:00:09 +0000\n" + raw
    )
    assert parse_inbound(redelivered.replace(b"\n", b"\r\n")).message_id == mail.message_id
    # A different mail does not.
    assert parse_inbound(raw.replace(b"contents checked", b"contents missing")).message_id != mail.message_id


def test_body_reference(eml: Loader) -> None:
    mail = parse(eml, "body_reference")
    assert mail.subject == "My refund"
    assert mail.ticket_number == 10051


def test_every_fixture_is_used_by_a_test() -> None:
    """Zulip's rule: a fixture nobody asserts on is a fixture that silently rots."""
    sources = "\n".join(path.read_text(encoding="utf-8") for path in Path(__file__).parent.glob("test_*.py"))
    unused = [path.stem for path in sorted(FIXTURES.glob("*.eml")) if f'"{path.stem}"' not in sources]
    assert FIXTURES.is_dir() and list(FIXTURES.glob("*.eml"))
    assert unused == []
