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
