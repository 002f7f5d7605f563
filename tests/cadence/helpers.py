"""Small builders for cadence tests: a fixed Monday morning in New York, and a way to plan inside a test."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.test import TestCase

from cadence.models import Enrollment, FollowUp
from cadence.services import enrollment_create, enrollments_plan
from tests.factories import touch_logged
from touches.models import Touch

NEW_YORK = ZoneInfo("America/New_York")
# Monday 2026-03-02, 07:30 in New York: before the first call window of an ordinary working week.
MONDAY_MORNING = dt.datetime(2026, 3, 2, 7, 30, tzinfo=NEW_YORK)


def enroll_and_plan(prospect, *, now: dt.datetime, cadence=None) -> Enrollment:
    with TestCase.captureOnCommitCallbacks(execute=False):
        enrollment = enrollment_create(prospect=prospect, now=now, cadence=cadence)
    enrollments_plan(enrollment_ids=[enrollment.pk], now=now)
    enrollment.refresh_from_db()
    return enrollment


def replan(enrollment: Enrollment, *, now: dt.datetime) -> Enrollment:
    enrollments_plan(enrollment_ids=[enrollment.pk], now=now)
    enrollment.refresh_from_db()
    return enrollment


def planned(enrollment: Enrollment) -> FollowUp | None:
    return FollowUp.objects.filter(enrollment=enrollment, status=FollowUp.Status.PLANNED).first()


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(NEW_YORK)


def follow_up_done(follow_up: FollowUp, *, outcome: str, at: dt.datetime) -> Touch:
    """What the follow-up asked for, done at `at` by its lead's owner: the touch on its channel, kind and theme."""
    return touch_logged(
        rep=follow_up.enrollment.owner,
        prospect=follow_up.enrollment.prospect,
        contact=follow_up.contact,
        channel=follow_up.channel,
        kind=follow_up.kind,
        outcome=outcome,
        theme=follow_up.theme,
        occurred_at=at,
        now=at,
    )
