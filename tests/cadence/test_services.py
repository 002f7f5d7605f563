from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cadence.models import Enrollment, FollowUp
from cadence.services import (
    GiveUpTooEarly,
    enrollment_create,
    enrollment_give_up,
    enrollment_pause,
    enrollment_set_next_step,
    follow_up_snooze,
)
from crm.models import Contact, Prospect
from tests.cadence.helpers import MONDAY_MORNING, enroll_and_plan, local, planned, replan
from tests.factories import CadenceFactory, ContactFactory, ProspectFactory, touch_logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def joe(prospect):
    return ContactFactory(prospect=prospect, name="Joe Buyer")


@pytest.fixture
def enrollment(cadence, prospect, joe):
    return enroll_and_plan(prospect, now=MONDAY_MORNING)


def log(enrollment, *, at, channel="call", outcome="no_answer", contact=None, **extra):
    prospect = enrollment.prospect
    contact = contact or prospect.contacts.first()
    return touch_logged(
        rep=prospect.owner,
        prospect=prospect,
        contact=contact,
        channel=channel,
        outcome=outcome,
        occurred_at=at,
        now=at,
        **extra,
    )


def test_enrolling_plans_the_first_call_in_the_first_window_of_the_day(enrollment):
    follow_up = planned(enrollment)

    assert (follow_up.attempt, follow_up.channel) == (1, "call")
    assert local(follow_up.due_start).time() == dt.time(8, 0)
    assert enrollment.next_due_at == follow_up.due_end
    assert "Attempt 1 of 8" in follow_up.reason


def test_enrolling_after_commit_runs_the_planning_task(
    prospect, cadence, joe, eager_celery, django_capture_on_commit_callbacks
):
    with time_machine.travel(MONDAY_MORNING, tick=False), django_capture_on_commit_callbacks(execute=True):
        enrollment = enrollment_create(prospect=prospect, now=MONDAY_MORNING)

    assert planned(enrollment).attempt == 1


def test_a_prospect_above_the_team_threshold_gets_the_long_haul_cadence(team, alice, cadence):
    team.high_value_threshold = Decimal("50000")
    team.save()
    long_haul = CadenceFactory(team=team, name="Long haul", is_default=False, is_high_value=True, max_touches=36)
    whale = ProspectFactory(owner=alice, estimated_value=Decimal("185000"))

    enrollment = enroll_and_plan(whale, now=MONDAY_MORNING)

    assert enrollment.cadence == long_haul


def test_a_prospect_cannot_be_enrolled_twice(enrollment, prospect):
    with pytest.raises(ValidationError, match="already enrolled"):
        enrollment_create(prospect=prospect, now=MONDAY_MORNING)


def test_a_won_prospect_cannot_be_enrolled(cadence, alice):
    won = ProspectFactory(owner=alice, status=Prospect.Status.WON)

    with pytest.raises(ValidationError, match="won"):
        enrollment_create(prospect=won, now=MONDAY_MORNING)


def test_logging_a_touch_completes_the_planned_follow_up(enrollment):
    first = planned(enrollment)
    at = first.due_start + dt.timedelta(minutes=5)

    touch = log(enrollment, at=at, channel="voicemail", outcome="left_voicemail", theme="information")

    first.refresh_from_db()
    assert (first.status, first.touch) == (FollowUp.Status.DONE, touch)


def test_a_call_with_no_answer_is_followed_by_a_voicemail_right_away(enrollment):
    at = planned(enrollment).due_start + dt.timedelta(minutes=5)

    log(enrollment, at=at)
    replan(enrollment, now=at)

    follow_up = planned(enrollment)
    assert (follow_up.attempt, follow_up.step, follow_up.attempt_of, follow_up.channel) == (1, 1, 8, "voicemail")
    assert follow_up.due_start <= at + dt.timedelta(minutes=1)
    # The call's follow-up is done and kept; the voicemail is the next step of the same attempt, not attempt 2.
    assert FollowUp.objects.get(enrollment=enrollment, attempt=1, step=0).status == FollowUp.Status.DONE


def test_after_a_voicemail_the_next_call_is_two_days_later_in_another_window(enrollment):
    at = planned(enrollment).due_start + dt.timedelta(minutes=5)

    log(enrollment, at=at, channel="voicemail", outcome="left_voicemail", theme="information")
    replan(enrollment, now=at)

    follow_up = planned(enrollment)
    assert local(follow_up.due_start).date() == dt.date(2026, 3, 4)
    assert local(follow_up.due_start).time() != dt.time(8, 0)
    assert follow_up.theme == "invitation"


def test_planning_the_same_state_twice_changes_nothing(enrollment):
    before = list(FollowUp.objects.values())

    replan(enrollment, now=MONDAY_MORNING)
    replan(enrollment, now=MONDAY_MORNING)

    assert list(FollowUp.objects.values()) == before


def test_connecting_engages_the_lead_and_asks_for_a_next_step(enrollment, prospect):
    at = planned(enrollment).due_start + dt.timedelta(minutes=5)

    log(enrollment, at=at, outcome="connected")
    enrollment = replan(enrollment, now=at)

    prospect.refresh_from_db()
    assert (enrollment.status, prospect.status) == (Enrollment.Status.ENGAGED, Prospect.Status.ENGAGED)
    assert planned(enrollment) is None
    assert "next step" in enrollment.last_reason


def test_the_next_step_becomes_the_next_follow_up(enrollment):
    at = planned(enrollment).due_start + dt.timedelta(minutes=5)
    log(enrollment, at=at, outcome="connected")
    thursday_ten = dt.datetime(2026, 3, 5, 10, 0, tzinfo=local(at).tzinfo)

    enrollment_set_next_step(enrollment=enrollment, what="Send lane pricing", due_at=thursday_ten, now=at)
    enrollment = replan(enrollment, now=at)

    follow_up = planned(enrollment)
    assert follow_up.due_start == thursday_ten
    assert follow_up.is_next_step
    assert "Send lane pricing" in follow_up.reason
    assert enrollment.status == Enrollment.Status.ENGAGED


def test_a_next_step_needs_a_future_date_and_says_so(enrollment):
    with pytest.raises(ValidationError, match="future"):
        enrollment_set_next_step(enrollment=enrollment, what="Call back", due_at=MONDAY_MORNING, now=MONDAY_MORNING)


def test_opting_out_stops_for_good_and_flags_the_contact(enrollment, joe, prospect):
    at = planned(enrollment).due_start + dt.timedelta(minutes=5)

    log(enrollment, at=at, outcome="opted_out")
    enrollment = replan(enrollment, now=at)

    joe.refresh_from_db()
    prospect.refresh_from_db()
    assert enrollment.status == Enrollment.Status.STOPPED
    assert joe.do_not_contact
    assert prospect.status == Prospect.Status.DO_NOT_CONTACT
    assert planned(enrollment) is None


def test_a_wrong_person_sends_the_next_attempt_to_the_decision_maker(enrollment, joe, prospect):
    joe.role = Contact.Role.RECEPTIONIST
    joe.save()
    boss = ContactFactory(prospect=prospect, name="Dana Boss", role=Contact.Role.DECISION_MAKER)
    at = planned(enrollment).due_start + dt.timedelta(minutes=5)

    log(enrollment, at=at, outcome="wrong_person", contact=joe)
    replan(enrollment, now=at)

    joe.refresh_from_db()
    assert joe.wrong_person
    assert planned(enrollment).contact == boss


def test_a_lead_with_nobody_left_to_call_is_flagged_for_the_rep(enrollment, joe):
    at = planned(enrollment).due_start + dt.timedelta(minutes=5)

    log(enrollment, at=at, outcome="left_company", contact=joe)
    enrollment = replan(enrollment, now=at)

    assert enrollment.needs_contact
    assert planned(enrollment) is None


def test_a_bounced_email_stops_emails_to_that_address(enrollment, joe):
    at = planned(enrollment).due_start + dt.timedelta(minutes=5)

    log(enrollment, at=at, channel="email", outcome="bounced")

    joe.refresh_from_db()
    assert joe.email_bounced


def test_giving_up_before_the_minimum_warns_and_changes_nothing(enrollment):
    with pytest.raises(GiveUpTooEarly, match="at least 5 attempts"):
        enrollment_give_up(enrollment=enrollment, now=MONDAY_MORNING)

    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ACTIVE


def test_a_confirmed_early_give_up_is_recorded_as_early(enrollment, prospect):
    early = enrollment_give_up(enrollment=enrollment, now=MONDAY_MORNING, confirm_early=True)

    enrollment.refresh_from_db()
    prospect.refresh_from_db()
    assert early
    assert (enrollment.status, enrollment.gave_up_early) == (Enrollment.Status.GAVE_UP, True)
    assert prospect.status == Prospect.Status.DORMANT
    assert planned(enrollment) is None


def test_a_snoozed_follow_up_comes_back_after_the_snooze_and_is_counted(enrollment):
    follow_up = planned(enrollment)
    until = MONDAY_MORNING + dt.timedelta(days=1)

    follow_up_snooze(follow_up=follow_up, now=MONDAY_MORNING, until=until, reason="Trade show week")
    enrollment = replan(enrollment, now=MONDAY_MORNING)
    hidden = planned(enrollment)
    enrollment = replan(enrollment, now=until)

    follow_up.refresh_from_db()
    assert hidden is None
    assert planned(enrollment).due_start >= until
    assert (enrollment.snooze_count, follow_up.snooze_count) == (1, 1)
    assert follow_up.snooze_reason == "Trade show week"


def test_a_paused_enrollment_plans_nothing_until_the_pause_ends(enrollment):
    until = MONDAY_MORNING + dt.timedelta(days=7)

    enrollment_pause(enrollment=enrollment, now=MONDAY_MORNING, until=until)
    enrollment = replan(enrollment, now=MONDAY_MORNING)
    paused = (enrollment.status, planned(enrollment), enrollment.next_due_at)
    enrollment = replan(enrollment, now=until)

    assert paused == (Enrollment.Status.PAUSED, None, until)
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert planned(enrollment).due_start >= until


def test_every_action_on_a_lead_is_recorded_in_its_history(enrollment, prospect, maria):
    from cadence.models import LeadEvent
    from cadence.services import enrollment_extend, enrollment_resume

    enrollment_pause(enrollment=enrollment, now=MONDAY_MORNING, actor=maria)
    enrollment_resume(enrollment=enrollment, now=MONDAY_MORNING, actor=maria)
    enrollment_extend(enrollment=enrollment, extra_touches=4, now=MONDAY_MORNING, actor=maria)
    enrollment_give_up(enrollment=enrollment, now=MONDAY_MORNING, confirm_early=True, actor=maria)

    kinds = list(LeadEvent.objects.filter(prospect=prospect).order_by("pk").values_list("kind", "actor__username"))
    assert kinds == [
        ("enrolled", None),
        ("paused", "maria"),
        ("resumed", "maria"),
        ("extended", "maria"),
        ("gave_up", "maria"),
    ]


def test_an_extended_cadence_allows_more_attempts_before_the_breakup(enrollment):
    from cadence.services import enrollment_extend

    enrollment_extend(enrollment=enrollment, extra_touches=4, now=MONDAY_MORNING)
    enrollment = replan(enrollment, now=MONDAY_MORNING)

    assert "of 12" in planned(enrollment).reason


def test_an_extension_out_of_range_is_refused(enrollment):
    from cadence.services import enrollment_extend

    with pytest.raises(ValidationError, match="1 to 30"):
        enrollment_extend(enrollment=enrollment, extra_touches=0, now=MONDAY_MORNING)


def test_windows_typed_out_of_order_still_plan_the_first_call_at_eight(team, alice, joe, prospect):
    CadenceFactory(team=team, windows=[["16:00", "17:00"], ["08:00", "09:00"], ["11:00", "12:00"]])

    enrollment = enroll_and_plan(prospect, now=MONDAY_MORNING)

    assert local(planned(enrollment).due_start).time() == dt.time(8, 0)
