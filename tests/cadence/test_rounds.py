"""Every touch logged on a lead is in its attempt count, paced or not; a later round (a hand-over, a recycle) counts
its own attempts and says what came before it, and by whom."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import TestCase
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadence.models import Enrollment, FollowUp
from cadence.planner import count_attempts
from cadence.planner.decide import read_ledger
from cadence.services import enrollments_plan, lead_create, prospect_reassign
from cadence.situation import situations_build
from crm.models import Contact, Team
from tests.cadence.helpers import MONDAY_MORNING
from tests.factories import ContactFactory, touch_logged
from touches.models import Touch

pytestmark = pytest.mark.django_db

KOLKATA = ZoneInfo("Asia/Kolkata")


def _paced_lead(alice, team, *, name="Paced Freight", tz="America/New_York"):
    """A lead created when its rep's budget for the day is spent, so its first attempt waits for a later day."""
    Team.objects.filter(pk=team.pk).update(daily_new_leads=1)
    alice.refresh_from_db()
    with TestCase.captureOnCommitCallbacks(execute=False):
        lead_create(user=alice, now=MONDAY_MORNING, name="Budget Spender", country="US")
        prospect = lead_create(user=alice, now=MONDAY_MORNING, name=name, timezone=tz)
    ContactFactory(prospect=prospect, name="Dana Reyes", timezone=tz)
    enrollment = Enrollment.objects.get(prospect=prospect)
    assert enrollment.started_at > MONDAY_MORNING, "the second lead of the day is paced"
    return prospect, enrollment


def _log(prospect, *, at, channel="call", outcome="no_answer", theme="none"):
    with TestCase.captureOnCommitCallbacks(execute=False):
        return touch_logged(
            rep=prospect.owner,
            prospect=prospect,
            contact=prospect.contacts.first(),
            channel=channel,
            outcome=outcome,
            theme=theme,
            occurred_at=at,
            now=at,
        )


def _plan(enrollment, *, now):
    enrollments_plan(enrollment_ids=[enrollment.pk], now=now)
    return FollowUp.objects.filter(enrollment=enrollment, status=FollowUp.Status.PLANNED).first()


def test_a_paced_lead_called_before_its_day_counts_that_call_and_plans_the_next_attempt_by_the_rules(
    alice, team, cadence
):
    prospect, enrollment = _paced_lead(alice, team)
    at = MONDAY_MORNING + dt.timedelta(hours=2)  # Monday 09:30 in New York, before its paced day

    _log(prospect, at=at, channel="voicemail", outcome="left_voicemail", theme="information")
    follow_up = _plan(enrollment, now=at)

    assert follow_up.attempt == 2
    assert follow_up.reason.startswith("Attempt 2 of 8")
    assert follow_up.due_start.astimezone(ZoneInfo("America/New_York")).date() == dt.date(2026, 3, 4)  # every other day
    assert "new leads are spread" not in follow_up.reason


def test_a_lead_in_india_called_on_sunday_then_four_times_on_monday_is_on_its_second_attempt(alice, team, cadence):
    prospect, enrollment = _paced_lead(alice, team, tz="Asia/Kolkata")
    sunday = dt.datetime(2026, 3, 1, 11, 0, tzinfo=KOLKATA)
    _log(prospect, at=sunday)
    monday = dt.datetime(2026, 3, 2, 8, 0, tzinfo=KOLKATA)
    for minutes in (0, 5, 10, 15):
        _log(prospect, at=monday + dt.timedelta(minutes=minutes))

    follow_up = _plan(enrollment, now=monday + dt.timedelta(minutes=20))

    # Sunday's call is attempt 1; Monday's four calls to the same person on the same day are attempt 2, whose
    # voicemail comes next.
    assert (follow_up.attempt, follow_up.channel) == (2, "voicemail")
    assert follow_up.reason.startswith("Attempt 2 of 8")


def test_a_paced_lead_worked_by_hand_every_other_day_reaches_its_breakup(alice, team, cadence):
    prospect, enrollment = _paced_lead(alice, team)
    Team.objects.filter(pk=team.pk).update(daily_new_leads=1)
    Enrollment.objects.filter(pk=enrollment.pk).update(started_at=MONDAY_MORNING + dt.timedelta(days=60))
    at = MONDAY_MORNING + dt.timedelta(hours=3)
    for day in range(7):
        _log(prospect, at=at + dt.timedelta(days=2 * day), channel="voicemail", outcome="left_voicemail")

    follow_up = _plan(enrollment, now=at + dt.timedelta(days=13, hours=1))

    assert (follow_up.attempt, follow_up.kind) == (8, "breakup")
    assert follow_up.reason.startswith("Attempt 8 of 8")


def test_a_handed_over_lead_counts_its_own_attempts_and_says_what_came_before_and_by_whom(
    alice, bob, team, cadence, client
):
    alice.first_name, alice.last_name = "Lee", "Park"
    alice.save()
    prospect, enrollment = _paced_lead(alice, team)
    at = MONDAY_MORNING + dt.timedelta(hours=2)
    for day in range(9):
        _log(prospect, at=at + dt.timedelta(days=day), channel="voicemail", outcome="left_voicemail")
    handover = at + dt.timedelta(days=9, hours=1)

    with TestCase.captureOnCommitCallbacks(execute=False):
        prospect_reassign(prospect=prospect, now=handover, reason="Lee has no more time for it", to=bob)
    new = Enrollment.objects.get(prospect=prospect, status="active")
    follow_up = _plan(new, now=handover)

    assert (new.earlier_attempts, new.earlier_by) == (9, "Lee Park")
    assert follow_up.attempt == 1
    assert follow_up.reason.startswith("Attempt 1 of 8 for you · 9 before, by Lee Park")
    client.force_login(bob)
    with time_machine.travel(handover, tick=False):
        lead_page = client.get(reverse("prospect_detail", args=[prospect.pk])).content.decode()
        my_day = client.get(reverse("home")).content.decode()
    assert "Attempt 1 of 8 for you · 9 before, by Lee Park" in lead_page
    assert "Attempt 1 of 8 for you · 9 before, by Lee Park" in my_day


# The property: whatever is logged, and whenever the lead's first attempt was paced to, the planner counts it all.

touch_kinds = st.sampled_from(
    [
        ("call", "no_answer"),
        ("voicemail", "left_voicemail"),
        ("email", "sent"),
        ("call", "connected"),
        ("other", "sent"),
    ]
)
logged = st.lists(
    st.tuples(st.integers(-3, 30), st.integers(0, 23 * 60), touch_kinds, st.booleans()), min_size=1, max_size=12
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paced_days=st.integers(0, 40), touches=logged)
def test_no_touch_logged_on_a_lead_is_ever_missing_from_its_attempt_count(alice, team, cadence, paced_days, touches):
    prospect = lead_create(user=alice, now=MONDAY_MORNING, name="Property Freight", timezone="Europe/Berlin")
    enrollment = Enrollment.objects.get(prospect=prospect)
    Enrollment.objects.filter(pk=enrollment.pk).update(started_at=MONDAY_MORNING + dt.timedelta(days=paced_days))
    contacts = [
        ContactFactory(prospect=prospect, timezone="Europe/Berlin"),
        ContactFactory(prospect=prospect, timezone="America/Chicago"),
    ]
    for day, minute, (channel, outcome), second in touches:
        at = MONDAY_MORNING + dt.timedelta(days=day, minutes=minute)
        with TestCase.captureOnCommitCallbacks(execute=False):
            touch_logged(
                rep=alice,
                prospect=prospect,
                contact=contacts[second],
                channel=channel,
                outcome=outcome,
                occurred_at=min(at, MONDAY_MORNING + dt.timedelta(days=31)),
                now=MONDAY_MORNING + dt.timedelta(days=31),
            )
    enrollment = Enrollment.objects.select_related("prospect", "cadence").get(pk=enrollment.pk)

    situation = situations_build(enrollments=[enrollment], now=MONDAY_MORNING + dt.timedelta(days=31))[enrollment.pk]

    assert len(situation.history) == Touch.objects.filter(prospect=prospect, deleted_at__isnull=True).count()
    ledger = read_ledger(situation)
    assert sum(len(attempt.touches) for attempt in ledger.attempts) == len(ledger.real)
    assert len(ledger.real) == sum(1 for *_, (channel, _), _ in touches if channel != "other")


def test_a_later_round_counts_every_touch_from_its_own_start(alice, bob, team, cadence):
    prospect, enrollment = _paced_lead(alice, team)
    _log(prospect, at=MONDAY_MORNING + dt.timedelta(hours=2))
    handover = MONDAY_MORNING + dt.timedelta(hours=3)
    with TestCase.captureOnCommitCallbacks(execute=False):
        prospect_reassign(prospect=prospect, now=handover, reason="Covering", to=bob)
    new = Enrollment.objects.select_related("prospect", "cadence").get(prospect=prospect, status="active")
    bobs = [handover + dt.timedelta(days=d, hours=1) for d in range(3)]
    for at in bobs:
        with TestCase.captureOnCommitCallbacks(execute=False):
            touch_logged(
                rep=bob,
                prospect=prospect,
                contact=Contact.objects.filter(prospect=prospect).first(),
                channel="call",
                outcome="no_answer",
                occurred_at=at,
                now=at,
            )

    situation = situations_build(enrollments=[new], now=bobs[-1])[new.pk]

    assert count_attempts(situation) == 3
    assert new.counts_from == handover
