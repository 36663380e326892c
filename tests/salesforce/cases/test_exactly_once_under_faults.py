"""Never two Cases, never a lost transcript: handoffs against a hostile emulator with a worker killed.

A smaller run of ``bench/exactly_once.py`` (which does 1,000; see docs/performance.md).
"""

from __future__ import annotations

import pytest

from exactly_once import run_exactly_once

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_handoffs_under_faults_and_a_killed_worker_give_exactly_one_case_each(
    database_url: str,
) -> None:
    outcome = await run_exactly_once(database_url, 100)
    print(outcome.table())
    assert outcome.cases == 100
    assert outcome.duplicate_cases == 0
    assert outcome.sessions_without_case == 0
    assert outcome.incomplete_transcripts == 0
    assert outcome.duplicated_comments == 0
    assert outcome.dead_jobs == 0
    # The faults really happened: more attempts than jobs.
    assert outcome.attempts > 100
