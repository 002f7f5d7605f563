"""No input stops the scheduler: one lead that cannot be planned is set aside with its error (and shown to its
manager) while every other lead is planned in the same sweep; hand-overs at once never deadlock."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse

from cadence.models import Cadence, Enrollment, FollowUp
from cadence.scheduler import scheduler_sweep
from cadence.services import enrollment_create, prospect_reassign
from crm.models import Prospect
from tests.cadence.helpers import MONDAY_MORNING
from tests.factories import CadenceFactory, ContactFactory, ManagerFactory, ProspectFactory, UserFactory


def _enroll(owner, cadence, n: int) -> Enrollment:
    prospect = ProspectFactory(owner=owner, name=f"Lead {n}")
    ContactFactory(prospect=prospect, phone="+1 212 555 0100")
    return enrollment_create(prospect=prospect, now=MONDAY_MORNING, cadence=cadence)


@pytest.mark.django_db
def test_one_unplannable_lead_is_set_aside_and_every_other_lead_is_planned(alice, team, client, cadence):
    broken = CadenceFactory(team=team, name="Broken", is_default=False)
    # Saved around the model's checks, as a bad import or a hand-edited row might: the planner cannot read it.
    Cadence.objects.filter(pk=broken.pk).update(windows="every morning")
    good = [_enroll(alice, cadence, n) for n in range(4)]
    bad = _enroll(alice, broken, 99)

    report = scheduler_sweep(now=MONDAY_MORNING + dt.timedelta(minutes=1))

    assert report.plan.failed == 1
    assert FollowUp.objects.filter(enrollment__in=good, status="planned").count() == 4
    bad.refresh_from_db()
    assert bad.plan_failures == 1 and "ValueError" in bad.plan_error
    assert bad.replan_requested_at is None and bad.next_due_at > MONDAY_MORNING + dt.timedelta(minutes=1)
    # The next sweep leaves it alone until its retry is due; then it fails again, and waits longer.
    assert scheduler_sweep(now=MONDAY_MORNING + dt.timedelta(minutes=2)).plan.failed == 0
    first_retry = bad.next_due_at
    scheduler_sweep(now=first_retry + dt.timedelta(seconds=1))
    bad.refresh_from_db()
    assert bad.plan_failures == 2 and bad.next_due_at - first_retry > dt.timedelta(minutes=9)
    # Its manager sees it on the dashboard, with the error.
    client.force_login(ManagerFactory(username="mia", team=team))
    page = client.get(reverse("dashboard")).content.decode()
    assert "could not plan" in page and "Lead 99" in page and "ValueError" in page


@pytest.mark.django_db
def test_a_repaired_lead_is_planned_again_and_its_error_cleared(alice, team, cadence):
    broken = CadenceFactory(team=team, name="Broken", is_default=False)
    Cadence.objects.filter(pk=broken.pk).update(windows="every morning")
    bad = _enroll(alice, broken, 1)
    scheduler_sweep(now=MONDAY_MORNING + dt.timedelta(minutes=1))

    Cadence.objects.filter(pk=broken.pk).update(windows=[["11:00", "12:00"]])
    bad.refresh_from_db()
    scheduler_sweep(now=bad.next_due_at + dt.timedelta(seconds=1))

    bad.refresh_from_db()
    assert (bad.plan_failures, bad.plan_error) == (0, "")
    assert FollowUp.objects.filter(enrollment=bad, status="planned").exists()


@pytest.mark.django_db(transaction=True)
def test_two_hand_overs_to_the_same_reps_in_opposite_orders_do_not_deadlock(team, cadence):
    giver = UserFactory(username="giver", team=team)
    first, second = UserFactory(username="first", team=team), UserFactory(username="second", team=team)
    leads = [ProspectFactory(owner=giver, name=f"Lead {n}") for n in range(4)]
    plans = [[(leads[0], first), (leads[1], second)], [(leads[2], second), (leads[3], first)]]
    barrier = threading.Barrier(2, timeout=3)
    errors: list[BaseException] = []

    def hand_over(pairs) -> None:
        try:
            with transaction.atomic():
                for n, (prospect, to) in enumerate(pairs):
                    prospect_reassign(prospect=prospect, now=MONDAY_MORNING, reason="Giver is away", to=to)
                    if n == 0:
                        # Both make their first hand-over before either makes its second. A broken barrier means
                        # the other one was waiting for our locks: exactly what must happen.
                        with contextlib.suppress(threading.BrokenBarrierError):
                            barrier.wait()
        except BaseException as exc:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=hand_over, args=(pairs,)) for pairs in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    owners = dict(Prospect.objects.filter(pk__in=[p.pk for p in leads]).values_list("name", "owner__username"))
    assert owners == {"Lead 0": "first", "Lead 1": "second", "Lead 2": "second", "Lead 3": "first"}
