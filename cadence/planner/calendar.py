"""Days nobody should be called: public holidays and the company's own days off."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Protocol

import holidays


class DaysOff(Protocol):
    def is_day_off(self, day: date) -> bool: ...


@dataclass(frozen=True)
class NoDaysOff:
    def is_day_off(self, day: date) -> bool:
        return False


@dataclass(frozen=True)
class FixedDaysOff:
    """An explicit list, e.g. a company shutdown between Christmas and New Year."""

    days: frozenset[date]

    def is_day_off(self, day: date) -> bool:
        return day in self.days


class HolidayCalendar:
    """Public holidays of one country (and optionally one state or province), observed days included.

    The `holidays` tables fill in year by year on first use; that is in-memory data, not I/O.
    """

    def __init__(self, table: holidays.HolidayBase, *, extra: frozenset[date] = frozenset()) -> None:
        self._table = table
        self._extra = extra

    def __repr__(self) -> str:
        subdivision = f"-{self._table.subdiv}" if self._table.subdiv else ""
        return f"HolidayCalendar({self._table.country}{subdivision})"

    def is_day_off(self, day: date) -> bool:
        return day in self._extra or day in self._table

    def name(self, day: date) -> str | None:
        return self._table.get(day)


@cache
def _supported() -> dict[str, frozenset[str]]:
    return {code: frozenset(subdivisions) for code, subdivisions in holidays.list_supported_countries().items()}


def holiday_calendar(*, country: str, subdivision: str | None = None, extra_days_off: Iterable[date] = ()) -> DaysOff:
    """Public holidays for an ISO 3166 country code such as "US", "GB" or "IN".

    A blank or unknown country means no public holidays rather than an error: a prospect with a missing
    country should still be planned, on working weekdays. An unknown subdivision falls back to the country.
    """
    extra = frozenset(extra_days_off)
    code = country.strip().upper()
    supported = _supported()
    if code not in supported:
        return FixedDaysOff(days=extra) if extra else NoDaysOff()
    subdivisions = {name.upper(): name for name in supported[code]}
    subdiv = subdivisions.get(subdivision.strip().upper()) if subdivision else None
    return HolidayCalendar(holidays.country_holidays(code, subdiv=subdiv), extra=extra)
