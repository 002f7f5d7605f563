"""The numbers behind the charts: attempts per day, persistence pays, when to call."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from crm.models import User
from dashboard.metrics import Activity, Period, Persistence, activity, team_rep_ids
from dashboard.scope import (
    ATTEMPT_BUCKETS,
    HEATMAP_HOURS,
    STUDY_BEST_DAYS,
    STUDY_BEST_HOURS,
    STUDY_REACHED_BY,
    dashboard_teams,
)
from touches.selectors import touch_calls_by_callee_time


@dataclass(frozen=True)
class DailySeries:
    days: list[dt.date]
    reps: list[tuple[str, list[int]]]  # (rep, attempts per day)

    @property
    def by_day(self) -> list[tuple[dt.date, list[int]]]:
        """The same numbers a row per day, for the table under the chart."""
        return [(day, [values[n] for _, values in self.reps]) for n, day in enumerate(self.days)]


def attempts_per_day(
    *, user: User, period: Period, tz: ZoneInfo, team_id: int | None = None, done: Activity | None = None
) -> DailySeries:
    """Attempts per rep and local day (the manager's calendar), from `activity`; quiet days are zeros."""
    done = done or activity(user=user, period=period, tz=tz, team_id=team_id)
    days = done.days
    reps = list(
        User.objects.filter(team__in=dashboard_teams(user=user, team_id=team_id), role=User.Role.REP, is_active=True)
        .order_by("team__name", "first_name", "username")
        .values_list("pk", "first_name", "last_name", "username")
    )
    index = {day: n for n, day in enumerate(days)}
    series = {pk: [0] * len(days) for pk, *_ in reps}
    for (rep_id, day), counts in done.per_day.items():
        if rep_id in series and day in index:
            series[rep_id][index[day]] = counts["attempts"]
    names = {pk: (f"{first} {last}".strip() or username) for pk, first, last, username in reps}
    return DailySeries(days=days, reps=[(names[pk], values) for pk, values in series.items()])


@dataclass(frozen=True)
class AttemptBar:
    attempt: int
    label: str
    reached: int
    share: float
    cumulative: float
    study: int | None


def persistence_curve(found: Persistence) -> list[AttemptBar]:
    """The team's own "reached on attempt n" curve, next to the published marks."""
    total = found.reached
    bars, running = [], 0
    for attempt in range(1, ATTEMPT_BUCKETS + 1):
        count = found.buckets.get(attempt, 0)
        running += count
        label = f"{attempt}+" if attempt == ATTEMPT_BUCKETS else str(attempt)
        share = 100 * count / total if total else 0.0
        cumulative = 100 * running / total if total else 0.0
        bars.append(AttemptBar(attempt, label, count, share, cumulative, STUDY_REACHED_BY.get(attempt)))
    return bars


# A cell of the heatmap on fewer dials than this says little: the page greys it.
FEW_DIALS = 5


@dataclass(frozen=True)
class HeatCell:
    dials: int
    connects: int
    rate: float | None
    intensity: int  # 0-100, for the cell's background
    is_study_best: bool

    @property
    def heat_step(self) -> int:
        """0-10: the cell's shade, as a CSS class (the Content-Security-Policy allows no inline style)."""
        return round(self.intensity / 10)


@dataclass(frozen=True)
class Heatmap:
    columns: list[str]  # local hour windows
    rows: list[tuple[str, list[HeatCell]]]  # weekday, cells
    dials: int
    connects: int


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _hour_label(hour: int) -> str:
    def clock(h: int) -> str:
        return f"{(h - 1) % 12 + 1}{'am' if h < 12 else 'pm'}"

    return f"{clock(hour)}–{clock(hour + 1)}"


def when_to_call(
    *, user: User, period: Period, team_id: int | None = None, rep_ids: list[int] | None = None
) -> Heatmap:
    """Connect rate of the period's dials by weekday and hour in the callee's local time.

    The touch carries that weekday and hour (a trigger fills them from the contact's zone, else the prospect's),
    and another keeps the calls per rep and day by them (touches.selectors.touch_calls_by_callee_time)."""
    cells: dict[tuple[int, int], tuple[int, int]] = {}
    reps = team_rep_ids(user=user, team_id=team_id) if rep_ids is None else rep_ids
    for weekday, hour, dials, connects in touch_calls_by_callee_time(rep_ids=reps, start=period.start, end=period.end):
        window = -1 if hour < HEATMAP_HOURS[0] else 24 if hour > HEATMAP_HOURS[-1] else hour
        before = cells.get((weekday, window), (0, 0))
        cells[(weekday, window)] = (before[0] + dials, before[1] + connects)
    labels = {
        -1: "before " + _hour_label(HEATMAP_HOURS[0]).split("–")[0],
        **{h: _hour_label(h) for h in HEATMAP_HOURS},
        24: "after " + _hour_label(HEATMAP_HOURS[-1]).split("–")[1],
    }
    # Hours nobody called in are left out; the studies' best hours always show, called or not.
    windows = [w for w in labels if w in STUDY_BEST_HOURS or any(cells.get((d, w)) for d in range(1, 8))]
    rates = [c / d for d, c in cells.values() if d]
    top = max(rates, default=0) or 1
    days = [d for d in range(1, 8) if d <= 5 or any(cells.get((d, w)) for w in windows)]
    table = []
    for day in days:
        line = []
        for window in windows:
            dials, connects = cells.get((day, window), (0, 0))
            rate = 100 * connects / dials if dials else None
            best = day in STUDY_BEST_DAYS and window in STUDY_BEST_HOURS
            line.append(HeatCell(dials, connects, rate, round(100 * (connects / dials) / top) if dials else 0, best))
        table.append((WEEKDAYS[day - 1], line))
    return Heatmap(
        columns=[labels[w] for w in windows],
        rows=table,
        dials=sum(d for d, _ in cells.values()),
        connects=sum(c for _, c in cells.values()),
    )
