"""A real Celery worker (and beat) process, the Redis broker and PostgreSQL, end to end."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cadence.models import Enrollment, FollowUp
from cadence.services import enrollment_create
from cadence.tasks import enrollment_plan
from tests.conftest import service_unavailable
from tests.factories import ContactFactory, touch_logged, zone_in_working_hours
from tests.worker import start_worker, wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def planned_attempts(enrollment: Enrollment) -> list[int]:
    return list(
        FollowUp.objects.filter(enrollment=enrollment, status=FollowUp.Status.PLANNED).values_list("attempt", flat=True)
    )


def test_a_worker_plans_the_next_follow_up_of_every_touch_logged(celery_worker_process, cadence, prospect):
    prospect.timezone = zone_in_working_hours()
    prospect.save()
    contact = ContactFactory(prospect=prospect)
    enrollment = enrollment_create(prospect=prospect, now=timezone.now())
    wait_for(lambda: planned_attempts(enrollment) == [1])

    touch_logged(
        rep=prospect.owner,
        prospect=prospect,
        contact=contact,
        channel="call",
        outcome="no_answer",
        occurred_at=timezone.now(),
        now=timezone.now(),
    )

    # The voicemail left on the unanswered call is the same attempt: its step 1.
    wait_for(lambda: planned_attempts(enrollment) == [1])
    assert FollowUp.objects.get(enrollment=enrollment, attempt=1, step=1, status="planned").channel == "voicemail"
    assert "succeeded" in celery_worker_process.output()


def test_replayed_planning_tasks_create_no_duplicate(celery_worker_process, cadence, prospect):
    ContactFactory(prospect=prospect)
    enrollment = Enrollment.objects.create(
        prospect=prospect,
        cadence=cadence,
        owner=prospect.owner,
        started_at=timezone.now(),
        replan_requested_at=timezone.now(),
    )

    for _ in range(6):
        enrollment_plan.delay(enrollment.pk)

    wait_for(lambda: planned_attempts(enrollment) == [1])
    wait_for(lambda: celery_worker_process.output().count("succeeded") >= 6)
    assert FollowUp.objects.filter(enrollment=enrollment).count() == 1


def test_beat_ticks_the_sweep_which_repairs_a_plan_whose_message_was_lost(
    transactional_db, redis_client, cadence, prospect
):
    ContactFactory(prospect=prospect)
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    # As if the on-commit message had been lost: a stale plan request, and nothing queued for it.
    enrollment = Enrollment.objects.create(
        prospect=prospect,
        cadence=cadence,
        owner=prospect.owner,
        started_at=long_ago,
        replan_requested_at=long_ago,
    )

    with start_worker(with_beat=True, sweep_seconds=1) as worker:
        if worker is None:
            service_unavailable("a Celery worker and beat could not be started")
        wait_for(lambda: planned_attempts(enrollment) == [1], timeout=30)
        wait_for(lambda: "cadence sweep at" in worker.output(), timeout=10)

    enrollment.refresh_from_db()
    assert enrollment.replan_requested_at is None
