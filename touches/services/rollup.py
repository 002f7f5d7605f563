"""Folding the dashboard's rollup: the deltas the touch triggers appended, moved into the hourly and daily totals."""

from __future__ import annotations

from django.db import connection, transaction

from touches.models import CONVERSATIONS
from touches.selectors import rollup_kinds


def touch_hours_fold() -> int:
    """Fold the deltas appended since the last fold (touches migration 0007); how many delta rows were folded.
    One fold at a time: a second one started meanwhile returns 0 at once."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT touches_hours_fold()")
        return int(cursor.fetchone()[0])


def touch_hours_rebuild() -> None:
    """The rollups computed afresh from the touches: for a load that ran with triggers off (the bench's COPY), or
    to check the triggers (tests compare the two)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE touches_touchhour, touches_touchcalleeday, touches_touchhourdelta")
        cursor.execute(
            """
            INSERT INTO touches_touchhour (rep_id, hour, attempts, dials, connects, seconds)
            SELECT rep_id, date_trunc('hour', occurred_at),
                   count(*) FILTER (WHERE channel = ANY(%(attempt)s)), count(*) FILTER (WHERE channel = 'call'),
                   count(*) FILTER (WHERE channel = 'call' AND outcome = ANY(%(connect)s)),
                   coalesce(sum(duration_seconds), 0)
            FROM touches_touch WHERE deleted_at IS NULL GROUP BY 1, 2
            """,
            rollup_kinds(),
        )
        cursor.execute(
            """
            INSERT INTO touches_touchcalleeday (rep_id, day, callee_weekday, callee_hour, dials, connects)
            SELECT rep_id, (occurred_at AT TIME ZONE 'UTC')::date, callee_weekday, callee_hour,
                   count(*), count(*) FILTER (WHERE outcome = ANY(%(connect)s))
            FROM touches_touch WHERE deleted_at IS NULL AND channel = 'call' AND callee_weekday IS NOT NULL
            GROUP BY 1, 2, 3, 4
            """,
            rollup_kinds(),
        )


def touch_first_reaches_rebuild() -> None:
    """Each prospect's first reach computed afresh from the touches (touches migration 0010's triggers keep it):
    for a load that ran with triggers off (the bench's COPY), or to check the triggers (tests compare the two).
    One pass over the live touches in prospect and time order, the attempts so far a running count (touches at
    the same instant counted together, as the triggers count `occurred_at <=`): no index is needed, so it runs
    while a load has them dropped."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE touches_touchfirstreach")
        cursor.execute(
            """
            INSERT INTO touches_touchfirstreach (prospect_id, rep_id, occurred_at, attempt)
            SELECT DISTINCT ON (prospect_id) prospect_id, rep_id, occurred_at, GREATEST(attempts, 1)
            FROM (
                SELECT prospect_id, rep_id, occurred_at, id, outcome,
                       count(*) FILTER (WHERE channel = ANY(%(attempt)s)) OVER (
                           PARTITION BY prospect_id ORDER BY occurred_at RANGE UNBOUNDED PRECEDING
                       ) AS attempts
                FROM touches_touch WHERE deleted_at IS NULL
            ) running
            WHERE outcome = ANY(%(reach)s)
            ORDER BY prospect_id, occurred_at, id
            """,
            {**rollup_kinds(), "reach": sorted(str(outcome) for outcome in CONVERSATIONS)},
        )
