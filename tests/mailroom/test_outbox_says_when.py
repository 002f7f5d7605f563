"""An email that must wait says so when it is queued, with the real time; it is dated when it leaves; and a follow-up
answered by hand cancels its waiting email and says so."""

from __future__ import annotations

import datetime as dt
import uuid
from email.utils import parsedate_to_datetime

import pytest
from django.test import TestCase

from cadence.models import FollowUp
from cadence.services import enrollment_create, enrollments_plan
from mailroom.models import OutboundEmail
from mailroom.selectors import outbox_notes_for_follow_ups
from mailroom.services.mailboxes import mailboxes_demo_connect
from mailroom.services.outbox import email_message, email_queue, outbox_cancel_for_follow_up
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

# Tuesday 3 March 2026, 06:00 in New York: before the cadence's first window (08:00 their time).
EARLY = dt.datetime(2026, 3, 3, 11, 0, tzinfo=dt.UTC)


@pytest.fixture
def email_follow_up(alice, prospect, cadence):
    alice.email = "alice@freight.example"
    alice.save()
    mailboxes_demo_connect(users=[alice])
    ContactFactory(prospect=prospect, name="Joe Buyer", phone="", email="joe@globex.example", timezone="")
    with TestCase.captureOnCommitCallbacks(execute=False):
        enrollment = enrollment_create(prospect=prospect, now=EARLY)
    enrollments_plan(enrollment_ids=[enrollment.pk], now=EARLY)
    follow_up = FollowUp.objects.select_related("rep", "contact", "prospect").get(
        enrollment=enrollment, status="planned"
    )
    assert follow_up.channel == "email"
    return follow_up


def _queue(follow_up: FollowUp, *, now: dt.datetime) -> OutboundEmail:
    with TestCase.captureOnCommitCallbacks(execute=False):
        row, _ = email_queue(
            rep=follow_up.rep, follow_up=follow_up, outbound_id=uuid.uuid4(), subject="Lanes", body="Hi Joe", now=now
        )
    return row


def test_an_email_queued_before_the_contacts_window_says_when_it_goes_on_the_row_at_once(email_follow_up):
    row = _queue(email_follow_up, now=EARLY)

    row.refresh_from_db()
    assert row.state == OutboundEmail.State.WAITING
    assert row.wait_reason == "Waits for the contact's window: Tue 3 Mar 08:00 their time."
    notes = outbox_notes_for_follow_ups(follow_up_ids=[email_follow_up.pk])
    assert notes[email_follow_up.pk] == "Email waits for the contact's window: Tue 3 Mar 08:00 their time."


def test_an_email_is_dated_when_it_leaves_not_when_it_was_queued(email_follow_up):
    row = _queue(email_follow_up, now=EARLY)
    row.sending_at = EARLY + dt.timedelta(hours=2, minutes=1)

    message = email_message(row)

    assert parsedate_to_datetime(message["Date"]) == EARLY + dt.timedelta(hours=2, minutes=1)


def test_a_follow_up_answered_by_hand_cancels_its_waiting_email_and_says_why(email_follow_up):
    row = _queue(email_follow_up, now=EARLY)

    cancelled = outbox_cancel_for_follow_up(follow_up_id=email_follow_up.pk, why="Not sent: “I sent it myself”.")

    row.refresh_from_db()
    assert cancelled is not None and row.state == OutboundEmail.State.FAILED
    assert outbox_notes_for_follow_ups(follow_up_ids=[email_follow_up.pk]) == {
        email_follow_up.pk: "Not sent: “I sent it myself”."
    }
