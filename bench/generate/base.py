"""What every part of the generator shares: the scale, the report, the clock and the random streams."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

UTC = dt.UTC
DAY = 86_400
HISTORY_DAYS = 730
LONG_HISTORY_TOUCHES = 1_000
HIGH_VALUE_THRESHOLD = Decimal("50000")


@dataclass(frozen=True)
class Scale:
    """How much to load. `Scale.of(1)` is the default: 50 reps in 5 teams, 100k prospects, 2M touches."""

    factor: float
    teams: int
    reps: int
    prospects: int
    contacts: int
    touches: int

    @classmethod
    def of(cls, factor: float) -> Scale:
        return cls(
            factor=factor,
            teams=max(1, round(5 * factor)),
            reps=max(5, round(50 * factor)),
            prospects=max(10, round(100_000 * factor)),
            contacts=max(15, round(150_000 * factor)),
            touches=max(200, round(2_000_000 * factor)),
        )

    @property
    def enrollments(self) -> int:
        # Issue 7 asks for as many active enrollments as prospects: every prospect is being followed up.
        return self.prospects


@dataclass
class LoadReport:
    scale: Scale
    seed: int
    now: dt.datetime
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    long_history_prospect_ids: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def as_meta(self) -> dict[str, Any]:
        data = asdict(self)
        data["now"] = self.now.isoformat()
        data["total_seconds"] = self.total_seconds
        return data


class LocalClock:
    """Local wall-clock minutes on a local date to UTC epoch seconds, cached per (zone, day).

    Working hours never include 02:00-03:00, and DST changes fall on weekends where we never schedule, so
    "local midnight + minutes" is exact for every time generated here.
    """

    def __init__(self) -> None:
        self._midnights: dict[tuple[str, int], int] = {}
        self._zones: dict[str, ZoneInfo] = {}

    def zone(self, key: str) -> ZoneInfo:
        found = self._zones.get(key)
        if found is None:
            found = self._zones[key] = ZoneInfo(key)
        return found

    def at(self, tz: str, ordinal: int, minutes: int) -> int:
        midnight = self._midnights.get((tz, ordinal))
        if midnight is None:
            day = dt.date.fromordinal(ordinal)
            midnight = int(dt.datetime(day.year, day.month, day.day, tzinfo=self.zone(tz)).timestamp())
            self._midnights[(tz, ordinal)] = midnight
        return midnight + minutes * 60

    def local_ordinal(self, tz: str, epoch: int) -> int:
        return dt.datetime.fromtimestamp(epoch, self.zone(tz)).date().toordinal()

    def weekday_hour(self, tz: str, epoch: int) -> tuple[int, int]:
        """ISO weekday and hour on the wall clock of `tz`, as the touches trigger stores them."""
        local = dt.datetime.fromtimestamp(epoch, self.zone(tz))
        return local.isoweekday(), local.hour


class Load:
    """One load in progress: its scale, seed and `now`, and the report it fills in."""

    def __init__(self, *, scale: Scale, seed: int, now: dt.datetime) -> None:
        self.scale = scale
        self.seed = seed
        self.now = now.astimezone(UTC).replace(microsecond=0)
        self.now_epoch = int(self.now.timestamp())
        self.clock = LocalClock()
        self.report = LoadReport(scale=scale, seed=seed, now=self.now)

    def rng(self, name: str) -> random.Random:
        """One stream per table, so changing how one table is made leaves the others' rows as they were."""
        return random.Random(f"{self.seed}:{name}")


def weighted(rng: random.Random, options: Sequence[tuple[Any, int]]) -> Callable[[], Any]:
    values = [value for value, _ in options]
    cumulative = list(itertools.accumulate(weight for _, weight in options))
    total = cumulative[-1]
    draw = rng.random

    def pick() -> Any:
        return values[bisect.bisect(cumulative, draw() * total)]

    return pick


def workday(ordinal: int, *, forward: bool) -> int:
    """The day itself if it is Monday to Friday, else the next Monday (forward) or the Friday before."""
    weekday = dt.date.fromordinal(ordinal).weekday()
    if weekday < 5:
        return ordinal
    return ordinal + (7 - weekday if forward else -(weekday - 4))


def uuid_hex(rng: random.Random) -> str:
    value = rng.getrandbits(128)
    value = (value & ~(0xF000 << 64)) | (0x4000 << 64)  # version 4
    value = (value & ~(0xC000 << 48)) | (0x8000 << 48)  # RFC 4122 variant
    return f"{value:032x}"
