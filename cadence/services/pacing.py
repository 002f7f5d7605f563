"""Pacing new leads: a rep starts so many new leads a working day (the team's `daily_new_leads`), so a big import
or a burst of API creations plans its first attempts over the coming days instead of all at one minute.

A paced lead's enrollment starts on its day (`started_at` in the future): the planner does not plan its first
attempt before then, and nothing reads it as overdue or stalled meanwhile. A rep may still call it at once by hand.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from django.db.models import Count
from django.db.models.functions import TruncDate

from cadence.models import Cadence, Enrollment
from crm.models import Prospect, Team, User
from crm.zones import zone

OPEN = Enrollment.OPEN_STATUSES
# Far more than any import needs (50,000 rows at 1 a day would still fit): a loop that cannot end is a bug.
MAX_DAYS_AHEAD = 5000


def first_attempt_days(
    *, owner: User, team: Team, count: int, start: dt.date, weekdays: frozenset[int] = frozenset(range(5))
) -> list[dt.date]:
    """The days on which `count` new leads of this rep take their first attempt, in order: each working day
    filled up to the team's daily budget, counting the leads already waiting for their first attempt that day."""
    if count <= 0:
        return []
    tz = zone(owner.timezone, fallback="UTC")
    waiting: Counter[dt.date] = Counter(
        {
            row["day"]: row["n"]
            for row in Enrollment.objects.filter(
                owner=owner,
                status__in=OPEN,
                last_touch_at__isnull=True,
                started_at__gte=_noon(start, tz) - dt.timedelta(days=1),
            )
            .annotate(day=TruncDate("started_at", tzinfo=tz))
            .values("day")
            .annotate(n=Count("pk"))
            .order_by()
        }
    )
    budget = max(team.daily_new_leads, 1)
    days: list[dt.date] = []
    day = start
    for _ in range(MAX_DAYS_AHEAD):
        if day.weekday() in weekdays:
            take = min(budget - waiting[day], count - len(days))
            if take > 0:
                days.extend([day] * take)
                waiting[day] += take
        if len(days) == count:
            return days
        day += dt.timedelta(days=1)
    raise RuntimeError("could not pace the new leads within the horizon")


def _noon(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    # Noon on the rep's clock: the same calendar day for a contact up to twelve hours away.
    return dt.datetime.combine(day, dt.time(12), tzinfo=tz)


def paced_starts(
    *, prospects: Sequence[Prospect], team: Team, now: dt.datetime, start: dt.date | None = None
) -> dict[int, dt.datetime]:
    """When each new prospect's enrollment starts: now for those that fit today's budget, noon of a later working
    day (its owner's clock) for the others."""
    default = Cadence.objects.filter(team=team, is_default=True).only("working_weekdays").first()
    weekdays = frozenset(default.working_weekdays) if default else frozenset(range(5))
    by_owner: dict[int, list[Prospect]] = {}
    for prospect in prospects:
        by_owner.setdefault(prospect.owner_id, []).append(prospect)
    owners = User.objects.in_bulk(by_owner)
    starts: dict[int, dt.datetime] = {}
    for owner_id, theirs in by_owner.items():
        owner = owners[owner_id]
        tz = zone(owner.timezone, fallback="UTC")
        today = now.astimezone(tz).date()
        first = max(start or today, today)
        days = first_attempt_days(owner=owner, team=team, count=len(theirs), start=first, weekdays=weekdays)
        for prospect, day in zip(theirs, days, strict=True):
            starts[prospect.pk] = now if day == today else _noon(day, tz)
    return starts


def pacing_forecast(*, owners: dict[int, int], team: Team, now: dt.datetime, start: dt.date | None = None) -> dict:
    """What the import preview says of the pacing: the budget, and each rep's last first attempt."""
    users = User.objects.in_bulk(owners)
    last: dict[str, dt.date] = {}
    for owner_id, count in owners.items():
        owner = users[owner_id]
        tz = zone(owner.timezone, fallback="UTC")
        today = now.astimezone(tz).date()
        days = first_attempt_days(owner=owner, team=team, count=count, start=max(start or today, today))
        if days:
            last[str(owner)] = days[-1]
    return {"budget": team.daily_new_leads, "last": last}


# How far ahead a hand-over looks for a rep with room before giving the lead to the least loaded anyway.
NEW_WORK_HORIZON_DAYS = 14


class NewWork:
    """Who takes new work on which day, as an import spreads new leads: each available rep starts at most the team's
    daily budget of new work a working day (new leads, leads handed over to them, leads they cover), and of the reps
    with room that day the least loaded takes the next lead (ties: the one assigned longest ago).

    Built once per batch (a deactivation, an absence) in four queries; `take` counts what it gives, so one batch
    spreads over everyone instead of landing on whoever was least loaded when it started.
    """

    def __init__(self, *, team: Team, reps: Sequence[User], now: dt.datetime) -> None:
        self.now = now
        self.budget = max(team.daily_new_leads, 1)
        default = Cadence.objects.filter(team=team, is_default=True).only("working_weekdays").first()
        self.weekdays = frozenset(default.working_weekdays) if default else frozenset(range(5))
        self.reps = list(reps)
        ids = [rep.pk for rep in self.reps]
        # A rep's load: the open leads they own and those they cover for someone away.
        working = Prospect.objects.filter(status__in=[Prospect.Status.ACTIVE, Prospect.Status.ENGAGED])
        self.load: Counter[int] = Counter()
        for field in ("owner_id", "covered_by_id"):
            for rep_id, n in (
                working.filter(**{f"{field}__in": ids}).values(field).annotate(n=Count("pk")).values_list(field, "n")
            ):
                self.load[rep_id] += n
        self.today = {rep.pk: now.astimezone(zone(rep.timezone, fallback="UTC")).date() for rep in self.reps}
        self.taken: Counter[tuple[int, dt.date]] = Counter()
        started = Enrollment.objects.filter(
            owner_id__in=ids,
            status__in=OPEN,
            started_at__gte=now - dt.timedelta(days=1),
            started_at__lt=now + dt.timedelta(days=NEW_WORK_HORIZON_DAYS + 1),
        ).values_list("owner_id", "started_at")
        covered = Enrollment.objects.filter(
            owner_id__in=ids, status__in=OPEN, absence__applied_at__gte=now - dt.timedelta(days=1)
        ).values_list("owner_id", "absence__applied_at")
        zones = {rep.pk: zone(rep.timezone, fallback="UTC") for rep in self.reps}
        for owner_id, moment in [*started, *covered]:
            if moment is not None:
                self.taken[owner_id, moment.astimezone(zones[owner_id]).date()] += 1

    def _rank(self, rep: User) -> tuple:
        assigned = rep.last_assigned_at.timestamp() if rep.last_assigned_at else float("-inf")
        return (self.load[rep.pk], assigned, rep.pk)

    def take(self, *, today_only: bool = False) -> tuple[User, dt.date] | None:
        """The rep who takes the next lead and the day (their clock) it becomes theirs to work: today if someone
        has room, else the first working day someone does. With `today_only` (covering an absence, which cannot
        wait), None when nobody has room today. None when there is nobody at all."""
        if not self.reps:
            return None
        for offset in range(1 if today_only else NEW_WORK_HORIZON_DAYS + 1):
            days = {rep.pk: self.today[rep.pk] + dt.timedelta(days=offset) for rep in self.reps}
            room = [
                rep
                for rep in self.reps
                if self.taken[rep.pk, days[rep.pk]] < self.budget
                and (offset == 0 or days[rep.pk].weekday() in self.weekdays)
            ]
            if room:
                return self._give(min(room, key=self._rank), days)
            if today_only:
                return None
        if today_only:
            return None
        # Everyone is full for two weeks: the least loaded takes it on their first day after that.
        last = {rep.pk: self.today[rep.pk] + dt.timedelta(days=NEW_WORK_HORIZON_DAYS + 1) for rep in self.reps}
        return self._give(min(self.reps, key=self._rank), last)

    def _give(self, rep: User, days: dict[int, dt.date]) -> tuple[User, dt.date]:
        self.load[rep.pk] += 1
        self.taken[rep.pk, days[rep.pk]] += 1
        return rep, days[rep.pk]

    def starts_at(self, rep: User, day: dt.date) -> dt.datetime:
        """When a lead given to `rep` for `day` starts: now for today, noon of that day (their clock) otherwise."""
        if day <= self.today[rep.pk]:
            return self.now
        return _noon(day, zone(rep.timezone, fallback="UTC"))
