"""Translate rows into the planner's inputs, for one enrollment or a whole batch at a constant number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

from django.db.models import F

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
    holiday_calendar,
)
from crm.models import Contact, Prospect
from touches.models import Touch


def rules_from_cadence(cadence: Cadence, *, extra_touches: int = 0) -> Rules:
    windows = [
        CallWindow(start=dt.time.fromisoformat(start), end=dt.time.fromisoformat(end)) for start, end in cadence.windows
    ]
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
    )


@lru_cache(maxsize=512)
def days_off_for(country: str) -> DaysOff:
    # Building a country's holiday table is the slow part of planning; holidays expands years lazily.
    return holiday_calendar(country=country)


def _past_touch(row: dict) -> PastTouch:
    return PastTouch(
        occurred_at=row["occurred_at"],
        channel=Channel(row["channel"]),
        kind=Kind(row["kind"]),
        outcome=Outcome(row["outcome"]),
        theme=Theme(row["theme"]),
        contact_id=row["contact_id"],
    )


def _contact_info(contact: dict, prospect_timezone: str) -> ContactInfo:
    return ContactInfo(
        id=contact["id"],
        role=ContactRole(contact["role"]),
        timezone=contact["timezone"] or prospect_timezone,
        has_phone=bool(contact["phone"]),
        has_email=bool(contact["email"]),
        do_not_contact=contact["do_not_contact"],
        left_company=contact["left_company"] or contact["wrong_person"],
        email_bounced=contact["email_bounced"],
    )


def situations_build(*, enrollments: Iterable[Enrollment], now: dt.datetime) -> dict[int, Situation]:
    """One Situation per enrollment; enrollments must come with `prospect` and `cadence` selected."""
    enrollments = list(enrollments)
    prospect_ids = {e.prospect_id for e in enrollments}
    touches: dict[int, list[dict]] = defaultdict(list)
    for row in (
        # Only the touches of each enrollment's own round: a long history is read by the index, not by Python.
        Touch.objects.alive()
        .filter(
            prospect__enrollments__in=[e.pk for e in enrollments],
            occurred_at__gte=F("prospect__enrollments__started_at"),
        )
        .values("prospect_id", "occurred_at", "channel", "kind", "outcome", "theme", "contact_id")
    ):
        touches[row["prospect_id"]].append(row)
    contacts: dict[int, list[dict]] = defaultdict(list)
    for row in Contact.objects.filter(prospect_id__in=prospect_ids).values(
        "id",
        "prospect_id",
        "role",
        "timezone",
        "phone",
        "email",
        "do_not_contact",
        "left_company",
        "wrong_person",
        "email_bounced",
    ):
        contacts[row["prospect_id"]].append(row)

    rules_by_cadence: dict[tuple[int, int], Rules] = {}
    situations = {}
    for enrollment in enrollments:
        prospect: Prospect = enrollment.prospect
        key = (enrollment.cadence_id, enrollment.extra_touches)
        rules = rules_by_cadence.get(key)
        if rules is None:
            rules = rules_by_cadence[key] = rules_from_cadence(
                enrollment.cadence, extra_touches=enrollment.extra_touches
            )
        history = tuple(_past_touch(row) for row in touches[prospect.pk])
        next_step = (
            NextStep(what=enrollment.next_step, due_at=enrollment.next_step_due_at)
            if enrollment.next_step_due_at
            else None
        )
        # A snooze is a short pause of the current follow-up; it ends by itself.
        snoozed = enrollment.snoozed_until is not None and enrollment.snoozed_until > now
        situations[enrollment.pk] = Situation(
            rules=rules,
            history=history,
            contacts=tuple(_contact_info(c, prospect.timezone) for c in contacts[prospect.pk]),
            now=now,
            days_off=days_off_for(prospect.country),
            default_timezone=prospect.timezone,
            next_step=next_step,
            paused=enrollment.status == Enrollment.Status.PAUSED or snoozed,
            paused_until=enrollment.snoozed_until if snoozed else enrollment.paused_until,
            prospect_closed=prospect.is_closed,
        )
    return situations
