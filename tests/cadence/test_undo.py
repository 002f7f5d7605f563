"""Undo takes back everything a log changed, not only its touches: the next step it set or cleared, the status it
gave the prospect, the flags it put on the contact; and says what it put back."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import TestCase

from cadence.models import Enrollment, LeadEvent, LogUndo
from cadence.services import (
    NextStep,
    log_undo_keep,
    log_undos_prune,
    touch_log,
    touches_undo,
)
from crm.models import Contact, Prospect
from tests.cadence.helpers import MONDAY_MORNING, enroll_and_plan, replan
from tests.factories import ContactFactory
from touches.data import TouchData

pytestmark = pytest.mark.django_db


@pytest.fixture
def joe(prospect):
    return ContactFactory(prospect=prospect, name="Joe Buyer")


@pytest.fixture
def enrollment(cadence, prospect, joe):
    return enroll_and_plan(prospect, now=MONDAY_MORNING)


def _log(prospect, contact, *, outcome, at, what="", due=None):
    touch_id = uuid.uuid4()
    with TestCase.captureOnCommitCallbacks(execute=False):
        log_undo_keep(touch_id=touch_id, prospect_id=prospect.pk, contact_id=contact.pk, now=at)
        touch_log(
            rep=prospect.owner,
            data=TouchData(
                id=touch_id, prospect=prospect, contact=contact, channel="call", outcome=outcome, occurred_at=at
            ),
            now=at,
            next_step=NextStep(what=what, due_at=due) if what else None,
        )
    return touch_id


def test_undoing_a_meeting_booked_removes_its_next_step_and_its_engaged_status_and_says_so(enrollment, prospect, joe):
    at = MONDAY_MORNING + dt.timedelta(hours=2)
    touch_id = _log(prospect, joe, outcome="meeting_booked", at=at, what="Demo", due=at + dt.timedelta(days=2))
    enrollment.refresh_from_db()
    assert (Prospect.objects.get(pk=prospect.pk).status, enrollment.next_step) == ("engaged", "Demo")

    with TestCase.captureOnCommitCallbacks(execute=False):
        touches, restored = touches_undo(rep=prospect.owner, touch_id=touch_id, now=at + dt.timedelta(minutes=1))

    enrollment.refresh_from_db()
    assert len(touches) == 1
    assert restored == ["back to active (was engaged)", "next step “Demo” removed"]
    assert Prospect.objects.get(pk=prospect.pk).status == Prospect.Status.ACTIVE
    assert (enrollment.next_step, enrollment.next_step_due_at) == ("", None)
    event = LeadEvent.objects.get(prospect=prospect, kind=LeadEvent.Kind.UNDONE)
    assert event.actor == prospect.owner and "next step “Demo” removed" in event.detail
    assert not LogUndo.objects.exists()


def test_undoing_the_touch_that_answered_an_agreed_next_step_brings_the_next_step_back(enrollment, prospect, joe):
    at = MONDAY_MORNING + dt.timedelta(hours=2)
    _log(prospect, joe, outcome="connected", at=at, what="Send rates", due=at + dt.timedelta(hours=3))
    replan(enrollment, now=at)
    later = at + dt.timedelta(hours=3)
    touch_id = _log(prospect, joe, outcome="no_answer", at=later)
    enrollment.refresh_from_db()
    assert enrollment.next_step == ""  # answered: the next step is done

    with TestCase.captureOnCommitCallbacks(execute=False):
        _, restored = touches_undo(rep=prospect.owner, touch_id=touch_id, now=later)

    enrollment.refresh_from_db()
    assert enrollment.next_step == "Send rates" and "next step “Send rates” back" in restored


def test_undoing_a_wrong_person_clears_the_flag_it_set(enrollment, prospect, joe):
    at = MONDAY_MORNING + dt.timedelta(hours=2)
    touch_id = _log(prospect, joe, outcome="wrong_person", at=at)
    assert Contact.objects.get(pk=joe.pk).wrong_person

    with TestCase.captureOnCommitCallbacks(execute=False):
        _, restored = touches_undo(rep=prospect.owner, touch_id=touch_id, now=at)

    assert not Contact.objects.get(pk=joe.pk).wrong_person
    assert restored == ["Joe Buyer no longer marked wrong person"]


def test_what_a_log_changed_is_kept_only_for_the_undo_window(enrollment, prospect, joe):
    at = MONDAY_MORNING + dt.timedelta(hours=2)
    _log(prospect, joe, outcome="no_answer", at=at)

    assert log_undos_prune(now=at + dt.timedelta(minutes=10)) == 0
    assert log_undos_prune(now=at + dt.timedelta(hours=1)) == 1
    assert Enrollment.objects.filter(pk=enrollment.pk).exists()
