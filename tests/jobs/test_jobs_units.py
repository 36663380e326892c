"""Pure parts of the queue: backoff, error descriptions, the registry."""

from __future__ import annotations

import random

import pytest

from baton.jobs import Backoff, JobContext, JobRegistry, PermanentFailure, RetryLater
from baton.jobs.errors import MAX_ERROR_CHARS, describe_error


def test_backoff_ceiling_doubles_up_to_the_cap() -> None:
    backoff = Backoff(base_seconds=1, cap_seconds=300)
    assert [backoff.ceiling(n) for n in range(1, 11)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert backoff.ceiling(10_000) == 300


def test_backoff_is_full_jitter_and_deterministic_with_a_seeded_rng() -> None:
    first = Backoff(base_seconds=1, cap_seconds=300, rng=random.Random(42))
    second = Backoff(base_seconds=1, cap_seconds=300, rng=random.Random(42))
    delays = [first.delay(n) for n in range(1, 30)]
    assert delays == [second.delay(n) for n in range(1, 30)]
    assert all(0 <= d <= first.ceiling(n) for n, d in enumerate(delays, start=1))
    assert len(set(delays)) == len(delays)


def test_backoff_rejects_negative_settings() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        Backoff(base_seconds=-1)


def test_error_descriptions_are_short_single_lines() -> None:
    assert describe_error(RetryLater(reason="rate limited")) == "RetryLater: rate limited"
    assert describe_error(PermanentFailure("bad config")) == "PermanentFailure: bad config"
    assert describe_error(TimeoutError()) == "TimeoutError"
    long = describe_error(ValueError("a\n\tb " + "x" * 10_000))
    assert long.startswith("ValueError: a b x")
    assert len(long) == MAX_ERROR_CHARS


def test_retry_later_validates_its_delay() -> None:
    assert RetryLater(5, "busy").delay_seconds == 5
    assert RetryLater().delay_seconds is None
    with pytest.raises(ValueError, match="delay_seconds"):
        RetryLater(-1)


def test_registry_maps_each_kind_to_one_handler() -> None:
    registry = JobRegistry()

    async def send(ctx: JobContext) -> None:
        pass

    registry.register("email.send", send)
    assert registry.get("email.send") is send
    assert registry.get("sms.send") is None
    assert "email.send" in registry
    assert registry.kinds() == frozenset({"email.send"})
    assert len(registry) == 1
    with pytest.raises(ValueError, match="already registered"):
        registry.register("email.send", send)
    with pytest.raises(ValueError, match="1 to 64"):
        registry.register("x" * 65, send)


def test_job_context_knows_its_last_attempt() -> None:
    ctx = JobContext(
        job_id=1, kind="k", args={}, org_id=None, session_id=None, attempt=3, max_attempts=3, services=None
    )
    assert ctx.is_last_attempt
