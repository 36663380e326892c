"""Sforce-Limit-Info parsing."""

from __future__ import annotations

import pytest

from baton.salesforce.limits import ApiUsage, AppApiUsage, parse_limit_info


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("api-usage=18/5000", ApiUsage(18, 5000)),
        (
            "api-usage=25/5000; per-app-api-usage=17/250(appName=sample-connected-app)",
            ApiUsage(25, 5000, AppApiUsage(17, 250, "sample-connected-app")),
        ),
        ("api-usage=1/15000;api-bursts=1/750", ApiUsage(1, 15000)),
        ("per-app-api-usage=3/250(appName=x); api-usage=4/100", ApiUsage(4, 100, AppApiUsage(3, 250, "x"))),
        ("  api-usage = 7 / 10  ", ApiUsage(7, 10)),
        (None, None),
        ("", None),
        ("api-bursts=1/750", None),
        ("api-usage=garbage", None),
    ],
)
def test_parse_limit_info(header: str | None, expected: ApiUsage | None) -> None:
    assert parse_limit_info(header) == expected


def test_remaining_never_negative() -> None:
    assert ApiUsage(18, 5000).remaining == 4982
    assert ApiUsage(5001, 5000).remaining == 0
