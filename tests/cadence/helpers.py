"""Small builders for cadence tests: a fixed Monday morning in New York, and a way to plan inside a test."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.test import TestCase

from cadence.models import Enrollment, FollowUp
from cadence.services import enrollment_create, enrollments_plan

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
