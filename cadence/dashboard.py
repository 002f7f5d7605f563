"""Reads for the manager dashboard: stalled leads and why, rep persistence and results, and the chart data.

Everything starts from `team_list_managed` and `prospect_list_visible`, so a manager only ever reads the teams
they manage. Every number is computed by PostgreSQL (COUNT, SUM, percentile_cont, AT TIME ZONE); Python only
lays out the few aggregated rows that come back. Each read is bounded by the period or by the open enrollments,
and a page costs the same number of queries however many leads it shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils.timesince import timesince

from cadence.models import Enrollment, FollowUp
from crm.models import Prospect, Team, User
from crm.selectors import prospect_list_visible, team_list_managed
from touches.models import Channel, Outcome, Touch

PERIODS = (7, 30, 90)
DEFAULT_IDLE_DAYS = 7
SNOOZED_TOO_OFTEN = 3
# A conversation gets a day to turn into an agreed next step before the lead counts as drifting.
NEXT_STEP_GRACE = dt.timedelta(days=1)
# Early give-ups older than this are history, not something a manager can still rescue.
GAVE_UP_LOOKBACK = dt.timedelta(days=90)
ATTEMPT_BUCKETS = 10  # "persistence pays" counts 1, 2, ... 9 and 10+
# Published comparison lines (field notes): share of eventually reached leads reached by attempt n.
STUDY_REACHED_BY = {1: 48, 6: 93}
STUDY_CONNECT_RATE = {"average rep": Decimal("5.4"), "top quartile": Decimal("13.3")}
STUDY_BEST_HOURS = (8, 16)  # 8-9 am and 4-5 pm
STUDY_BEST_DAYS = (3, 4)  # ISO weekdays: Wednesday and Thursday
HEATMAP_HOURS = tuple(range(7, 19))  # local 7 am to 7 pm; earlier and later calls are counted apart

ATTEMPT_CHANNELS = [Channel.CALL, Channel.VOICEMAIL, Channel.EMAIL, Channel.IN_PERSON]
REACHED_OUTCOMES = [Outcome.CONNECTED, Outcome.REPLIED, Outcome.MEETING_BOOKED]
CONNECT_OUTCOMES = [Outcome.CONNECTED, Outcome.MEETING_BOOKED]
OPEN = list(Enrollment.OPEN_STATUSES)
WORKING = [Enrollment.Status.ACTIVE, Enrollment.Status.ENGAGED]


@dataclass(frozen=True)
class Reason:
    key: str
    label: str


REASONS = (
    Reason("overdue", "Follow-up overdue"),
    Reason("no_touch", "No recent touch"),
    Reason("finished", "Cadence finished, awaiting give-up or reassign"),
    Reason("blocked", "Could not be reassigned"),
    Reason("no_next_step", "Connected, no next step"),
    Reason("next_step_passed", "Next step date passed"),
    Reason("snoozed", f"Snoozed {SNOOZED_TOO_OFTEN}+ times"),
    Reason("gave_up_early", "High-value, given up early"),
)
REASON_LABELS = {reason.key: reason.label for reason in REASONS}
SORTS = {
    "-value": ("-prospect__estimated_value", "stalled_since", "pk"),
    "value": ("prospect__estimated_value", "stalled_since", "pk"),
    "-age": ("stalled_since", "-prospect__estimated_value", "pk"),
    "age": ("-stalled_since", "-prospect__estimated_value", "pk"),
}


class LocalTime(Func):
    """`occurred_at AT TIME ZONE <zone>`: the wall-clock time where the call was answered (or not)."""

    template = "(%(expressions)s)"
    arg_joiner = " AT TIME ZONE "
    output_field = DateTimeField()


class DatePart(Func):
    template = "EXTRACT(%(part)s FROM %(expressions)s)::integer"
    output_field = IntegerField()


# ---------------------------------------------------------------------------------------------------------
# Scope
# ---------------------------------------------------------------------------------------------------------


def dashboard_teams(*, user: User, team_id: int | None = None) -> QuerySet[Team]:
    teams = team_list_managed(user=user)
    return teams.filter(pk=team_id) if team_id is not None else teams


def dashboard_prospects(*, user: User, team_id: int | None = None) -> QuerySet[Prospect]:
    """The prospects the dashboard reads: visible to the user and in a team they manage."""
    return prospect_list_visible(user=user).filter(team__in=dashboard_teams(user=user, team_id=team_id))


def dashboard_reps(*, user: User, team_id: int | None = None, now: dt.datetime | None = None) -> QuerySet[User]:
    """The reps of the managed teams, with their open leads (what "least-loaded" means when reassigning)."""
    working = Q(owned_prospects__status__in=[Prospect.Status.ACTIVE, Prospect.Status.ENGAGED])
    return (
        User.objects.filter(team__in=dashboard_teams(user=user, team_id=team_id), role=User.Role.REP, is_active=True)
        .select_related("team")
        .annotate(open_leads=Count("owned_prospects", filter=working))
        .order_by("team__name", "first_name", "username")
    )


# ---------------------------------------------------------------------------------------------------------
# Stalled leads
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StalledFilters:
    team_id: int | None = None
    rep_id: int | None = None
    min_value: Decimal | None = None
    reason: str = ""
    idle_days: int = DEFAULT_IDLE_DAYS
    sort: str = "-value"


# Each reason as a SQL condition on the `facts` of one enrollment (see `_STALLED_SQL`), with when it began: the
# age of a stalled lead counts from its oldest reason. Placeholders are filled in this order by `_reason_params`.
_OPEN = "status IN ('active', 'engaged', 'paused')"
_REASON_SQL = {
    "overdue": (f"{_OPEN} AND overdue_start IS NOT NULL", "overdue_start"),
    "no_touch": ("status IN ('active', 'engaged') AND idle_since < %s", "quiet_since"),
    "finished": (f"{_OPEN} AND last_action = 'wait' AND next_due_at <= %s", "next_due_at"),
    "blocked": (f"{_OPEN} AND last_action = 'reassign_blocked'", "planned_at"),
    "no_next_step": ("status = 'engaged' AND next_step_due_at IS NULL AND idle_since < %s", "quiet_since"),
    "next_step_passed": (f"{_OPEN} AND next_step_due_at < %s", "next_step_due_at"),
    "snoozed": (f"{_OPEN} AND snooze_count >= %s", "quiet_since"),
    "gave_up_early": ("status = 'gave_up' AND gave_up_early AND is_high_value", "ended_at"),
}
_ORDER_SQL = {
    "-value": "estimated_value DESC, stalled_since ASC, id",
    "value": "estimated_value ASC, stalled_since ASC, id",
    "-age": "stalled_since ASC, estimated_value DESC, id",
    "age": "stalled_since DESC, estimated_value DESC, id",
}
assert set(_ORDER_SQL) == set(SORTS)

_STALLED_SQL = """
WITH scope AS (
    SELECT e.id, e.prospect_id, e.status, e.started_at, e.last_action, e.next_due_at, e.planned_at,
           e.next_step_due_at, e.snooze_count, e.gave_up_early, e.ended_at, p.estimated_value,
           COALESCE(p.estimated_value > t.high_value_threshold, false) AS is_high_value
    FROM ({visible}) p
    JOIN crm_team t ON t.id = p.team_id
    JOIN cadence_enrollment e ON e.prospect_id = p.id
    WHERE (e.status IN ('active', 'engaged', 'paused')
           OR (e.status = 'gave_up' AND e.gave_up_early AND e.ended_at >= %s
               AND NOT EXISTS (SELECT 1 FROM cadence_enrollment later
                               WHERE later.prospect_id = e.prospect_id AND later.created_at > e.created_at)))
),
recent AS (
    -- The team's touches of the last idle_days, newest per lead: index-only ranges of touch_rep_stats_idx.
    SELECT t.prospect_id, max(t.occurred_at) AS last_at
    FROM ({users}) u JOIN touches_touch t ON t.rep_id = u.id
    WHERE t.deleted_at IS NULL AND t.occurred_at >= %s
    GROUP BY t.prospect_id
),
late AS (
    -- Overdue follow-ups of the team's reps: a range of follow_up_queue_idx per rep, not every planned row.
    SELECT f.enrollment_id, f.due_start, f.attempt, f.channel
    FROM ({users}) u JOIN cadence_followup f ON f.rep_id = u.id
    WHERE f.status = 'planned' AND f.due_start < %s AND (f.overdue_since IS NOT NULL OR f.due_end <= %s)
),
facts AS (
    SELECT s.*, GREATEST(recent.last_at, s.started_at) AS idle_since,
           late.due_start AS overdue_start, late.attempt AS overdue_attempt, late.channel AS overdue_channel
    FROM scope s
    LEFT JOIN recent ON recent.prospect_id = s.prospect_id
    LEFT JOIN late ON late.enrollment_id = s.id
),
flagged AS (
    SELECT facts.*, {flags} FROM facts
),
stalled AS (
    -- Only stalled leads get their true last touch (one index-only probe each), for their age.
    SELECT quiet.*, LEAST({since}) AS stalled_since FROM (
        SELECT flagged.*, last.occurred_at AS last_touch_at,
               GREATEST(last.occurred_at, flagged.started_at) AS quiet_since
        FROM flagged
        LEFT JOIN LATERAL (
            SELECT t.occurred_at FROM touches_touch t
            WHERE t.prospect_id = flagged.prospect_id AND t.deleted_at IS NULL
            ORDER BY t.occurred_at DESC LIMIT 1
        ) last ON true
        WHERE {any_reason}
    ) quiet
),
summary AS (
    SELECT count(*) AS total, {counts} FROM stalled
),
page AS (
    SELECT id, stalled_since, last_touch_at, overdue_start, overdue_attempt, overdue_channel, {flag_names},
           row_number() OVER (ORDER BY {order}) AS position
    FROM stalled WHERE {chosen}
    ORDER BY {order} LIMIT %s OFFSET %s
)
SELECT summary.*, page.* FROM summary LEFT JOIN page ON true ORDER BY page.position
"""


def _stalled_query(
    *, user: User, now: dt.datetime, filters: StalledFilters, limit: int | None, offset: int
) -> tuple[str, list[object]]:
    """The stalled leads as one statement: every open enrollment of the scope is read once, its last touch found
    with one index-only probe (LATERAL), its reasons flagged, and from that one pass come both the count per
    reason and the requested page (LEFT JOIN, so the counts arrive even when the page is empty)."""
    prospects = dashboard_prospects(user=user, team_id=filters.team_id).order_by()
    if filters.rep_id is not None:
        prospects = prospects.filter(owner_id=filters.rep_id)
    if filters.min_value is not None:
        prospects = prospects.filter(estimated_value__gte=filters.min_value)
    visible, visible_params = prospects.values("id", "team_id", "estimated_value").query.sql_with_params()
    team_users = User.objects.filter(team__in=dashboard_teams(user=user, team_id=filters.team_id)).order_by()
    users, users_params = team_users.values("id").query.sql_with_params()
    idle_cutoff = now - dt.timedelta(days=filters.idle_days)
    reason_params = {
        "no_touch": [idle_cutoff],
        "finished": [now],
        "no_next_step": [now - NEXT_STEP_GRACE],
        "next_step_passed": [now],
        "snoozed": [SNOOZED_TOO_OFTEN],
    }
    keys = [reason.key for reason in REASONS]
    sql = _STALLED_SQL.format(
        visible=visible,
        users=users,
        flags=", ".join(f"({_REASON_SQL[key][0]}) AS r_{key}" for key in keys),
        since=", ".join(f"CASE WHEN r_{key} THEN {_REASON_SQL[key][1]} END" for key in keys),
        any_reason=" OR ".join(f"r_{key}" for key in keys),
        counts=", ".join(f"count(*) FILTER (WHERE r_{key}) AS n_{key}" for key in keys),
        flag_names=", ".join(f"r_{key}" for key in keys),
        chosen=f"r_{filters.reason}" if filters.reason in _REASON_SQL else "true",
        order=_ORDER_SQL.get(filters.sort, _ORDER_SQL["-value"]),
    )
    recent_since = min(idle_cutoff, now - NEXT_STEP_GRACE)
    params: list[object] = [*visible_params, now - GAVE_UP_LOOKBACK, *users_params, recent_since]
    params += [*users_params, now, now]
    for key in keys:
        params += reason_params.get(key, [])
    return sql, [*params, limit, offset]


@dataclass(frozen=True)
class StalledPage:
    summary: dict[str, int]  # leads per reason, and "total", under every filter but the reason
    total: int  # leads under the reason filter too
    rows: list[StalledRow]


def stalled_page(
    *, user: User, now: dt.datetime, filters: StalledFilters, offset: int = 0, limit: int | None = 25
) -> StalledPage:
    """A page of stalled leads and the counts per reason: two queries however long the page."""
    sql, params = _stalled_query(user=user, now=now, filters=filters, limit=limit, offset=offset)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [col.name for col in cursor.description]
        found = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    first = found[0]
    summary = {"total": first["total"], **{key: first[f"n_{key}"] for key in _REASON_SQL}}
    total = summary[filters.reason] if filters.reason in _REASON_SQL else summary["total"]
    hits = [row for row in found if row["id"] is not None]
    enrollments = Enrollment.objects.select_related("prospect", "prospect__team", "owner").in_bulk(
        [row["id"] for row in hits]
    )
    for row in hits:
        enrollment = enrollments[row["id"]]
        for key in _REASON_SQL:
            setattr(enrollment, f"r_{key}", row[f"r_{key}"])
        enrollment.stalled_since, enrollment.last_touch = row["stalled_since"], row["last_touch_at"]
        enrollment.planned_attempt, enrollment.planned_channel = row["overdue_attempt"], row["overdue_channel"]
        enrollment.planned_due_start = row["overdue_start"]
    ordered = [enrollments[row["id"]] for row in hits]
    return StalledPage(summary, total, stalled_rows(ordered, now=now, idle_days=filters.idle_days))


@dataclass(frozen=True)
class StalledReason:
    key: str
    label: str
    detail: str


@dataclass(frozen=True)
class StalledRow:
    enrollment: Enrollment
    prospect: Prospect
    reasons: tuple[StalledReason, ...]
    stalled_since: dt.datetime | None
    age: str
    age_days: int


def _ago(moment: dt.datetime | None, now: dt.datetime) -> str:
    return timesince(moment, now, depth=1) if moment else "a while"


def _details(e: Enrollment, now: dt.datetime, idle_days: int) -> Iterator[StalledReason]:
    """One sentence per reason the lead is stalled, from the row's annotations (no query)."""
    text = {
        "overdue": lambda: (
            f"Attempt {e.planned_attempt} ({e.planned_channel}) overdue by {_ago(e.planned_due_start, now)}"
        ),
        "no_touch": lambda: f"No touch for {_ago(e.last_touch or e.started_at, now)} (limit {idle_days} days)",
        "finished": lambda: f"Breakup wait ended {_ago(e.next_due_at, now)} ago; give up or reassign",
        "blocked": lambda: "The rules could not hand it over: nobody on the team is available",
        "no_next_step": lambda: f"Last touch {_ago(e.last_touch, now)} ago, no next step agreed",
        "next_step_passed": lambda: f"“{e.next_step or 'Next step'}” was due {_ago(e.next_step_due_at, now)} ago",
        "snoozed": lambda: f"Snoozed {e.snooze_count} times",
        "gave_up_early": lambda: f"Given up {_ago(e.ended_at, now)} ago, before the minimum attempts",
    }
    for reason in REASONS:
        if getattr(e, f"r_{reason.key}", False):
            yield StalledReason(reason.key, reason.label, text[reason.key]())


def stalled_rows(
    enrollments: Sequence[Enrollment], *, now: dt.datetime, idle_days: int = DEFAULT_IDLE_DAYS
) -> list[StalledRow]:
    """Lay out a page of `stalled_list` for display and export."""
    return [
        StalledRow(
            enrollment=e,
            prospect=e.prospect,
            reasons=tuple(_details(e, now, idle_days)),
            stalled_since=e.stalled_since,
            age=_ago(e.stalled_since, now),
            age_days=0 if e.stalled_since is None else max(0, (now - e.stalled_since).days),
        )
        for e in enrollments
    ]


# ---------------------------------------------------------------------------------------------------------
# Rep persistence and results
# ---------------------------------------------------------------------------------------------------------


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


def _touches(*, user: User, period: Period, team_id: int | None) -> QuerySet[Touch]:
    """The period's touches made by the reps of the managed teams: the team's own work.

    One index-only range scan of `touch_rep_stats_idx` (touches migration 0002) per rep: the heap is never read,
    so aggregates over a 90-day period of a busy team stay cheap. Count occurred_at, not the id: the id is not in
    the index.
    """
    return (
        Touch.objects.alive()
        .filter(
            rep__in=User.objects.filter(team__in=dashboard_teams(user=user, team_id=team_id)).values("pk"),
            occurred_at__gte=period.start,
            occurred_at__lt=period.end,
        )
        .order_by()
    )


def first_reaches(*, user: User, period: Period, team_id: int | None = None) -> QuerySet[Touch]:
    """The touches that reached a prospect for the first time ever, made in the period, each with `attempt`:
    how many attempts the prospect had had by then, that one included (Velocify's "reached on attempt n")."""
    # Both read `touch_history_idx` (prospect, occurred_at) INCLUDE (channel, outcome): index-only.
    earlier_reach = Touch.objects.alive().filter(
        prospect=OuterRef("prospect_id"), outcome__in=REACHED_OUTCOMES, occurred_at__lt=OuterRef("occurred_at")
    )
    attempts_so_far = (
        Touch.objects.alive()
        .filter(
            prospect=OuterRef("prospect_id"), channel__in=ATTEMPT_CHANNELS, occurred_at__lte=OuterRef("occurred_at")
        )
        .order_by()
        .annotate(n=Func(template="COUNT(*)", output_field=IntegerField()))
        .values("n")
    )
    return (
        _touches(user=user, period=period, team_id=team_id)
        .filter(outcome__in=REACHED_OUTCOMES)
        .exclude(Exists(earlier_reach))
        .annotate(attempt=Greatest(Subquery(attempts_so_far, output_field=IntegerField()), Value(1)))
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
    """One query: the first reaches, grouped at once by rep, by team and by attempt (GROUPING SETS)."""
    sql, params = (
        first_reaches(user=user, period=period, team_id=team_id)
        .order_by()
        .values("prospect_id", "rep_id", "rep__team_id", "attempt")
        .query.sql_with_params()
    )
    # Two reaching touches logged at the same instant are one first reach: DISTINCT ON keeps one per lead.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH firsts (prospect_id, rep_id, team_id, attempt) AS ({sql}),
            one AS (SELECT DISTINCT ON (prospect_id) * FROM firsts ORDER BY prospect_id, attempt)
            SELECT GROUPING(rep_id, team_id, bucket), rep_id, team_id, bucket, count(*),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY attempt)
            FROM (SELECT rep_id, team_id, attempt, LEAST(attempt, %s) AS bucket FROM one) AS f
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


def activity(*, user: User, period: Period, tz: ZoneInfo, team_id: int | None = None) -> Activity:
    """Attempts, dials, connects and seconds per rep and day (in the manager's calendar), grouped in SQL."""
    dial = Q(channel=Channel.CALL)
    rows = (
        _touches(user=user, period=period, team_id=team_id)
        .values("rep_id", day=TruncDate("occurred_at", tzinfo=tz))
        .annotate(
            attempts=Count("occurred_at", filter=Q(channel__in=ATTEMPT_CHANNELS)),
            dials=Count("occurred_at", filter=dial),
            connects=Count("occurred_at", filter=dial & Q(outcome__in=CONNECT_OUTCOMES)),
            seconds=Coalesce(Sum("duration_seconds"), 0),
        )
    )
    first = period.start.astimezone(tz).date()
    days = [first + dt.timedelta(days=n) for n in range((period.end.astimezone(tz).date() - first).days + 1)]
    per_day = {(row.pop("rep_id"), row.pop("day")): row for row in rows}
    return Activity(days=days, per_day=per_day)


def rep_stats(
    *,
    user: User,
    now: dt.datetime,
    period: Period,
    team_id: int | None = None,
    found: Persistence | None = None,
    done: Activity | None = None,
) -> list[RepStats]:
    """Per rep, then per team: attempts, dials and connects, time spent, give-ups (early ones apart), overdue
    follow-ups and attempts to first connect. Three grouped queries, plus activity and persistence unless given."""
    reps = list(dashboard_reps(user=user, team_id=team_id))
    rep_ids = [rep.pk for rep in reps]
    done = done or activity(user=user, period=period, tz=dt.UTC, team_id=team_id)
    # Scoped by the team's reps, like the touches: their own give-ups and their own overdue follow-ups.
    give_ups = (
        Enrollment.objects.filter(
            owner_id__in=rep_ids,
            status=Enrollment.Status.GAVE_UP,
            ended_at__gte=period.start,
            ended_at__lt=period.end,
        )
        .values("owner_id")
        .annotate(gave_up=Count("pk"), gave_up_early=Count("pk", filter=Q(gave_up_early=True)))
    )
    overdue = (
        FollowUp.objects.filter(rep_id__in=rep_ids, status=FollowUp.Status.PLANNED, due_start__lt=now)
        .filter(Q(overdue_since__isnull=False) | Q(due_end__lte=now))
        .values("rep_id")
        .annotate(overdue=Count("pk"))
    )
    found = found or persistence(user=user, period=period, team_id=team_id)
    stats = {
        rep.pk: RepStats(label=str(rep), team_name=rep.team.name if rep.team else "", days=period.days, rep=rep)
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
    for row in overdue:
        stats[row["rep_id"]].overdue = row["overdue"]
    for rep_id, line in stats.items():
        line.median_to_connect = found.median_by_rep.get(rep_id)
        line.reached = found.reached_by_rep.get(rep_id, 0)
    return [*stats.values(), *_team_lines(reps, stats, found, period)]


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


@dataclass(frozen=True)
class HeatCell:
    dials: int
    connects: int
    rate: float | None
    intensity: int  # 0-100, for the cell's background
    is_study_best: bool


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


def when_to_call(*, user: User, period: Period, team_id: int | None = None) -> Heatmap:
    """Connect rate of the period's dials by weekday and hour, both in the callee's local time (the contact's
    zone, else the prospect's), bucketed in SQL with AT TIME ZONE.

    Only contacts with a zone of their own are joined, and only the managed teams' prospects: the hash tables
    stay small at 150k contacts and 100k prospects."""
    local = LocalTime("occurred_at", Coalesce("own_zone__timezone", "prospect__timezone"))
    rows = (
        _touches(user=user, period=period, team_id=team_id)
        .filter(channel=Channel.CALL, prospect__team__in=dashboard_teams(user=user, team_id=team_id))
        .alias(
            own_zone=FilteredRelation("contact", condition=~Q(contact__timezone="")),
            hour=DatePart(local, part="HOUR"),
        )
        .annotate(
            weekday=DatePart(local, part="ISODOW"),
            window=Case(
                When(hour__lt=HEATMAP_HOURS[0], then=Value(-1)),
                When(hour__gt=HEATMAP_HOURS[-1], then=Value(24)),
                default=F("hour"),
                output_field=IntegerField(),
            ),
        )
        .values("weekday", "window")
        .annotate(dials=Count("occurred_at"), connects=Count("occurred_at", filter=Q(outcome__in=CONNECT_OUTCOMES)))
    )
    cells = {(row["weekday"], row["window"]): (row["dials"], row["connects"]) for row in rows}
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
