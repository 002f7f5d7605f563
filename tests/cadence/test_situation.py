"""Rows into planner inputs: what situations_build reads from the database, and the sweep's batches across cadences."""

from __future__ import annotations

import datetime as dt

import pytest

from cadence.models import Enrollment
from cadence.planner import Channel, ContactInfo, ContactRole, Kind, Outcome, PastTouch, Theme
from cadence.scheduler import scheduler_sweep
from cadence.situation import situations_build
from tests.cadence.helpers import MONDAY_MORNING, enroll_and_plan, local, planned
from tests.factories import CadenceFactory, ContactFactory, EnrollmentFactory, ProspectFactory, TouchFactory

pytestmark = pytest.mark.django_db


def test_a_situation_holds_the_contacts_as_the_planner_sees_them_and_the_touches_of_this_round(alice):
    prospect = ProspectFactory(owner=alice, timezone="America/Chicago")
    joe = ContactFactory(prospect=prospect, role="decision_maker", timezone="", wrong_person=True)
    ann = ContactFactory(
        prospect=prospect,
        role="influencer",
        timezone="Europe/London",
        email="",
        email_bounced=True,
        do_not_contact=True,
    )
    started = MONDAY_MORNING - dt.timedelta(days=3)
    enrollment = EnrollmentFactory(prospect=prospect, started_at=started, counts_from=started)  # a later round
    TouchFactory(prospect=prospect, contact=joe, occurred_at=started - dt.timedelta(days=1))  # an earlier round
    TouchFactory(prospect=prospect, contact=joe, occurred_at=started, deleted_at=MONDAY_MORNING)  # deleted
    TouchFactory(
        prospect=prospect,
        contact=ann,
        occurred_at=started + dt.timedelta(hours=2),
        channel="email",
        outcome="sent",
        kind="breakup",
        theme="invitation",
    )
    loaded = Enrollment.objects.select_related("prospect", "cadence").get(pk=enrollment.pk)

    situation = situations_build(enrollments=[loaded], now=MONDAY_MORNING)[enrollment.pk]

    assert sorted(situation.contacts, key=lambda c: c.id) == [
        ContactInfo(
            id=joe.pk,
            role=ContactRole.DECISION_MAKER,
            timezone="America/Chicago",  # blank: the prospect's zone
            has_phone=True,
            has_email=True,
            left_company=True,  # the wrong person is gone as far as planning goes
            name=joe.name,
        ),
        ContactInfo(
            id=ann.pk,
            role=ContactRole.INFLUENCER,
            timezone="Europe/London",
            has_phone=True,
            has_email=False,
            do_not_contact=True,
            email_bounced=True,
            name=ann.name,
        ),
    ]
    assert situation.history == (
        PastTouch(
            occurred_at=started + dt.timedelta(hours=2),
            channel=Channel.EMAIL,
            kind=Kind.BREAKUP,
            outcome=Outcome.SENT,
            theme=Theme.INVITATION,
            contact_id=ann.pk,
        ),
    )
    assert situation.default_timezone == "America/Chicago"


def test_one_batch_plans_each_enrollment_by_the_rules_of_its_own_cadence(team, alice, cadence):
    afternoons = CadenceFactory(team=team, name="Afternoons", is_default=False, windows=[["15:00", "16:00"]])
    usual = enroll_and_plan(ContactFactory(prospect__owner=alice).prospect, now=MONDAY_MORNING)
    late = enroll_and_plan(ContactFactory(prospect__owner=alice).prospect, now=MONDAY_MORNING, cadence=afternoons)
    Enrollment.objects.update(replan_requested_at=MONDAY_MORNING)

    report = scheduler_sweep(now=MONDAY_MORNING + dt.timedelta(minutes=5))

    assert report.plan.planned == 2
    assert local(planned(usual).due_start).time() == dt.time(8, 0)
    assert local(planned(late).due_start).time() == dt.time(15, 0)
