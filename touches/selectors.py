"""Reads of the touches app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection

from touches.message_library import GENERIC_LIBRARY, MessageDraft
from touches.models import ATTEMPT_CHANNELS, CONNECT_OUTCOMES, Kind, MessageTemplate, Theme

THEME_ORDER = (Theme.INFORMATION, Theme.INVITATION, Theme.INTRODUCTION)


def message_templates_for_teams(*, team_ids: Iterable[int]) -> Mapping[int, Sequence[MessageTemplate | MessageDraft]]:
    """Each team's active ready messages, in one query. A team that never had a library gets the generic one it
    will start from (seeded when a manager first opens it)."""
    team_ids = set(team_ids)
    found: dict[int, list[MessageTemplate | MessageDraft]] = {team_id: [] for team_id in team_ids}
    seen: set[int] = set()
    for template in MessageTemplate.objects.filter(team_id__in=team_ids).order_by("pk"):
        seen.add(template.team_id)
        if template.is_active:
            found[template.team_id].append(template)
    for team_id in team_ids - seen:
        found[team_id] = list(GENERIC_LIBRARY)
    return found


def themes_offered(templates: Sequence[MessageTemplate | MessageDraft]) -> tuple[Theme, ...]:
    """The three I's a team has regular messages for, in their rotation order (all three if it has none)."""
    return _themes_in_order({t.theme for t in templates if t.kind == Kind.REGULAR})


def _themes_in_order(have: set[str]) -> tuple[Theme, ...]:
    return tuple(theme for theme in THEME_ORDER if theme in have) or THEME_ORDER


def themes_offered_for_teams(*, team_ids: Iterable[int]) -> dict[int, tuple[Theme, ...]]:
    """`themes_offered` for each team's library (`message_templates_for_teams`), reading only the themes: the
    planner runs on every log and every sweep, and it had read and built every template, texts and all."""
    team_ids = set(team_ids)
    seen: set[int] = set()
    have: dict[int, set[str]] = {team_id: set() for team_id in team_ids}
    rows = MessageTemplate.objects.filter(team_id__in=team_ids).values_list("team_id", "kind", "theme", "is_active")
    for team_id, kind, theme, is_active in rows.distinct():
        seen.add(team_id)
        if is_active and kind == Kind.REGULAR:
            have[team_id].add(theme)
    generic = themes_offered(GENERIC_LIBRARY)
    return {team_id: _themes_in_order(have[team_id]) if team_id in seen else generic for team_id in team_ids}


def _rollup_edges(
    start: dt.datetime, end: dt.datetime, floor: Callable[[dt.datetime], dt.datetime], step: dt.timedelta
) -> tuple[dt.datetime, dt.datetime]:
    """The whole steps (hours, days: `floor` rounds down to one) inside [start, end), read from a rollup; the rest
    is read from the touches."""
    inner_start = floor(start) if floor(start) == start else floor(start) + step
    inner_end = floor(end)
    return (inner_start, inner_end) if inner_start < inner_end else (start, start)


def _hour_floor(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _utc_day_floor(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def rollup_kinds() -> dict[str, list[str]]:
    """The channels that count as attempts and the outcomes that count as connects, as the rollup SQL takes them."""
    return {
        "attempt": [str(channel) for channel in ATTEMPT_CHANNELS],
        "connect": [str(outcome) for outcome in CONNECT_OUTCOMES],
    }


def touch_activity_by_day(
    *, rep_ids: Sequence[int], start: dt.datetime, end: dt.datetime, tz: ZoneInfo
) -> list[tuple[int, dt.date, int, int, int, int]]:
    """(rep, day on `tz`'s calendar, attempts, calls, calls that connected, seconds) of the live touches made in
    [start, end): whole hours from the rollup (TouchHour and the deltas not folded yet), the partial hours at both
    ends from the touches themselves. An hour is counted on the day it starts on; in a zone whose offset is not a
    whole hour (India, +05:30) the half hour around midnight lands on the day before."""
    inner_start, inner_end = _rollup_edges(start, end, _hour_floor, dt.timedelta(hours=1))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT rep_id, (at AT TIME ZONE %(tz)s)::date, sum(attempts)::int, sum(dials)::int, sum(connects)::int,
                   sum(seconds)::bigint
            FROM (
                SELECT rep_id, hour AS at, attempts, dials, connects, seconds FROM touches_touchhour
                WHERE rep_id = ANY(%(reps)s) AND hour >= %(inner_start)s AND hour < %(inner_end)s
                UNION ALL
                SELECT rep_id, hour, attempts, dials, connects, seconds FROM touches_touchhourdelta
                WHERE rep_id = ANY(%(reps)s) AND hour >= %(inner_start)s AND hour < %(inner_end)s
                UNION ALL
                SELECT rep_id, occurred_at, (channel = ANY(%(attempt)s))::int, (channel = 'call')::int,
                       (channel = 'call' AND outcome = ANY(%(connect)s))::int, coalesce(duration_seconds, 0)
                FROM touches_touch
                WHERE deleted_at IS NULL AND rep_id = ANY(%(reps)s)
                  AND (occurred_at >= %(start)s AND occurred_at < %(inner_start)s
                       OR occurred_at >= %(inner_end)s AND occurred_at < %(end)s)
            ) parts
            GROUP BY 1, 2
            """,
            _rollup_params(rep_ids, start, end, inner_start, inner_end) | {"tz": str(tz)},
        )
        return [tuple(row) for row in cursor.fetchall()]


def touch_calls_by_callee_time(
    *, rep_ids: Sequence[int], start: dt.datetime, end: dt.datetime
) -> list[tuple[int, int, int, int]]:
    """(callee's ISO weekday, callee's hour, calls, calls that connected) of the live calls made in [start, end):
    whole UTC days from TouchCalleeDay and the deltas, the partial days at both ends from the touches."""
    inner_start, inner_end = _rollup_edges(start, end, _utc_day_floor, dt.timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT wd, hr, sum(dials)::int, sum(connects)::int FROM (
                SELECT callee_weekday AS wd, callee_hour AS hr, dials, connects FROM touches_touchcalleeday
                WHERE rep_id = ANY(%(reps)s) AND day >= %(inner_start)s::date AND day < %(inner_end)s::date
                UNION ALL
                SELECT callee_weekday, callee_hour, dials, connects FROM touches_touchhourdelta
                WHERE rep_id = ANY(%(reps)s) AND hour >= %(inner_start)s AND hour < %(inner_end)s
                  AND callee_weekday > 0
                UNION ALL
                SELECT callee_weekday, callee_hour, 1, (outcome = ANY(%(connect)s))::int FROM touches_touch
                WHERE deleted_at IS NULL AND channel = 'call' AND callee_weekday IS NOT NULL
                  AND rep_id = ANY(%(reps)s)
                  AND (occurred_at >= %(start)s AND occurred_at < %(inner_start)s
                       OR occurred_at >= %(inner_end)s AND occurred_at < %(end)s)
            ) parts
            GROUP BY 1, 2
            HAVING sum(dials) <> 0
            """,
            _rollup_params(rep_ids, start, end, inner_start, inner_end),
        )
        return [tuple(row) for row in cursor.fetchall()]


def _rollup_params(
    rep_ids: Sequence[int], start: dt.datetime, end: dt.datetime, inner_start: dt.datetime, inner_end: dt.datetime
) -> dict[str, Any]:
    return {
        "reps": list(rep_ids),
        "start": start,
        "end": end,
        "inner_start": inner_start,
        "inner_end": inner_end,
        **rollup_kinds(),
    }
