"""Whether the team is in now, and when it next opens, from a weekly schedule, holidays and closed dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from baton.assistant.settings import WEEKDAYS, OfficeHours, minutes_of
from baton.assistant.turn import OfficeHoursState

# Office hours apply to text channels; a phone call is transferred or not at the moment it happens.
CHANNELS_WITHOUT_OFFICE_HOURS = frozenset({"phone", "voice"})
_LOOKAHEAD_DAYS = 400


@lru_cache(maxsize=256)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=[year]).keys())


def _is_closed_day(day: date, hours: OfficeHours) -> bool:
    if day in hours.extra_closed_dates:
        return True
    return hours.holidays_country is not None and day in _public_holidays(hours.holidays_country, day.year)


def _ranges(day: date, hours: OfficeHours) -> list[tuple[int, int]]:
    if _is_closed_day(day, hours):
        return []
    weekday = WEEKDAYS[day.weekday()]
    return sorted((minutes_of(start), minutes_of(end)) for start, end in hours.weekly.get(weekday, []))


def _at(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    # 24:00 is midnight of the next day.
    local = datetime.combine(day, time(0), tzinfo=zone) + timedelta(minutes=minutes)
    return local.astimezone(UTC)


def office_hours_state(hours: OfficeHours | None, now: datetime) -> OfficeHoursState | None:
    """Open now or not and the next opening (UTC); None when there is no schedule (always open)."""
    if hours is None:
        return None
    zone = ZoneInfo(hours.timezone)
    local = now.astimezone(zone)
    minute_now = local.hour * 60 + local.minute
    for start, end in _ranges(local.date(), hours):
        if start <= minute_now < end:
            return OfficeHoursState(open=True, next_opening=None)
    for offset in range(_LOOKAHEAD_DAYS):
        day = local.date() + timedelta(days=offset)
        for start, _end in _ranges(day, hours):
            opening = _at(day, start, zone)
            if opening > now:
                return OfficeHoursState(open=False, next_opening=opening)
    return OfficeHoursState(open=False, next_opening=None)


_WEEKDAY_NAMES = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "pt": (
        "segunda-feira",
        "terça-feira",
        "quarta-feira",
        "quinta-feira",
        "sexta-feira",
        "sábado",
        "domingo",
    ),
    "ar": ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"),
}


def describe_opening(opening: datetime, timezone: str, language: str) -> str:
    """ "Monday 2025-06-02 09:00 (Europe/Paris)" in the customer's language, in the org's time zone."""
    local = opening.astimezone(ZoneInfo(timezone))
    names = _WEEKDAY_NAMES.get(language, _WEEKDAY_NAMES["en"])
    return f"{names[local.weekday()]} {local:%Y-%m-%d %H:%M} ({timezone})"
