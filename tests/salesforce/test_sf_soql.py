"""SOQL literal helpers: escaping must make injection impossible and round-trip exactly."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.salesforce.rest import soql_date, soql_datetime, soql_in, soql_like, soql_quote

_UNESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}


def unquote(literal: str) -> str:
    """A tiny reader for one SOQL string literal; fails on anything unescaped that would end it."""
    assert literal[0] == "'" and literal[-1] == "'"
    out: list[str] = []
    chars = iter(literal[1:-1])
    for char in chars:
        if char == "\\":
            out.append(_UNESCAPES[next(chars)])
        else:
            assert char != "'", "unescaped quote would end the literal early"
            out.append(char)
    return "".join(out)


@given(st.text())
def test_quote_round_trips(value: str) -> None:
    assert unquote(soql_quote(value)) == value


@given(st.text(alphabet="ab'\\\"\n%_"))
def test_quote_round_trips_on_hostile_alphabet(value: str) -> None:
    assert unquote(soql_quote(value)) == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", "'plain'"),
        ("O'Brien", "'O\\'Brien'"),
        ("back\\slash", "'back\\\\slash'"),
        ("x' OR Name != '", "'x\\' OR Name != \\''"),
        ("line\nbreak", "'line\\nbreak'"),
        ('say "hi"', "'say \\\"hi\\\"'"),
        ("\\'", "'\\\\\\''"),
    ],
)
def test_quote_examples(value: str, expected: str) -> None:
    assert soql_quote(value) == expected


def test_quote_refuses_non_strings() -> None:
    with pytest.raises(TypeError):
        soql_quote(5)  # type: ignore[arg-type]


def test_like_escapes_wildcards() -> None:
    assert soql_like("50%_off") == "'%50\\%\\_off%'"
    assert soql_like("50%", mode="prefix") == "'50\\%%'"
    assert soql_like("it's", mode="exact") == "'it\\'s'"


def test_in_list() -> None:
    assert soql_in(["a", "b'c"]) == "('a','b\\'c')"
    with pytest.raises(ValueError):
        soql_in([])


def test_datetime_literals() -> None:
    assert soql_datetime(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05Z"
    plus_two = timezone(timedelta(hours=2))
    assert soql_datetime(datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=plus_two)) == "2026-01-02T01:04:05.678Z"
    with pytest.raises(ValueError, match="timezone"):
        soql_datetime(datetime(2026, 1, 2))


def test_date_literal() -> None:
    assert soql_date(date(2026, 1, 2)) == "2026-01-02"
    with pytest.raises(TypeError):
        soql_date(datetime(2026, 1, 2, tzinfo=UTC))


@given(st.datetimes(timezones=st.just(UTC)))
def test_datetime_literal_shape(value: datetime) -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z", soql_datetime(value))
