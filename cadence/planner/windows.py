"""Local time: turning a contact's wall-clock windows into UTC instants, and choosing the next window.

Everything here counts in the contact's local calendar. A "day later" is the next local date, never 24 hours,
so a call at 11:00 stays at 11:00 across a DST change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from cadence.planner.calendar import DaysOff
from cadence.planner.rules import CallWindow, Rules
from crm.zones import zone  # noqa: F401 - the planner's zones, re-exported for its callers

# Far more than any holiday season; a calendar with no working day in sight is a configuration error.
MAX_DAYS_AHEAD = 400


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def wall_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant a local wall-clock time happens, in UTC.

    fold=0 settles both DST cases the way a rep would want: a time that happens twice (clocks go back) is
    taken once, at its first occurrence; a time that never happens (clocks go forward) is read with the offset
    before the jump, which moves it forward by the size of the gap (02:30 becomes 03:30 in New York).
    """
    return datetime.combine(day, at, tzinfo=tz).replace(fold=0).astimezone(UTC)


def is_wall_time_skipped(day: date, at: time, tz: ZoneInfo) -> bool:
    """Whether the clocks jump over this wall-clock time on that date, so it never shows on a clock."""
    local = datetime.combine(day, at, tzinfo=tz)
    return local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None)


@lru_cache(maxsize=4096)
def day_bounds(day: date, windows: tuple[CallWindow, ...], tz: ZoneInfo) -> tuple[tuple[datetime, datetime], ...]:
    """UTC start and end of every window on one local date.

    1. A window starts the first time its wall-clock start comes round (see wall_to_utc): on a fall-back
       night it is taken once, on its first pass; when the clocks jump over its start, it moves forward by
       the size of the jump (02:00-03:00 on a spring-forward night in New York becomes 03:00-04:00).
    2. It lasts exactly its nominal length, so a clock change can move a window but never shrink, stretch
       or erase it.
    3. It never starts before the previous window ends: a window moved forward can run into the next one,
       which then starts when it ends. Windows never overlap, so every moment belongs to one window at most.
    """
    bounds: list[tuple[datetime, datetime]] = []
    for window in windows:
        start = wall_to_utc(day, window.start, tz)
        if bounds and start < bounds[-1][1]:
            start = bounds[-1][1]
        bounds.append((start, start + timedelta(seconds=window.length)))
    return tuple(bounds)


def window_bounds(day: date, index: int, windows: tuple[CallWindow, ...], tz: ZoneInfo) -> tuple[datetime, datetime]:
    return day_bounds(day, windows, tz)[index]


def window_at(moment: datetime, windows: tuple[CallWindow, ...], tz: ZoneInfo) -> int | None:
    """Index of the window a moment falls in, on its local date, or None."""
    for index, (start, end) in enumerate(day_bounds(local_date(moment, tz), windows, tz)):
        if start <= moment < end:
            return index
    return None


def is_workday(day: date, *, rules: Rules, days_off: DaysOff) -> bool:
    return rules.is_working_weekday(day) and not days_off.is_day_off(day)


def next_workday(day: date, *, rules: Rules, days_off: DaysOff) -> date:
    """`day` itself if it is a working day, else the first working day after it."""
    for offset in range(MAX_DAYS_AHEAD):
        candidate = day + timedelta(days=offset)
        if is_workday(candidate, rules=rules, days_off=days_off):
            return candidate
    raise ValueError(f"no working day within {MAX_DAYS_AHEAD} days of {day}; check working days and days off")


@dataclass(frozen=True)
class Slot:
    day: date
    index: int
    start: datetime
    end: datetime


def first_open_slot(
    *, earliest: date, order: Sequence[int], rules: Rules, tz: ZoneInfo, days_off: DaysOff, now: datetime
) -> Slot:
    """The first working day from `earliest` with a window in `order` that has not ended yet.

    Within a day the windows are taken in `order` (the rotation's preference), skipping any that already
    ended: a window that ends after `now` is still good, even if it started a few minutes ago.
    """
    day = max(earliest, local_date(now, tz))
    for _ in range(MAX_DAYS_AHEAD):
        day = next_workday(day, rules=rules, days_off=days_off)
        for index in order:
            start, end = window_bounds(day, index, rules.windows, tz)
            # A date a zone skipped entirely (Samoa, 30 December 2011) has no windows of its own.
            if end > now and local_date(start, tz) == day:
                return Slot(day=day, index=index, start=start, end=end)
        day += timedelta(days=1)
    raise ValueError(f"no open call window within {MAX_DAYS_AHEAD} days of {earliest}")


def rotation(count: int, used: Sequence[int], *, picked_up_in: int | None = None) -> tuple[int, ...]:
    """Window indexes to try next, best first.

    1. Replay the windows used so far, in rounds: a round ends once every window has had a turn, or when the
       rep repeats one early (then the repeat opens the next round).
    2. The candidates are the windows not yet used in the current round, never the one used last, so two
       attempts in a row never land at the same time of day (docs/field-reports.md §2: "every other day, at a different
       time").
    3. Candidates are ordered from the window after the last one used, wrapping around: the attempts walk
       through the day.
    4. A window where the contact once picked up jumps the queue, unless it was the one used last.
    """
    tried: set[int] = set()
    for index in used:
        if index in tried:
            tried = set()
        tried.add(index)
        if len(tried) == count:
            tried = set()
    last = used[-1] if used else None
    start = 0 if last is None else last + 1
    walk = [(start + step) % count for step in range(count)]
    candidates = [index for index in walk if index not in tried and index != last] or walk
    if picked_up_in is not None and picked_up_in != last and 0 <= picked_up_in < count:
        candidates = [picked_up_in] + [index for index in candidates if index != picked_up_in]
    return tuple(candidates)
