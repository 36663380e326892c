"""Outbound replies: subject, threading headers, automated marking, bodies, round trip through the parser."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from baton.channels.email.compose import MAX_REFERENCES, compose_reply, reply_subject, text_to_html
from baton.channels.email.parse import parse_inbound


def reply(**overrides: Any) -> EmailMessage:
    arguments: dict[str, Any] = {
        "support_address": "support@acme.example",
        "support_name": "Acme Support",
        "to_address": "jane.doe@example.com",
        "to_name": "Jane Doe",
        "subject": "Where is my order?",
        "ticket_number": 10023,
        "text": "Hello Jane,\n\nyour parcel is on its way.\n\nAcme Support",
        "in_reply_to": "<CAJx-customer@mail.gmail.com>",
        "references": ["root@acme.example", "<CAJx-customer@mail.gmail.com>"],
    }
    arguments.update(overrides)
    return compose_reply(**arguments)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Where is my order?", "Re: Where is my order? [#10023]"),
        ("Re: Where is my order? [#10023]", "Re: Where is my order? [#10023]"),
        ("RE: Re: AW: Where is my order? [#10023]", "Re: Where is my order? [#10023]"),
        ("Re[2]: Sv: Where is my order?", "Re: Where is my order? [#10023]"),
        ("[#10023] Re: Where is my order?", "Re: Where is my order? [#10023]"),
        ("Re: Where is my order? [10023]", "Re: Where is my order? [#10023]"),
        ("Fwd: Where is my order?", "Re: Fwd: Where is my order? [#10023]"),
        ("Invoice [#999]", "Re: Invoice [#999] [#10023]"),
        ("Recipe question", "Re: Recipe question [#10023]"),  # "Re" inside a word is not a prefix
        ("", "Re: [#10023]"),
        ("  Re:   spaced\tout  ", "Re: spaced out [#10023]"),
    ],
)
def test_reply_subject(subject: str, expected: str) -> None:
    assert reply_subject(subject, 10023) == expected


def test_threading_headers_and_own_message_id() -> None:
    message = reply()
    assert message["In-Reply-To"] == "<CAJx-customer@mail.gmail.com>"
    # Chain + parent, parent last, no duplicate.
    assert message["References"] == "<root@acme.example> <CAJx-customer@mail.gmail.com>"
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@acme.example>")
    assert message["From"] == "Acme Support <support@acme.example>"
    assert message["To"] == "Jane Doe <jane.doe@example.com>"
    assert message["Subject"] == "Re: Where is my order? [#10023]"
    assert message["Date"] is not None


def test_parent_is_appended_when_missing_from_the_chain() -> None:
    message = reply(references=["<root@acme.example>"], in_reply_to="parent@example.com")
    assert message["References"] == "<root@acme.example> <parent@example.com>"


def test_no_threading_headers_for_a_first_outbound_mail() -> None:
    message = reply(in_reply_to=None, references=[])
    assert message["In-Reply-To"] is None
    assert message["References"] is None


def test_long_reference_chains_keep_the_root_and_the_latest() -> None:
    chain = [f"m{i}@example.com" for i in range(60)]
    message = reply(references=chain, in_reply_to="m60@example.com")
    refs = message["References"].split()
    assert len(refs) == MAX_REFERENCES
    assert refs[0] == "<m0@example.com>"
    assert refs[-1] == "<m60@example.com>"
    assert refs[1] == f"<m{60 - MAX_REFERENCES + 2}@example.com>"
    # Still a valid header after folding: every physical line within the RFC 5322 limit.
    assert max(len(line) for line in message.as_bytes().splitlines()) <= 998


def test_message_id_domain_and_given_message_id() -> None:
    assert reply(message_id_domain="mail.baton.example")["Message-ID"].endswith("@mail.baton.example>")
    assert (
        reply(message_id="stored-before-send@acme.example")["Message-ID"]
        == "<stored-before-send@acme.example>"
    )


def test_each_reply_gets_a_new_message_id() -> None:
    assert reply()["Message-ID"] != reply()["Message-ID"]


def test_automated_replies_are_marked_and_human_ones_are_not() -> None:
    ai = reply(automated=True)
    assert ai["Auto-Submitted"] == "auto-replied"
    assert ai["X-Auto-Response-Suppress"] == "OOF, AutoReply"
    human = reply(automated=False)
    assert human["Auto-Submitted"] is None
    assert human["X-Auto-Response-Suppress"] is None


def test_bodies_plain_and_escaped_html() -> None:
    message = reply(text="Hi <Jane> & co,\n\nline one\nline two\n\n\nbye")
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert plain.get_content() == "Hi <Jane> & co,\n\nline one\nline two\n\n\nbye\n"
    html_text = html.get_content()
    assert "<p>Hi &lt;Jane&gt; &amp; co,</p>" in html_text
    assert "<p>line one<br>\nline two</p>" in html_text
    assert "<p>bye</p>" in html_text
    assert "<Jane>" not in html_text


def test_text_to_html_has_no_empty_paragraphs() -> None:
    assert "<p></p>" not in text_to_html("\n\n\nA\n\n\n\nB\n\n")


def test_reply_to_and_date() -> None:
    message = reply(reply_to="support@acme.example", date=datetime(2026, 3, 3, 10, 12, tzinfo=UTC))
    assert message["Reply-To"] == "support@acme.example"
    assert message["Date"] == "Tue, 03 Mar 2026 10:12:00 +0000"


def test_customer_controlled_names_cannot_inject_headers() -> None:
    message = reply(to_name="Jane\r\nBcc: victim@example.net", subject="Hi\nBcc: victim@example.net")
    raw = message.as_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None
    assert parsed["To"].addresses[0].addr_spec == "jane.doe@example.com"


def test_round_trip_through_the_parser() -> None:
    message = reply(automated=True, text="Hello Jane,\n\nyour parcel is on its way.")
    parsed = parse_inbound(message.as_bytes())
    assert parsed.message_id == message["Message-ID"].strip("<>")
    assert parsed.in_reply_to == "CAJx-customer@mail.gmail.com"
    assert parsed.references == ["root@acme.example", "CAJx-customer@mail.gmail.com"]
    assert parsed.ticket_number == 10023
    assert parsed.from_address == "support@acme.example"
    assert parsed.text == "Hello Jane,\n\nyour parcel is on its way."
    # Our own AI reply, if it ever came back to us, would be recognised and not answered.
    assert parsed.automated == "Auto-Submitted: auto-replied"
    assert parse_inbound(reply(automated=False).as_bytes()).automated is None


def test_non_ascii_reply_survives_encoding() -> None:
    message = reply(
        to_name="Jürgen Müller", subject="Rückfrage – Rechnung", text="Grüße aus Köln ☕\n" + "x" * 1200
    )
    parsed = parse_inbound(message.as_bytes())
    assert parsed.subject == "Re: Rückfrage – Rechnung [#10023]"
    assert parsed.text.startswith("Grüße aus Köln ☕\n")
    assert parsed.text.endswith("x" * 1200)
    assert all(len(line) <= 998 for line in message.as_bytes().splitlines())
