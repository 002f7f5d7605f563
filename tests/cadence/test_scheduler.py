from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cadence.models import Enrollment, FollowUp
from cadence.scheduler import scheduler_sweep
from cadence.services import enrollments_plan, prospect_reassign
from crm.models import Prospect
from tests.cadence.helpers import MONDAY_MORNING, enroll_and_plan, follow_up_done, planned
from tests.factories import ContactFactory, ProspectFactory, UserFactory
from tests.threads import together

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrollment(cadence, prospect):
    ContactFactory(prospect=prospect)
    return enroll_and_plan(prospect, now=MONDAY_MORNING)


def work_the_cadence_until_the_breakup(enrollment) -> dt.datetime:
    """Do every planned attempt at its window's start, nobody answering; return when the breakup went out."""
    while True:
        follow_up = planned(enrollment)
        at = follow_up.due_start + dt.timedelta(minutes=1)
        outcome = {"call": "no_answer", "voicemail": "left_voicemail"}.get(follow_up.channel, "sent")
        follow_up_done(follow_up, outcome=outcome, at=at)
        enrollments_plan(enrollment_ids=[enrollment.pk], now=at)
        if follow_up.kind == "breakup":
            return at


def test_a_follow_up_whose_window_passed_is_marked_overdue_and_kept(enrollment):
    follow_up = planned(enrollment)

    scheduler_sweep(now=follow_up.due_end + dt.timedelta(minutes=1))

    follow_up.refresh_from_db()
    enrollment.refresh_from_db()
    assert follow_up.status == FollowUp.Status.PLANNED
    assert follow_up.overdue_since is not None
    assert enrollment.next_due_at is None


def test_the_sweep_repairs_a_plan_whose_message_was_lost(enrollment):
    Enrollment.objects.filter(pk=enrollment.pk).update(replan_requested_at=MONDAY_MORNING)
    FollowUp.objects.filter(enrollment=enrollment).delete()

    scheduler_sweep(now=MONDAY_MORNING + dt.timedelta(minutes=1))

    enrollment.refresh_from_db()
    assert planned(enrollment).attempt == 1
    assert enrollment.replan_requested_at is None


def test_a_fresh_plan_request_is_left_to_its_own_task(enrollment):
    Enrollment.objects.filter(pk=enrollment.pk).update(replan_requested_at=MONDAY_MORNING, next_due_at=None)

    report = scheduler_sweep(now=MONDAY_MORNING + dt.timedelta(seconds=5))

    assert report.plan.planned == 0


def test_the_breakup_is_the_eighth_attempt_and_then_we_wait_five_days(enrollment):
    sent = work_the_cadence_until_the_breakup(enrollment)

    enrollment.refresh_from_db()
    breakup = FollowUp.objects.get(enrollment=enrollment, kind="breakup")
    assert breakup.attempt == 8
    assert enrollment.last_action == "wait"
    assert enrollment.next_due_at.date() >= (sent + dt.timedelta(days=5)).date()


def test_after_the_wait_the_lead_goes_dormant_when_the_cadence_gives_up(enrollment, cadence, prospect):
    cadence.recycle_after_days = 90
    cadence.save()
    work_the_cadence_until_the_breakup(enrollment)
    enrollment.refresh_from_db()

    scheduler_sweep(now=enrollment.next_due_at + dt.timedelta(minutes=1))

    enrollment.refresh_from_db()
    prospect.refresh_from_db()
    assert enrollment.status == Enrollment.Status.GAVE_UP
    assert not enrollment.gave_up_early
    assert prospect.status == Prospect.Status.DORMANT
    assert prospect.recycle_on is not None


def test_after_the_wait_the_lead_goes_to_the_least_loaded_available_teammate(
    enrollment, cadence, prospect, alice, bob, team
):
    cadence.on_finish = "reassign"
    cadence.save()
    UserFactory(username="vacationer", team=team, is_available=False)
    ProspectFactory(owner=bob)
    quiet = UserFactory(username="quiet", team=team)
    work_the_cadence_until_the_breakup(enrollment)
    enrollment.refresh_from_db()

    scheduler_sweep(now=enrollment.next_due_at + dt.timedelta(minutes=1))
    scheduler_sweep(now=enrollment.next_due_at + dt.timedelta(minutes=2))

    enrollment.refresh_from_db()
    prospect.refresh_from_db()
    fresh = Enrollment.objects.get(prospect=prospect, status__in=Enrollment.OPEN_STATUSES)
    assert enrollment.status == Enrollment.Status.REASSIGNED
    assert prospect.owner == quiet
    assert fresh.owner == quiet
    assert Enrollment.objects.filter(prospect=prospect, status=Enrollment.Status.REASSIGNED).count() == 1
    assert prospect.touches.count() == 15  # seven calls with their voicemails, then the breakup voicemail


def test_equally_loaded_reps_take_hand_overs_in_turn(team, alice, cadence):
    UserFactory(username="first", team=team)
    UserFactory(username="second", team=team)
    owners = []
    for n in range(4):
        lead = ProspectFactory(owner=alice, name=f"Lead {n}")
        owners.append(prospect_reassign(prospect=lead, now=MONDAY_MORNING + dt.timedelta(minutes=n), reason="test"))
        Prospect.objects.filter(pk=lead.pk).update(status=Prospect.Status.WON)

    assert [o.username for o in owners] == ["first", "second", "first", "second"]


def test_with_nobody_available_the_lead_stays_and_is_retried_later(enrollment, alice, prospect):
    new_owner = prospect_reassign(prospect=prospect, now=MONDAY_MORNING, reason="rep out of time")

    enrollment.refresh_from_db()
    assert new_owner is None
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert enrollment.last_action == "reassign_blocked"
    assert enrollment.next_due_at > MONDAY_MORNING


def test_a_dormant_lead_comes_back_on_its_recycle_date(cadence, alice):
    lead = ProspectFactory(owner=alice, status=Prospect.Status.DORMANT, recycle_on=MONDAY_MORNING.date())

    report = scheduler_sweep(now=MONDAY_MORNING)

    lead.refresh_from_db()
    assert report.recycled == 1
    assert lead.status == Prospect.Status.ACTIVE
    assert Enrollment.objects.filter(prospect=lead, status=Enrollment.Status.ACTIVE).exists()


def test_follow_ups_that_come_due_are_reminded_once(enrollment, mailoutbox, django_capture_on_commit_callbacks):
    enrollment.owner.email = "alice@example.com"
    enrollment.owner.save()
    due = planned(enrollment).due_start + dt.timedelta(minutes=1)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = scheduler_sweep(now=due)
        second = scheduler_sweep(now=due + dt.timedelta(minutes=1))

    assert (first.reminders, second.reminders) == (1, 0)
    assert len(callbacks) == 1


def _queries_of_a_sweep(*, stored: int, due: bool, cadence, owner) -> int:
    Enrollment.objects.all().delete()
    for n in range(stored):
        enroll_and_plan(ProspectFactory(owner=owner, name=f"Stored {stored}-{n}"), now=MONDAY_MORNING)
    if due:
        Enrollment.objects.update(replan_requested_at=MONDAY_MORNING)
    with CaptureQueriesContext(connection) as queries:
        report = scheduler_sweep(now=MONDAY_MORNING + dt.timedelta(minutes=5))
    assert report.plan.planned == (stored if due else 0)
    return len(queries)


def test_a_sweep_with_nothing_due_costs_the_same_whatever_is_stored(cadence, alice):
    assert _queries_of_a_sweep(stored=3, due=False, cadence=cadence, owner=alice) == _queries_of_a_sweep(
        stored=30, due=False, cadence=cadence, owner=alice
    )


def test_planning_a_batch_costs_the_same_number_of_queries_for_3_or_30_enrollments(cadence, alice):
    assert _queries_of_a_sweep(stored=3, due=True, cadence=cadence, owner=alice) == _queries_of_a_sweep(
        stored=30, due=True, cadence=cadence, owner=alice
    )


def test_run_scheduler_once_runs_one_sweep(enrollment, capsys):
    call_command("run_scheduler", "--once")

    assert "sweep: planned" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_plan_each_attempt_exactly_once(cadence, alice):
    for n in range(60):
        lead = ProspectFactory(owner=alice, name=f"Race {n}")
        ContactFactory(prospect=lead)
        Enrollment.objects.create(
            prospect=lead,
            cadence=cadence,
            owner=alice,
            started_at=MONDAY_MORNING,
            next_due_at=MONDAY_MORNING,
            replan_requested_at=MONDAY_MORNING,
        )
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            start.wait()
            scheduler_sweep(now=MONDAY_MORNING + dt.timedelta(minutes=1), batch_size=7)
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)
        finally:
            connection.close()

    together(sweep, times=3)
    # A replayed planning task for every enrollment, after the sweeps.
    enrollments_plan(enrollment_ids=list(Enrollment.objects.values_list("pk", flat=True)), now=MONDAY_MORNING)

    assert errors == []
    assert FollowUp.objects.count() == 60
    assert FollowUp.objects.filter(status=FollowUp.Status.PLANNED, attempt=1).count() == 60
