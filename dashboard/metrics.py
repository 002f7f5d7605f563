"""Rep persistence and results over a period, aggregated in PostgreSQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL

from cadence.models import Enrollment
from cadence.selectors import coverage_for_reps
from crm.models import User
from dashboard.scope import (
    ATTEMPT_BUCKETS,
    LATE_FOLLOW_UPS_SQL,
    dashboard_reps,
    dashboard_teams,
)
from touches.models import TouchFirstReach
from touches.selectors import touch_activity_by_day


@dataclass
class RepStats:
    """One line of the rep table: a rep, or a whole team when `rep` is None."""

    label: str
    team_name: str
    days: int
    rep: User | None = None
    attempts: int = 0
    dials: int = 0
    connects: int = 0
    seconds: int = 0
    gave_up: int = 0
    gave_up_early: int = 0
    overdue: int = 0
    reached: int = 0
    median_to_connect: float | None = None
    coverage: str = ""  # "covers 12 of Lee's leads", "away: Sam covers 12"

    @property
    def attempts_per_day(self) -> float:
        return self.attempts / self.days

    @property
    def connect_rate(self) -> float | None:
        return 100 * self.connects / self.dials if self.dials else None

    @property
    def early_share(self) -> float | None:
        return 100 * self.gave_up_early / self.gave_up if self.gave_up else None

    @property
    def hours(self) -> float:
        return self.seconds / 3600

    def add(self, other: RepStats) -> None:
        for name in ("attempts", "dials", "connects", "seconds", "gave_up", "gave_up_early", "overdue", "reached"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class Period:
    days: int
    start: dt.datetime
    end: dt.datetime

    @classmethod
    def ending(cls, now: dt.datetime, days: int) -> Period:
        return cls(days=days, start=now - dt.timedelta(days=days), end=now)


def first_reaches(*, user: User, period: Period, team_id: int | None = None) -> QuerySet[TouchFirstReach]:
    """The leads first reached ever by a touch made in the period by the team's reps, each with `attempt`: how
    many attempts the prospect had had by then, that one included (Velocify's "reached on attempt n"), and the
    rep's `team_id`. Read from the first reaches the touch triggers keep (touches migration 0010): one index-only
    range of `first_reach_idx` per rep."""
    reps = User.objects.filter(team__in=dashboard_teams(user=user, team_id=team_id))
    return (
        TouchFirstReach.objects.filter(
            rep_id__in=reps.values("pk"), occurred_at__gte=period.start, occurred_at__lt=period.end
        )
        .annotate(team_id=Subquery(User.objects.filter(pk=OuterRef("rep_id")).values("team_id")))
        .order_by()
    )


@dataclass(frozen=True)
class Persistence:
    """Of the leads first reached in the period, on which attempt: per rep, per team and for the scope."""

    median_by_rep: dict[int, float]
    reached_by_rep: dict[int, int]
    median_by_team: dict[int, float]
    reached_by_team: dict[int, int]
    buckets: dict[int, int]  # attempt (10 means 10+) -> leads reached
    median: float | None

    @property
    def reached(self) -> int:
        return sum(self.buckets.values())


def persistence(*, user: User, period: Period, team_id: int | None = None) -> Persistence:
    """One query: the period's first reaches, grouped at once by rep, by team and by attempt (GROUPING SETS)."""
    sql, params = (
        first_reaches(user=user, period=period, team_id=team_id)
        .values("rep_id", "team_id", "attempt")
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH firsts (rep_id, team_id, attempt) AS ({sql})
            SELECT GROUPING(rep_id, team_id, bucket), rep_id, team_id, bucket, count(*),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY attempt)
            FROM (SELECT rep_id, team_id, attempt, LEAST(attempt, %s) AS bucket FROM firsts) AS f
            GROUP BY GROUPING SETS ((rep_id), (team_id), (bucket), ())
            """,
            [*params, ATTEMPT_BUCKETS],
        )
        rows = cursor.fetchall()
    by_rep, reached_rep, by_team, reached_team, buckets, overall = {}, {}, {}, {}, {}, None
    for grouping, rep_id, team, bucket, count, median in rows:
        if grouping == 0b011:  # grouped by rep only
            by_rep[rep_id], reached_rep[rep_id] = median, count
        elif grouping == 0b101 and team is not None:
            by_team[team], reached_team[team] = median, count
        elif grouping == 0b110:
            buckets[bucket] = count
        elif grouping == 0b111:
            overall = median
    return Persistence(by_rep, reached_rep, by_team, reached_team, buckets, overall)


@dataclass(frozen=True)
class Activity:
    """The period's touches counted per rep and local day: one pass serves the rep table and the daily chart."""

    days: list[dt.date]
    per_day: dict[tuple[int, dt.date], dict[str, int]]

    def totals(self, rep_id: int) -> dict[str, int]:
        found = [counts for (rep, _), counts in self.per_day.items() if rep == rep_id]
        return {key: sum(counts[key] for counts in found) for key in ("attempts", "dials", "connects", "seconds")}


def activity(
    *, user: User, period: Period, tz: ZoneInfo, team_id: int | None = None, rep_ids: list[int] | None = None
) -> Activity:
    """Attempts, dials, connects and seconds per rep and day (in the manager's calendar), read from the hourly
    rollup the touch triggers keep (touches.selectors.touch_activity_by_day), not from every touch of the period."""
    reps = team_rep_ids(user=user, team_id=team_id) if rep_ids is None else rep_ids
    rows = touch_activity_by_day(rep_ids=reps, start=period.start, end=period.end, tz=tz)
    first = period.start.astimezone(tz).date()
    days = [first + dt.timedelta(days=n) for n in range((period.end.astimezone(tz).date() - first).days + 1)]
    per_day = {
        (rep_id, day): {"attempts": attempts, "dials": dials, "connects": connects, "seconds": seconds}
        for rep_id, day, attempts, dials, connects, seconds in rows
    }
    return Activity(days=days, per_day=per_day)


def team_rep_ids(*, user: User, team_id: int | None) -> list[int]:
    """Everyone in the managed teams (or the one chosen): whose touches are the team's work."""
    return list(User.objects.filter(team__in=dashboard_teams(user=user, team_id=team_id)).values_list("pk", flat=True))


def reps_with_load(*, user: User, now: dt.datetime, team_id: int | None = None) -> list[User]:
    """The reps of the managed teams, each with its open leads and overdue follow-ups: one query serves the rep
    table and the reassign list."""
    return list(
        dashboard_reps(user=user, team_id=team_id).annotate(
            overdue=RawSQL(_OVERDUE_PER_REP, [now, now], output_field=IntegerField())
        )
    )


# Overdue per rep: a range of follow_up_queue_idx each (`LATE_FOLLOW_UPS_SQL`), read with the reps rather than
# grouped apart.
_OVERDUE_PER_REP = f"""
    SELECT count(*) FROM (
        SELECT 1 FROM cadence_followup f WHERE f.rep_id = "crm_user"."id" AND {LATE_FOLLOW_UPS_SQL.format(now="%s")}
    ) AS late
"""


def rep_stats(
    *,
    user: User,
    now: dt.datetime,
    period: Period,
    team_id: int | None = None,
    found: Persistence | None = None,
    done: Activity | None = None,
    reps: list[User] | None = None,
) -> list[RepStats]:
    """Per rep, then per team: attempts, dials and connects, time spent, give-ups (early ones apart), overdue
    follow-ups and attempts to first connect. The reps (`reps_with_load`, unless given) and one grouped query,
    plus activity and persistence unless given."""
    if reps is None:
        reps = reps_with_load(user=user, now=now, team_id=team_id)
    rep_ids = [rep.pk for rep in reps]
    done = done or activity(user=user, period=period, tz=dt.UTC, team_id=team_id)
    # Scoped by the team's reps, like the touches: their own give-ups, counted from enrollment_gave_up_idx alone
    # (the owner counted, not the id, which the index does not hold).
    give_ups = (
        Enrollment.objects.filter(
            owner_id__in=rep_ids,
            status=Enrollment.Status.GAVE_UP,
            ended_at__gte=period.start,
            ended_at__lt=period.end,
        )
        .values("owner_id")
        .annotate(gave_up=Count("owner"), gave_up_early=Count("owner", filter=Q(gave_up_early=True)))
    )
    found = found or persistence(user=user, period=period, team_id=team_id)
    stats = {
        rep.pk: RepStats(
            label=str(rep),
            team_name=rep.team.name if rep.team else "",
            days=period.days,
            rep=rep,
            overdue=rep.overdue,
        )
        for rep in reps
    }
    for rep_id, line in stats.items():
        totals = done.totals(rep_id)
        line.attempts, line.dials, line.connects, line.seconds = (
            totals["attempts"],
            totals["dials"],
            totals["connects"],
            totals["seconds"],
        )
    for row in give_ups:
        stats[row["owner_id"]].gave_up, stats[row["owner_id"]].gave_up_early = row["gave_up"], row["gave_up_early"]
    for rep_id, line in stats.items():
        line.median_to_connect = found.median_by_rep.get(rep_id)
        line.reached = found.reached_by_rep.get(rep_id, 0)
    _coverage_lines(stats)
    return [*stats.values(), *_team_lines(reps, stats, found, period)]


def _coverage_lines(stats: dict[int, RepStats]) -> None:
    """Who covers whom while a rep is away, said on both reps' lines."""
    names = {rep_id: line.label for rep_id, line in stats.items()}
    for rep_id, pairs in coverage_for_reps(rep_ids=list(stats)).items():
        line = stats.get(rep_id)
        if line is None or line.rep is None:
            continue
        if line.rep.away_until:
            said = [f"{names.get(other, 'a former teammate')} covers {n}" for other, n in pairs]
        else:
            said = [f"covers {n} of {names.get(other, 'a former teammate')}’s leads" for other, n in pairs]
        line.coverage = "; ".join(said)


def _team_lines(reps: list[User], stats: dict[int, RepStats], found: Persistence, period: Period) -> list[RepStats]:
    """A team's line adds up its reps' counts; its median comes from the database, as medians do not add."""
    teams: dict[int, RepStats] = {}
    for rep in reps:
        if rep.team_id is None:
            continue
        team = teams.setdefault(
            rep.team_id, RepStats(label=f"{rep.team.name} (team)", team_name=rep.team.name, days=period.days)
        )
        team.add(stats[rep.pk])
    for team_id, team in teams.items():
        team.median_to_connect = found.median_by_team.get(team_id)
    return list(teams.values())


# ---------------------------------------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------------------------------------
