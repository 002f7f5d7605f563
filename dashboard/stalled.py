"""Stalled leads: every open lead that needs a manager, with all its reasons, in one SQL statement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.utils.timesince import timesince
from psycopg2 import sql

from cadence.models import Enrollment
from cadence.planner.reasons import plural
from crm.models import Prospect, User
from dashboard.scope import (
    DEFAULT_IDLE_DAYS,
    GAVE_UP_LOOKBACK,
    LATE_FOLLOW_UPS_SQL,
    NEXT_STEP_GRACE,
    REASONS,
    SNOOZED_TOO_OFTEN,
    SORTS,
    dashboard_teams,
)


@dataclass(frozen=True)
class StalledFilters:
    team_id: int | None = None
    rep_id: int | None = None
    min_value: Decimal | None = None
    reason: str = ""
    idle_days: int = DEFAULT_IDLE_DAYS
    sort: str = "-value"


# Each reason as a SQL condition on the `facts` of one enrollment (see `_STALLED_SQL`), with when it began: the
# age of a stalled lead counts from its oldest reason. `{name}` is a value `_stalled_query` composes in by name.
_OPEN = "status IN ('active', 'engaged', 'paused')"
_REASON_SQL = {
    "overdue": (f"{_OPEN} AND overdue_start IS NOT NULL", "overdue_start"),
    "no_touch": ("status IN ('active', 'engaged') AND idle_since < {idle_cutoff}", "idle_since"),
    "finished": (f"{_OPEN} AND last_action = 'wait' AND next_due_at <= {{now}}", "next_due_at"),
    "blocked": (f"{_OPEN} AND last_action = 'reassign_blocked'", "planned_at"),
    "no_next_step": (
        "status = 'engaged' AND next_step_due_at IS NULL AND idle_since < {next_step_cutoff}",
        "idle_since",
    ),
    "next_step_passed": (f"{_OPEN} AND next_step_due_at < {{now}}", "next_step_due_at"),
    "snoozed": (f"{_OPEN} AND snooze_count >= {{snoozed_too_often}}", "idle_since"),
    "gave_up_early": ("status = 'gave_up' AND gave_up_early AND is_high_value", "ended_at"),
}
_ORDER_SQL = {
    "-value": "estimated_value DESC, stalled_since ASC, id",
    "value": "estimated_value ASC, stalled_since ASC, id",
    "-age": "stalled_since ASC, estimated_value DESC, id",
    "age": "stalled_since DESC, estimated_value DESC, id",
}
assert set(_ORDER_SQL) == set(SORTS)
# The candidates SQL and enrollment_stuck_idx (cadence/models.py) spell the threshold out, so that
# PostgreSQL can prove the index covers the query.
assert SNOOZED_TOO_OFTEN == 3

# The candidate ranges after the overdue ones, one per rep each. Each names the index it is a range of
# (cadence/models.py).
_CANDIDATE_RANGES = (
    # enrollment_idle_since_idx: no recent touch
    "e.status IN ('active', 'engaged') AND GREATEST(e.last_touch_at, e.started_at) < {idle_cutoff}",
    # enrollment_stuck_idx: blocked, snoozed too often, connected with no next step
    "e.status IN ('active', 'engaged', 'paused')"
    " AND (e.last_action = 'reassign_blocked' OR e.snooze_count >= 3"
    " OR (e.next_step_due_at IS NULL AND e.status = 'engaged'))",
    # enrollment_next_step_idx: the next step's date passed
    "e.status IN ('active', 'engaged', 'paused') AND e.next_step_due_at IS NOT NULL AND e.next_step_due_at < {now}",
    # enrollment_wait_idx: the breakup wait is over
    "e.status IN ('active', 'engaged', 'paused') AND e.last_action = 'wait' AND e.next_due_at <= {now}",
    # enrollment_gave_up_early_idx: given up early, recently
    "e.status = 'gave_up' AND e.gave_up_early AND e.ended_at >= {gave_up_since}",
)
# What each candidate carries: the facts its reasons are judged by, and the prospect's team and value, which the
# enrollment keeps a copy of (cadence migration 0013). Nothing wider: the candidates are deduplicated by sorting.
_FACTS = (
    "id, prospect_id, status, started_at, created_at, last_action, next_due_at, planned_at, next_step_due_at,"
    " snooze_count, gave_up_early, ended_at, last_touch_at, prospect_team_id, prospect_value"
)
_RANGE_SQL = """SELECT e.* FROM owners u CROSS JOIN LATERAL (
        SELECT {facts} FROM cadence_enrollment e WHERE e.owner_id = u.id AND {condition} OFFSET 0
    ) e"""

_STALLED_SQL = """
WITH owners AS ({users}),
teams AS ({teams}),
late AS (
    -- Overdue follow-ups of the team's reps: a range of follow_up_queue_idx per rep (`LATE_FOLLOW_UPS_SQL`). Left
    -- to itself the planner filters every planned row of every team instead; OFFSET 0 keeps each LATERAL from
    -- being flattened.
    SELECT f.enrollment_id, f.due_start, f.attempt, f.channel
    FROM owners u CROSS JOIN LATERAL (
        SELECT f.enrollment_id, f.due_start, f.attempt, f.channel FROM cadence_followup f
        WHERE f.rep_id = u.id AND {late} OFFSET 0
    ) f
),
candidates AS (
    -- Every enrollment that may have a reason, each reason read from its own index range per rep (cadence
    -- models: enrollment_idle_since_idx, _stuck_idx, _next_step_idx, _wait_idx, _gave_up_early_idx): the list costs
    -- what is stalled, not the size of the team, and no range holds a lead that is not (an engaged lead with
    -- its next step ahead once made a third of the reads). OFFSET 0 keeps each range a range (the planner,
    -- misjudging how many rows come back, would otherwise scan the table).
    SELECT e.* FROM late l CROSS JOIN LATERAL (
        SELECT {facts} FROM cadence_enrollment e WHERE e.id = l.enrollment_id OFFSET 0
    ) e
    UNION
    {ranges}
),
facts AS (
    SELECT e.id, e.prospect_id, e.status, e.started_at, e.last_action, e.next_due_at, e.planned_at,
           e.next_step_due_at, e.snooze_count, e.gave_up_early, e.ended_at, e.last_touch_at,
           e.prospect_value AS estimated_value,
           COALESCE(e.prospect_value > teams.high_value_threshold, false) AS is_high_value,
           GREATEST(e.last_touch_at, e.started_at) AS idle_since,
           late.due_start AS overdue_start, late.attempt AS overdue_attempt, late.channel AS overdue_channel
    FROM candidates e
    -- In the dashboard's scope: a lead of a team the user manages (the enrollment's copy of its prospect's team;
    -- a rep's lead kept in another team is not this team's to manage), of the chosen rep and value.
    JOIN teams ON teams.id = e.prospect_team_id
    LEFT JOIN late ON late.enrollment_id = e.id
    WHERE ({chosen_leads})
      AND (e.status IN ('active', 'engaged', 'paused')
           OR NOT EXISTS (SELECT 1 FROM cadence_enrollment later
                          WHERE later.prospect_id = e.prospect_id AND later.created_at > e.created_at))
),
flagged AS (
    SELECT facts.*, {flags} FROM facts
),
stalled AS (
    SELECT flagged.*, LEAST({since}) AS stalled_since
    FROM flagged WHERE {any_reason}
),
summary AS (
    SELECT count(*) AS total, {counts} FROM stalled
),
page AS (
    SELECT id, stalled_since, last_touch_at, overdue_start, overdue_attempt, overdue_channel, {flag_names},
           row_number() OVER (ORDER BY {order}) AS position
    FROM stalled WHERE {chosen}
    ORDER BY {order} LIMIT {limit} OFFSET {offset}
)
SELECT summary.*, page.* FROM summary LEFT JOIN page ON true ORDER BY page.position
"""


def _stalled_query(
    *, user: User, now: dt.datetime, filters: StalledFilters, limit: int | None, offset: int
) -> sql.Composed:
    """The stalled leads as one statement: the candidates of each reason from their indexes, their facts read
    once, their reasons flagged, and from that one pass both the count per reason and the requested page
    (LEFT JOIN, so the counts arrive even when the page is empty).

    Candidates are found per rep of the managed teams (an enrollment's owner is its prospect's owner, kept so by
    cadence migration 0004), then kept only if their prospect is in a managed team: what `dashboard_prospects` is
    for the managers and superusers who see the dashboard, judged on the enrollment's copy of it.

    Composed with psycopg2.sql: every value goes in by name as a literal, the ORM's two subqueries bound with
    their own parameters, so nothing depends on the order of a parameter list."""
    teams = dashboard_teams(user=user, team_id=filters.team_id).order_by()
    team_users = User.objects.filter(team__in=teams).order_by()
    if filters.rep_id is not None:
        team_users = team_users.filter(pk=filters.rep_id)
    values = {
        "now": now,
        "idle_cutoff": now - dt.timedelta(days=filters.idle_days),
        "next_step_cutoff": now - NEXT_STEP_GRACE,
        "snoozed_too_often": SNOOZED_TOO_OFTEN,
        "gave_up_since": now - GAVE_UP_LOOKBACK,
        "min_value": filters.min_value,
        "limit": limit,
        "offset": offset,
    }
    literals = {name: sql.Literal(value) for name, value in values.items()}

    def part(text: str) -> sql.Composed:
        return sql.SQL(text).format(**literals)

    with connection.cursor() as cursor:
        teams_query = teams.values("id", "high_value_threshold").query.sql_with_params()
        teams_sql = sql.SQL(cursor.mogrify(*teams_query).decode())
        users_sql = sql.SQL(cursor.mogrify(*team_users.values("id").query.sql_with_params()).decode())
    keys = [reason.key for reason in REASONS]
    facts = sql.SQL(_FACTS)
    return sql.SQL(_STALLED_SQL).format(
        late=part(LATE_FOLLOW_UPS_SQL),
        facts=facts,
        ranges=sql.SQL("\n    UNION\n    ").join(
            sql.SQL(_RANGE_SQL).format(facts=facts, condition=part(condition)) for condition in _CANDIDATE_RANGES
        ),
        teams=teams_sql,
        users=users_sql,
        chosen_leads=part("e.prospect_value >= {min_value}") if filters.min_value is not None else sql.SQL("true"),
        flags=sql.SQL(", ").join(
            sql.SQL("({}) AS {}").format(part(_REASON_SQL[key][0]), sql.Identifier(f"r_{key}")) for key in keys
        ),
        since=sql.SQL(", ".join(f"CASE WHEN r_{key} THEN {_REASON_SQL[key][1]} END" for key in keys)),
        any_reason=sql.SQL(" OR ".join(f"r_{key}" for key in keys)),
        counts=sql.SQL(", ".join(f"count(*) FILTER (WHERE r_{key}) AS n_{key}" for key in keys)),
        flag_names=sql.SQL(", ".join(f"r_{key}" for key in keys)),
        chosen=sql.SQL(f"r_{filters.reason}" if filters.reason in _REASON_SQL else "true"),
        order=sql.SQL(_ORDER_SQL.get(filters.sort, _ORDER_SQL["-value"])),
        limit=literals["limit"],
        offset=literals["offset"],
    )


@dataclass(frozen=True)
class StalledPage:
    summary: dict[str, int]  # leads per reason, and "total", under every filter but the reason
    total: int  # leads under the reason filter too
    rows: list[StalledRow]


def stalled_page(
    *, user: User, now: dt.datetime, filters: StalledFilters, offset: int = 0, limit: int | None = 25
) -> StalledPage:
    """A page of stalled leads and the counts per reason: two queries however long the page."""
    query = _stalled_query(user=user, now=now, filters=filters, limit=limit, offset=offset)
    with connection.cursor() as cursor:
        cursor.execute(query)
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
        "no_touch": lambda: (
            f"No touch for {_ago(e.last_touch or e.started_at, now)} (limit {plural(idle_days, 'day')})"
        ),
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
