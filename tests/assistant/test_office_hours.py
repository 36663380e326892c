from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from baton.assistant.office_hours import describe_opening, office_hours_state
from baton.assistant.settings import OfficeHours

HOURS = OfficeHours(
    timezone="Europe/Paris",
    weekly={
        "mon": [("09:00", "12:00"), ("14:00", "18:00")],
        "tue": [("09:00", "18:00")],
        "fri": [("09:00", "17:00")],
    },
    holidays_country="FR",
    extra_closed_dates=[date(2025, 6, 3)],
)


def test_no_schedule_means_always_open() -> None:
    assert office_hours_state(None, datetime(2025, 6, 1, tzinfo=UTC)) is None


def test_open_inside_a_range_in_the_org_time_zone() -> None:
    # 10:00 in Paris (summer time) is 08:00 UTC, Monday 2 June 2025.
    state = office_hours_state(HOURS, datetime(2025, 6, 2, 8, 0, tzinfo=UTC))
    assert state is not None and state.open and state.next_opening is None


def test_lunch_break_is_closed_and_reopens_the_same_afternoon() -> None:
    state = office_hours_state(HOURS, datetime(2025, 6, 2, 10, 30, tzinfo=UTC))  # 12:30 Paris
    assert state is not None and not state.open
    assert state.next_opening == datetime(2025, 6, 2, 12, 0, tzinfo=UTC)  # 14:00 Paris


def test_extra_closed_dates_and_public_holidays_are_skipped() -> None:
    # Monday evening → Tuesday 3 June is an extra closed date → Friday 6 June (Wed/Thu have no hours).
    state = office_hours_state(HOURS, datetime(2025, 6, 2, 17, 0, tzinfo=UTC))
    assert state is not None and state.next_opening == datetime(2025, 6, 6, 7, 0, tzinfo=UTC)
    # Whit Monday (9 June 2025) is a French public holiday → Tuesday 10 June 09:00 Paris.
    state = office_hours_state(HOURS, datetime(2025, 6, 6, 16, 0, tzinfo=UTC))
    assert state is not None and state.next_opening == datetime(2025, 6, 10, 7, 0, tzinfo=UTC)


def test_the_opening_is_described_in_the_customer_language_and_org_zone() -> None:
    text = describe_opening(datetime(2025, 6, 6, 7, 0, tzinfo=UTC), "Europe/Paris", "fr")
    assert text == "vendredi 2025-06-06 09:00 (Europe/Paris)"


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "UTC", "weekly": {"mon": [["18:00", "09:00"]]}}, "weekly"),
        ({"timezone": "UTC", "weekly": {"mon": [["9am", "5pm"]]}}, "weekly"),
        ({"timezone": "UTC", "weekly": {"mon": [["09:00", "13:00"], ["12:00", "17:00"]]}}, "weekly"),
        ({"timezone": "UTC", "weekly": {"funday": [["09:00", "17:00"]]}}, "weekly"),
        ({"timezone": "UTC", "holidays_country": "XX"}, "holidays_country"),
    ],
)
def test_invalid_schedules_are_refused_naming_the_field(document: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        OfficeHours.model_validate(document)
    assert error.value.errors()[0]["loc"][0] == field
