"""A cadence's rules: how often, at what times of day, how many attempts and how it ends."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from cadence.planner.enums import Channel, OnFinish, Theme


@dataclass(frozen=True)
class CallWindow:
    """A stretch of the contact's local wall-clock day when we try to reach them."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("call windows are local wall-clock times; give them without tzinfo")
        if not self.start < self.end:
            raise ValueError(f"call window {self.label} must end after it starts, on the same day")

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}"

    @property
    def length(self) -> float:
        """Nominal length in seconds: a window lasts this long in real time, even on a DST night."""
        return (datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)).total_seconds()


# Best and second-best hours of the MIT/InsideSales study (16-17, 8-9) plus two midday slots, so four
# attempts in a row each land at a different time of day.
DEFAULT_WINDOWS = (
    CallWindow(start=time(8, 0), end=time(9, 0)),
    CallWindow(start=time(11, 0), end=time(12, 0)),
    CallWindow(start=time(13, 30), end=time(14, 30)),
    CallWindow(start=time(16, 0), end=time(17, 0)),
)


@dataclass(frozen=True)
class Rules:
    """One cadence. Defaults follow docs/field-reports.md §2: every other day, at a different time, always leave a
    voicemail.

    `gaps_days[i]` is the gap in local calendar days after the (i+1)-th day with attempts on it; the last gap
    repeats. A voicemail or email on the same day as a call belongs to that day, so it does not use up a gap.

    Attempt `max_touches` is the breakup message. With `pleasantly_persistent`, attempt `max_touches - 1` is
    the "I'll <action> on <date> unless I hear back" message and attempt `max_touches` is that action, on that
    date.
    """

    gaps_days: tuple[int, ...] = (2,)
    windows: tuple[CallWindow, ...] = DEFAULT_WINDOWS
    working_weekdays: frozenset[int] = field(default_factory=lambda: frozenset({0, 1, 2, 3, 4}))
    voicemail_after_no_answer: bool = True
    email_after_voicemail: bool = False
    min_touches: int = 5
    max_touches: int = 8
    pleasantly_persistent: bool = False
    pleasantly_persistent_action: str = "stop by"
    pleasantly_persistent_channel: Channel = Channel.IN_PERSON
    breakup_wait_days: int = 5
    on_finish: OnFinish = OnFinish.GIVE_UP
    recycle_after_days: int | None = None
    # Calls and voicemails only between these local times, whatever else is planned (a voicemail after a call made
    # late): US telephone solicitation rules say 8 am to 9 pm at the called party's location. None: no limit.
    calling_hours: tuple[time, time] | None = None
    # The three I's the team has ready messages for, in rotation order.
    themes: tuple[Theme, ...] = (Theme.INFORMATION, Theme.INVITATION, Theme.INTRODUCTION)

    def __post_init__(self) -> None:
        problems = self._problems()
        if problems:
            raise ValueError("invalid cadence rules: " + "; ".join(problems))

    def _problems(self) -> list[str]:
        problems = []
        if not self.gaps_days or any(gap < 1 for gap in self.gaps_days):
            problems.append("gaps_days needs at least one gap, each of one day or more")
        if not self.windows:
            problems.append("at least one call window is needed")
        for earlier, later in zip(self.windows, self.windows[1:], strict=False):
            if later.start < earlier.end:
                problems.append(f"windows must be in order and not overlap ({earlier.label}, {later.label})")
        if not self.working_weekdays or not self.working_weekdays <= set(range(7)):
            problems.append("working_weekdays must be a non-empty set of 0 (Monday) to 6 (Sunday)")
        if not 1 <= self.min_touches <= self.max_touches:
            problems.append("need 1 <= min_touches <= max_touches")
        if self.pleasantly_persistent and self.max_touches < 2:
            problems.append("a pleasantly persistent message needs max_touches >= 2")
        if self.pleasantly_persistent_channel is Channel.OTHER:
            problems.append("the pleasantly persistent action must be a real attempt, not a note")
        if self.breakup_wait_days < 0:
            problems.append("breakup_wait_days cannot be negative")
        if not self.themes or Theme.NONE in self.themes:
            problems.append("themes must name at least one of the three I's")
        if self.recycle_after_days is not None and self.recycle_after_days < 1:
            problems.append("recycle_after_days must be at least 1 when set")
        return problems

    def gap_after(self, attempt_days: int) -> int:
        """Days to wait after the `attempt_days`-th day that had attempts on it (1-based)."""
        return self.gaps_days[min(max(attempt_days, 1), len(self.gaps_days)) - 1]

    def is_working_weekday(self, day: date) -> bool:
        return day.weekday() in self.working_weekdays
