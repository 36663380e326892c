"""Parsing rules one at a time: automated-mail signals, message ids, ticket tokens, broken input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baton.channels.email.html_text import html_to_text
from baton.channels.email.message_ids import (
    format_message_id,
    new_message_id,
    normalize_message_id,
    parse_message_id_list,
)
from baton.channels.email.parse import parse_inbound
from baton.channels.email.tickets import find_ticket_number, remove_ticket_tokens


def mail(
    headers: str = "", body: str = "Hello, my order did not arrive.", sender: str = "ann@example.com"
) -> bytes:
    head = f"From: Ann <{sender}>\nTo: support@acme.example\nSubject: Order\nMessage-ID: <m1@example.com>\n"
    return (head + headers + "\n" + body + "\n").encode("utf-8")


# --- automated mail -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        ("Auto-Submitted: auto-replied\n", "ann@example.com", "Auto-Submitted: auto-replied"),
        ("Auto-Submitted: auto-generated\n", "ann@example.com", "Auto-Submitted: auto-generated"),
        (
            "Auto-Submitted: Auto-Notified; owner-email=x@y\n",
            "ann@example.com",
            "Auto-Submitted: auto-notified",
        ),
        ("Precedence: bulk\n", "ann@example.com", "Precedence: bulk"),
        ("Precedence: JUNK\n", "ann@example.com", "Precedence: junk"),
        ("Precedence: list\n", "ann@example.com", "Precedence: list"),
        ("X-Auto-Response-Suppress: All\n", "ann@example.com", "X-Auto-Response-Suppress: all"),
        (
            "X-Auto-Response-Suppress: DR, OOF, AutoReply\n",
            "ann@example.com",
            "X-Auto-Response-Suppress: autoreply, oof",
        ),
        ("X-Autoreply: yes\n", "ann@example.com", "X-Autoreply"),
        ("X-Autorespond: vacation\n", "ann@example.com", "X-Autorespond"),
        ("X-Mail-Autoreply: 1\n", "ann@example.com", "X-Mail-Autoreply"),
        ("X-Loop: helpdesk@example.com\n", "ann@example.com", "X-Loop"),
        ("List-Id: Friends <friends.lists.example.com>\n", "ann@example.com", "List-Id"),
        ("List-Unsubscribe: <mailto:leave@example.com>\n", "ann@example.com", "List-Unsubscribe"),
        ("Return-Path: <>\n", "ann@example.com", "Return-Path: <>"),
        ("", "MAILER-DAEMON@mx.example.com", "automated sender: mailer-daemon@mx.example.com"),
        ("", "postmaster@example.com", "automated sender: postmaster@example.com"),
        ("", "noreply@example.com", "automated sender: noreply@example.com"),
        ("", "no_reply@example.com", "automated sender: no_reply@example.com"),
        ("", "do-not-reply@example.com", "automated sender: do-not-reply@example.com"),
        ("", "donotreply@example.com", "automated sender: donotreply@example.com"),
        ("", "noreply-notifications@example.com", "automated sender: noreply-notifications@example.com"),
    ],
)
def test_automated_signals(headers: str, sender: str, reason: str) -> None:
    assert parse_inbound(mail(headers, sender=sender)).automated == reason


@pytest.mark.parametrize(
    ("headers", "sender"),
    [
        ("", "ann@example.com"),
        ("Auto-Submitted: no\n", "ann@example.com"),
        ("Precedence: first-class\n", "ann@example.com"),
        ("X-Auto-Response-Suppress: DR, RN\n", "ann@example.com"),  # receipts only
        ("Return-Path: <ann@example.com>\n", "ann@example.com"),
        ("", "noreplyanna@example.com"),  # a person whose name merely starts like it
        ("", "postmaster.general@example.com"),
    ],
)
def test_mail_from_people_is_not_automated(headers: str, sender: str) -> None:
    assert parse_inbound(mail(headers, sender=sender)).automated is None


def test_subject_alone_does_not_make_mail_automated() -> None:
    raw = mail().replace(b"Subject: Order", b"Subject: Out of Office: question about my order")
    assert parse_inbound(raw).automated is None


def test_disposition_notification_is_automated() -> None:
    raw = (
        b"From: ann@example.com\nTo: support@acme.example\nMessage-ID: <r@x>\nSubject: Read: Order\n"
        b'Content-Type: multipart/report; report-type=disposition-notification; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nYour message was displayed.\n"
        b"--b\nContent-Type: message/disposition-notification\n\n"
        b"Disposition: manual-action/MDN-sent-manually; displayed\n"
        b"--b--\n"
    )
    mail_ = parse_inbound(raw)
    assert mail_.automated == "multipart/report: disposition-notification"
    assert mail_.attachments == []


# --- message ids -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<abc@example.com>", "abc@example.com"),
        ("  <ABC.def@Example.COM>  ", "ABC.def@Example.COM"),  # case is kept
        ("abc@example.com", "abc@example.com"),  # brackets missing
        ("<abc@example.com> (Jane's message of Monday)", "abc@example.com"),
        ("<abc@\n example.com>", "abc@example.com"),  # folded inside the id by a broken client
        ("", None),
        ("garbage", None),
        (None, None),
    ],
)
def test_normalize_message_id(value: str | None, expected: str | None) -> None:
    assert normalize_message_id(value) == expected


def test_reference_lists_keep_order_and_drop_duplicates() -> None:
    value = "<a@x> <b@x>,<c@x>\n <b@x> <d@x>"
    assert parse_message_id_list(value) == ["a@x", "b@x", "c@x", "d@x"]


def test_new_message_ids_are_unique_and_on_the_domain() -> None:
    ids = {new_message_id("Acme.Example") for _ in range(200)}
    assert len(ids) == 200
    assert all(message_id.endswith("@acme.example") for message_id in ids)
    assert all(normalize_message_id(format_message_id(message_id)) == message_id for message_id in ids)


@pytest.mark.parametrize("domain", ["", "a b.example", "x@y.example", "<x>"])
def test_new_message_id_rejects_unusable_domains(domain: str) -> None:
    with pytest.raises(ValueError, match="Message-ID domain"):
        new_message_id(domain)


def test_in_reply_to_with_brackets_and_comment_is_normalised() -> None:
    raw = mail("In-Reply-To: <Parent@Acme.example> (message from Acme)\nReferences: <Root@acme.example>\n")
    parsed = parse_inbound(raw)
    assert parsed.in_reply_to == "Parent@Acme.example"
    assert parsed.references == ["Root@acme.example"]


# --- ticket numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "body", "ticket"),
    [
        ("Re: Where is my order? [#10023]", "", 10023),
        ("Re: Where is my order? [10023]", "", 10023),
        ("Re: [ # 10023 ] spaced", "", 10023),
        ("Fwd: Re: x [#111] [#10023]", "", 10023),  # ours is appended last
        ("No token", "Hello\n\nRef: #10077\n", 10077),
        ("No token", "reference: ticket #10078", 10078),
        ("Token wins [#10023]", "Ref: #99999", 10023),
        ("No token", "Ref: 10077 (no hash)", None),
        ("Order #10023", "", None),  # a bare hash is an order number, not our token
    ],
)
def test_ticket_number(subject: str, body: str, ticket: int | None) -> None:
    assert find_ticket_number(subject, body) == ticket


def test_remove_ticket_tokens_only_removes_that_ticket() -> None:
    assert remove_ticket_tokens("Invoice [#999] [#10023] [10023]", 10023) == "Invoice [#999]"
    assert remove_ticket_tokens("x [#100231]", 10023) == "x [#100231]"


# --- broken and unusual mail -----------------------------------------------------------------


def test_unknown_charsets_and_raw_8bit_headers_are_repaired() -> None:
    raw = (
        b"From: =?x-unknown?Q?J=E9r=F4me?= <JEROME@Example.COM>\n"
        b"To: support@acme.example\n"
        b"Subject: =?x-unknown?Q?R=E9sum=E9?= caf\xc3\xa9\n"
        b"Message-ID: <x1@example.com>\n"
        b"Content-Type: text/plain; charset=x-unknown\n\n"
        b"Voil\xc3\xa0 mon r\xc3\xa9sum\xc3\xa9.\n"
    )
    parsed = parse_inbound(raw)
    assert parsed.from_address == "jerome@example.com"
    assert parsed.from_name == "Jérôme"
    assert parsed.subject == "Résumé café"
    assert parsed.text == "Voilà mon résumé."


def test_mislabelled_charset_falls_back_without_failing() -> None:
    raw = b"From: a@example.com\nMessage-ID: <x2@e>\nContent-Type: text/plain; charset=utf-8\n\nPr\xe9cis\n"
    assert parse_inbound(raw).text == "Pr\ufffdcis"


def test_8bit_utf8_body_without_charset_is_read_as_utf8() -> None:
    raw = b"From: a@example.com\nMessage-ID: <x4@e>\n\nGr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln\n"
    assert parse_inbound(raw).text == "Grüße aus Köln"


def test_mail_with_almost_no_headers() -> None:
    parsed = parse_inbound(b"just a body\n")
    assert parsed.from_address == ""
    assert parsed.from_name is None
    assert parsed.subject == ""
    assert parsed.date is None
    assert parsed.to == [] and parsed.cc == []
    assert parsed.text == "just a body"
    assert parsed.message_id_is_synthetic


def test_invalid_date_is_none_and_missing_zone_is_utc() -> None:
    assert parse_inbound(mail("Date: yesterday-ish\n")).date is None
    parsed = parse_inbound(mail("Date: Tue, 3 Mar 2026 10:00:00 -0000\n"))
    assert parsed.date is not None and parsed.date.utcoffset() is not None
    assert parsed.date.isoformat() == "2026-03-03T10:00:00+00:00"


def test_envelope_recipients_are_normalised() -> None:
    parsed = parse_inbound(mail(), envelope_recipients=["<Acme@In.Baton.example>", " "])
    assert parsed.envelope_recipients == ["acme@in.baton.example"]


def test_reply_text_falls_back_to_full_text_when_everything_is_quoted() -> None:
    body = "On Mon, 2 Mar 2026 at 09:00, Acme <support@acme.example> wrote:\n> earlier text\n"
    parsed = parse_inbound(mail(body=body))
    assert parsed.reply_text == parsed.text != ""


def test_inline_image_is_listed_with_its_content_id() -> None:
    raw = (
        b"From: a@example.com\nMessage-ID: <x3@e>\n"
        b'Content-Type: multipart/related; boundary="r"\n\n'
        b'--r\nContent-Type: text/html; charset=utf-8\n\n<p>See <img src="cid:photo1@e"></p>\n'
        b"--r\nContent-Type: image/png\nContent-ID: <photo1@e>\nContent-Disposition: inline\n"
        b"Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--r--\n"
    )
    parsed = parse_inbound(raw)
    assert [(a.content_type, a.content_id, a.inline, a.size) for a in parsed.attachments] == [
        ("image/png", "photo1@e", True, 8)
    ]
    assert parsed.text == "See"


def test_html_to_text_quotes_blockquotes_and_skips_invisible_content() -> None:
    html = (
        "<html><head><title>T</title><style>p{}</style></head><body>"
        "<p>New&nbsp;text</p><blockquote><p>old</p><blockquote>older</blockquote></blockquote>"
        "<pre>  keep   spacing</pre><script>x()</script></body></html>"
    )
    assert html_to_text(html) == "New text\n\n> old\n>\n> > older\n  keep   spacing"


_FIXTURE_NAMES = [
    "gmail_reply_en",
    "outlook_reply_de",
    "apple_mail_reply_fr",
    "dsn_bounce",
    "with_attachment",
]


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_parse_never_raises_on_damaged_mail(data: st.DataObject, eml: object) -> None:
    """Mail arrives truncated and bit-flipped; parsing must degrade, never fail."""
    assert callable(eml)
    raw: bytes = eml(data.draw(st.sampled_from(_FIXTURE_NAMES)))
    cut = data.draw(st.integers(min_value=0, max_value=len(raw)))
    noise = data.draw(st.binary(max_size=40))
    position = data.draw(st.integers(min_value=0, max_value=cut))
    damaged = raw[:position] + noise + raw[position:cut]
    parsed = parse_inbound(damaged)
    assert parsed.message_id
    assert isinstance(parsed.text, str) and isinstance(parsed.reply_text, str)


@settings(max_examples=200, deadline=None, database=None)
@given(raw=st.binary(max_size=600))
def test_parse_never_raises_on_arbitrary_bytes(raw: bytes) -> None:
    assert parse_inbound(raw).message_id


# --- reply text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reply"),
    [
        # Sentences that merely start like a sign-off are the customer's words.
        (
            "Hi,\n\nThanks, but the parcel is still missing. Can you check?\n\nJane",
            "Hi,\n\nThanks, but the parcel is still missing. Can you check?\n\nJane",
        ),
        ("Hallo,\n\nGrüße aus Berlin erst mal. Das Paket fehlt noch.\n\nMax", None),
        ("Hi,\n\nWarning: the box was wet and the mail carrier left it outside.\n\nJane", None),
        # …while the real signature after them still goes.
        (
            "Hi,\n\nThanks, but the parcel is still missing.\n\n"
            "Best regards,\nJane Doe\nACME Corp\n+1 555 0100",
            "Hi,\n\nThanks, but the parcel is still missing.",
        ),
        (
            "CAUTION: This email originated from outside of the organization. Do not click links.\n\n"
            "Hi,\n\nwhere is my order?\n\nBest regards,\nJane",
            "Hi,\n\nwhere is my order?",
        ),
        ("Hello\n\nSent from my iPhone", "Hello"),
        ("Hi,\n\nthe link is broken\n\n-- \nJane Doe\nCEO", "Hi,\n\nthe link is broken"),
        ("Thanks!", None),
        (
            "Hi,\n\nmy order:\n- 2 cups\n- 1 teapot\n\nKind regards,\nAnn",
            "Hi,\n\nmy order:\n- 2 cups\n- 1 teapot",
        ),
        ("Hi,\n\nsee below\n\n> quoted without any attribution line\n> more", "Hi,\n\nsee below"),
    ],
)
def test_reply_text(body: str, reply: str | None) -> None:
    parsed = parse_inbound(mail(body=body))
    assert parsed.reply_text == (body if reply is None else reply)


def test_html_only_reply_loses_its_quoted_history() -> None:
    html = (
        '<div dir="ltr">Still nothing arrived.</div><br><div class="gmail_quote">'
        '<div class="gmail_attr">On Tue, 3 Mar 2026 at 10:12, Acme &lt;support@acme.example&gt; wrote:'
        "<br></div>"
        '<blockquote class="gmail_quote">Your parcel left today.</blockquote></div>'
    )
    raw = mail(headers="Content-Type: text/html; charset=utf-8\n", body=html)
    parsed = parse_inbound(raw)
    assert parsed.reply_text == "Still nothing arrived."
    assert parsed.text.endswith("wrote:\n> Your parcel left today.")


def test_forwarded_message_attachment_is_listed_not_opened() -> None:
    inner = b"From: bob@example.net\nSubject: Original\nMessage-ID: <inner@example.net>\n\nInner body\n"
    raw = (
        b"From: ann@example.com\nMessage-ID: <outer@example.com>\nSubject: Fwd: Original\n"
        b'Content-Type: multipart/mixed; boundary="f"\n\n'
        b"--f\nContent-Type: text/plain\n\nSee the forwarded mail.\n"
        b"--f\nContent-Type: message/rfc822\nContent-Disposition: attachment\n\n" + inner + b"--f--\n"
    )
    parsed = parse_inbound(raw)
    assert parsed.message_id == "outer@example.com"
    assert parsed.text == "See the forwarded mail."
    [attachment] = parsed.attachments
    assert attachment.content_type == "message/rfc822"
    assert attachment.size > len("Inner body")
