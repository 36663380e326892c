"""The signed cookie, CSRF tokens and Salesforce links, as pure functions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from baton.ui.cookies import (
    SESSION_MAX_AGE_SECONDS,
    csrf_token,
    csrf_valid,
    decode_session,
    encode_session,
    new_session,
)
from baton.ui.links import salesforce_case_url

SECRET = "cookie-test-secret"
NOW = 1_800_000_000


def test_a_session_round_trips() -> None:
    session = new_session("key-1", "org-1", NOW)
    assert decode_session(SECRET, encode_session(SECRET, session), NOW + 60) == session


@pytest.mark.parametrize(
    "mangle",
    [
        lambda v: v[:-2] + ("AA" if not v.endswith("AA") else "BB"),  # signature changed
        lambda v: "e30" + v[v.index(".") :],  # payload swapped for {}
        lambda v: v.replace(".", ""),
        lambda v: v + ".extra",
        lambda v: "",
    ],
)
def test_a_tampered_cookie_is_refused(mangle: Callable[[str], str]) -> None:
    value = encode_session(SECRET, new_session("key-1", "org-1", NOW))
    assert decode_session(SECRET, mangle(value), NOW) is None


def test_a_cookie_signed_with_another_secret_is_refused() -> None:
    value = encode_session("other-secret", new_session("key-1", "org-1", NOW))
    assert decode_session(SECRET, value, NOW) is None


def test_an_expired_or_future_cookie_is_refused() -> None:
    value = encode_session(SECRET, new_session("key-1", "org-1", NOW))
    assert decode_session(SECRET, value, NOW + SESSION_MAX_AGE_SECONDS) is not None
    assert decode_session(SECRET, value, NOW + SESSION_MAX_AGE_SECONDS + 1) is None
    assert decode_session(SECRET, value, NOW - 5) is None


def test_csrf_tokens_are_bound_to_one_cookie_and_one_secret() -> None:
    first, second = new_session("k", "o", NOW), new_session("k", "o", NOW)
    token = csrf_token(SECRET, first.nonce)
    assert csrf_valid(SECRET, first.nonce, token)
    assert not csrf_valid(SECRET, second.nonce, token)
    assert not csrf_valid("other-secret", first.nonce, token)
    assert not csrf_valid(SECRET, first.nonce, None)
    assert not csrf_valid(SECRET, first.nonce, "")


def test_the_csrf_token_is_not_the_cookie_signature() -> None:
    # Keys are derived per purpose: a token must never double as a session signature.
    session = new_session("k", "o", NOW)
    signature = encode_session(SECRET, session).split(".")[1]
    assert csrf_token(SECRET, session.nonce) != signature


@pytest.mark.parametrize(
    ("instance_url", "case_id", "expected"),
    [
        (
            "https://acme.my.salesforce.com",
            "500A",
            "https://acme.my.salesforce.com/lightning/r/Case/500A/view",
        ),
        (
            "https://acme.my.salesforce.com/",
            "500A",
            "https://acme.my.salesforce.com/lightning/r/Case/500A/view",
        ),
        ("http://127.0.0.1:8766", "500A", "http://127.0.0.1:8766/console/cases/500A"),
        ("http://localhost:8766", "500A", "http://localhost:8766/console/cases/500A"),
        ("http://[::1]:8766", "500A", "http://[::1]:8766/console/cases/500A"),
        (
            "https://acme.my.salesforce.com",
            "50/../x",
            "https://acme.my.salesforce.com/lightning/r/Case/50%2F..%2Fx/view",
        ),
        ("javascript:alert(1)", "500A", None),
        (None, "500A", None),
        ("https://acme.my.salesforce.com", None, None),
    ],
)
def test_salesforce_case_url(instance_url: str | None, case_id: str | None, expected: str | None) -> None:
    assert salesforce_case_url(instance_url, case_id) == expected
