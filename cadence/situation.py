"""Translate rows into the planner's inputs, for one enrollment or a whole batch at a constant number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache

from django.db import connection

from cadence.models import Cadence, Enrollment
from cadence.planner import (
    CallWindow,
    Channel,
    ContactInfo,
    ContactRole,
    DaysOff,
    Kind,
    NextStep,
    OnFinish,
    Outcome,
    PastTouch,
    Rules,
    Situation,
    Theme,
    count_attempts,
    holiday_calendar,
)
from crm.models import Contact, Prospect
from touches.models import Touch
from touches.selectors import themes_offered_for_teams

# US telephone solicitation hours at the called party's location (47 CFR 64.1200(c)(1); docs/field-reports.md): cadences
# are refused windows outside them, and a window saved before that rule is clipped to them here.
CALLING_HOURS = (dt.time(8), dt.time(21))


def _legal(windows: list[CallWindow]) -> list[CallWindow]:
    start, end = CALLING_HOURS
    clipped = [(max(w.start, start), min(w.end, end)) for w in windows]
    return [CallWindow(start=a, end=b) for a, b in clipped if a < b] or [CallWindow(start=start, end=dt.time(9))]


def rules_from_cadence(cadence: Cadence, *, extra_touches: int = 0, themes: tuple[Theme, ...] | None = None) -> Rules:
    windows = _legal(
        [
            CallWindow(start=dt.time.fromisoformat(start), end=dt.time.fromisoformat(end))
            for start, end in cadence.windows
        ]
    )
    return Rules(
        gaps_days=tuple(cadence.gaps_days) or (2,),
        # The planner wants windows in order of the day; managers may type them in any order.
        windows=tuple(sorted(windows, key=lambda window: window.start)),
        working_weekdays=frozenset(cadence.working_weekdays),
        voicemail_after_no_answer=cadence.voicemail_after_no_answer,
        email_after_voicemail=cadence.email_after_voicemail,
        min_touches=cadence.min_touches,
        max_touches=cadence.max_touches + extra_touches,
        pleasantly_persistent=cadence.pleasantly_persistent,
        pleasantly_persistent_action=cadence.pleasantly_persistent_action or "stop by",
        breakup_wait_days=cadence.breakup_wait_days,
        on_finish=OnFinish(cadence.on_finish),
        recycle_after_days=cadence.recycle_after_days,
        pleasantly_persistent_channel=Channel(cadence.pleasantly_persistent_channel),
        calling_hours=CALLING_HOURS,
        themes=themes or Rules.themes,
    )


@lru_cache(maxsize=512)
def days_off_for(country: str) -> DaysOff:
    # Building a country's holiday table is the slow part of planning; holidays expands years lazily.
    return holiday_calendar(country=country)


@lru_cache(maxsize=1024)
def _touch_vocabulary(channel: str, kind: str, outcome: str, theme: str) -> tuple[Channel, Kind, Outcome, Theme]:
    # A batch reads tens of thousands of touches but only a few dozen combinations of these four strings, and
    # converting each string to its enum was about a tenth of building the situations.
    return Channel(channel), Kind(kind), Outcome(outcome), Theme(theme)


def _touches_of_rounds(enrollments: Sequence[Enrollment]) -> list[tuple]:
    """Each prospect's touches of its current round (from the enrollment's `counts_from`, or all of them in a first
    round), newest first.

    The rounds go in as two arrays and the touches are read through `touch_history_idx`, a range per prospect. A
    join through the prospect and enrollment tables left the plan to the tables' statistics: on a fresh database
    (a first `make run`, a test) PostgreSQL took them for one row each and nested loops over every touch, 60-150 ms
    a batch; this shape has one sensible plan whatever the statistics say.
    """
    since: dict[int, dt.datetime | None] = {}
    for enrollment in enrollments:
        start = enrollment.counts_from
        earlier = since.get(enrollment.prospect_id, start)
        since[enrollment.prospect_id] = None if start is None or earlier is None else min(start, earlier)
    if not since:
        return []
    table = Touch._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT t.prospect_id, t.occurred_at, t.channel, t.kind, t.outcome, t.theme, t.contact_id
            FROM unnest(%s::bigint[], %s::timestamptz[]) AS r(prospect_id, since)
            JOIN {table} t ON t.prospect_id = r.prospect_id AND t.occurred_at >= coalesce(r.since, '-infinity')
            WHERE t.deleted_at IS NULL
            ORDER BY t.occurred_at DESC
            """,
            [list(since), list(since.values())],
        )
        return cursor.fetchall()


def _past_touch(
    occurred_at: dt.datetime, channel: str, kind: str, outcome: str, theme: str, contact_id: int | None
) -> PastTouch:
    channel_, kind_, outcome_, theme_ = _touch_vocabulary(channel, kind, outcome, theme)
    return PastTouch(
        occurred_at=occurred_at, channel=channel_, kind=kind_, outcome=outcome_, theme=theme_, contact_id=contact_id
    )


_CONTACT_COLUMNS = (
    "id",
    "role",
    "timezone",
    "phone",
    "email",
    "do_not_contact",
    "left_company",
    "wrong_person",
    "email_bounced",
    "name",
)


def _contact_info(row: Sequence, prospect_timezone: str) -> ContactInfo:
    pk, role, timezone, phone, email, do_not_contact, left_company, wrong_person, email_bounced, name = row
    return ContactInfo(
        id=pk,
        role=ContactRole(role),
        timezone=timezone or prospect_timezone,
        has_phone=bool(phone),
        has_email=bool(email),
        do_not_contact=do_not_contact,
        left_company=left_company or wrong_person,
        email_bounced=email_bounced,
        name=name,
    )


def contact_infos_for(*, prospect: Prospect) -> list[ContactInfo]:
    """The planner's view of a prospect's contacts, as `situations_build` gives them."""
    rows = Contact.objects.filter(prospect=prospect).order_by("pk").values_list(*_CONTACT_COLUMNS)
    return [_contact_info(row, prospect.timezone) for row in rows]


def situations_build(
    *, enrollments: Iterable[Enrollment], now: dt.datetime, errors: dict[int, Exception] | None = None
) -> dict[int, Situation]:
    """One Situation per enrollment; enrollments must come with their `prospect` and `cadence` loaded.

    With `errors`, an enrollment whose rows cannot make a Situation (a cadence saved with impossible rules, say)
    is left out and its error kept there, so one bad row does not stop a batch; without it, the error is raised.
    """
    enrollments = list(enrollments)
    # Tuples, not dicts or model instances: a batch reads tens of thousands of these rows.
    touches: dict[int, list[PastTouch]] = defaultdict(list)
    for prospect_id, *touch in _touches_of_rounds(enrollments):
        touches[prospect_id].append(_past_touch(*touch))
    contacts: dict[int, list[Sequence]] = defaultdict(list)
    for prospect_id, *contact in Contact.objects.filter(
        prospect_id__in={e.prospect_id for e in enrollments}
    ).values_list("prospect_id", *_CONTACT_COLUMNS):
        contacts[prospect_id].append(contact)

    themes = {  # the planner's own Theme (it imports nothing of the ORM's), same values
        team_id: tuple(Theme(theme) for theme in offered)
        for team_id, offered in themes_offered_for_teams(team_ids={e.prospect.team_id for e in enrollments}).items()
    }
    rules_by_cadence: dict[tuple[int, int], Rules] = {}
    situations = {}
    for enrollment in enrollments:
        try:
            situations[enrollment.pk] = _situation(
                enrollment,
                now=now,
                history=touches,
                contacts=contacts,
                rules_by_cadence=rules_by_cadence,
                themes=themes.get(enrollment.prospect.team_id),
            )
        except Exception as exc:  # noqa: BLE001 - whatever it is, it belongs to this enrollment alone
            if errors is None:
                raise
            errors[enrollment.pk] = exc
    return situations


def _situation(
    enrollment: Enrollment,
    *,
    now: dt.datetime,
    history: dict[int, list[PastTouch]],
    contacts: dict[int, list[Sequence]],
    rules_by_cadence: dict[tuple[int, int], Rules],
    themes: tuple[Theme, ...] | None,
) -> Situation:
    prospect: Prospect = enrollment.prospect
    key = (enrollment.cadence_id, enrollment.extra_touches)
    rules = rules_by_cadence.get(key)
    if rules is None:
        rules = rules_by_cadence[key] = rules_from_cadence(
            enrollment.cadence, extra_touches=enrollment.extra_touches, themes=themes
        )
    next_step = (
        NextStep(what=enrollment.next_step, due_at=enrollment.next_step_due_at) if enrollment.next_step_due_at else None
    )
    # A snooze is a short pause of the current follow-up; it ends by itself.
    snoozed = enrollment.snoozed_until is not None and enrollment.snoozed_until > now
    return Situation(
        rules=rules,
        history=tuple(history[prospect.pk]),
        contacts=tuple(_contact_info(c, prospect.timezone) for c in contacts[prospect.pk]),
        now=now,
        days_off=days_off_for(prospect.country),
        default_timezone=prospect.timezone,
        next_step=next_step,
        paused=enrollment.status == Enrollment.Status.PAUSED or snoozed,
        paused_until=enrollment.snoozed_until if snoozed else enrollment.paused_until,
        prospect_closed=prospect.is_closed,
        # An enrollment that starts in the future is a paced new lead (cadence.services.pacing).
        first_attempt_from=enrollment.started_at if enrollment.started_at > now else None,
        inbound_since=enrollment.inbound_at,
        earlier_attempts=enrollment.earlier_attempts,
        earlier_by=enrollment.earlier_by,
    )


def round_attempts_count(*, enrollment: Enrollment) -> int:
    """The attempts an enrollment's round made, to its end, as the planner counts them. The enrollment comes with
    its `prospect` and `cadence`."""
    situation = situations_build(enrollments=[enrollment], now=enrollment.ended_at or enrollment.updated_at)[
        enrollment.pk
    ]
    if enrollment.ended_at is not None:
        ended = enrollment.ended_at
        situation = replace(situation, history=tuple(t for t in situation.history if t.occurred_at <= ended))
    return count_attempts(situation)
