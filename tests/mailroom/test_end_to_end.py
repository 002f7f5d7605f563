"""End to end with a real Celery worker, real SMTP and IMAP servers: attempt 3's email goes out from My day, the
prospect answers it, and one beat tick later the reply is logged and the cadence has stepped aside."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from cadence.models import FollowUp
from cadence.services import enrollment_create, enrollments_plan
from mailroom.models import OutboundEmail
from tests.factories import ContactFactory, ProspectFactory, TouchFactory, zone_in_working_hours
from tests.mailroom.helpers import all_day_cadence, rep_with_mailbox
from tests.worker import wait_for
from touches.models import Outcome, Touch

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


def test_a_reply_to_attempt_3s_email_is_logged_one_beat_tick_later_and_the_cadence_steps_aside(
    client, mail, addresses, team, celery_worker_process
):
    from mailroom.tasks import mailboxes_sync

    mailbox = rep_with_mailbox(mail, addresses("rep"), team=team)
    rep = mailbox.user
    prospect = ProspectFactory(owner=rep, name="Acme Freight", timezone=zone_in_working_hours(), country="")
    contact = ContactFactory(prospect=prospect, name="Dana Buyer", phone="", email=mail.add_user(addresses("dana")))
    now = timezone.now()
    with TestCase.captureOnCommitCallbacks(execute=False):
        enrollment = enrollment_create(prospect=prospect, now=now - dt.timedelta(days=6), cadence=all_day_cadence(team))
    for days_ago in (5, 3):  # attempts 1 and 2 went unanswered
        TouchFactory(
            prospect=prospect,
            contact=contact,
            channel="email",
            outcome=Outcome.SENT,
            occurred_at=now - dt.timedelta(days=days_ago),
        )
    enrollments_plan(enrollment_ids=[enrollment.pk], now=now)
    # Each touch above asked the worker for a plan too: while it holds the lead, the plan above skips it (SKIP
    # LOCKED), and the worker's is the one to wait for.
    follow_up = wait_for(
        lambda: FollowUp.objects.filter(enrollment=enrollment, status=FollowUp.Status.PLANNED).first(), timeout=30
    )
    assert (follow_up.channel, follow_up.attempt) == ("email", 3)

    client.force_login(rep)
    details = client.get(reverse("follow_up_why", args=[follow_up.pk]), HTTP_HX_REQUEST="true").content.decode()
    outbound = re.search(r'name="outbound" value="([0-9a-f-]{36})"', details).group(1)
    client.post(
        reverse("follow_up_email_send", args=[follow_up.pk]),
        {"outbound": outbound, "subject": "Rates for the Chicago lane", "body": "Hi Dana, here they are."},
        HTTP_HX_REQUEST="true",
    )
    sent = wait_for(lambda: OutboundEmail.objects.filter(pk=outbound, state="sent").first(), timeout=30)
    assert len(mail.messages(contact.email)) == 1

    reply = (
        f"From: Dana Buyer <{contact.email}>\r\nTo: {mailbox.from_address}\r\n"
        "Subject: Re: Rates for the Chicago lane\r\n"
        f"Message-ID: <reply-{outbound}@acme.test>\r\n"
        f"In-Reply-To: {sent.message_id}\r\nReferences: {sent.message_id}\r\n"
        f"Date: {timezone.now():%a, %d %b %Y %H:%M:%S +0000}\r\n\r\nThanks Sam, call me Thursday at 10.\r\n"
    ).encode()
    mail.deliver(reply, to=mailbox.from_address)
    mailboxes_sync.delay()  # the beat's tick

    replied = wait_for(lambda: Touch.objects.filter(prospect=prospect, outcome=Outcome.REPLIED).first(), timeout=30)
    assert replied.message_id == f"<reply-{outbound}@acme.test>"
    assert replied.note == "Thanks Sam, call me Thursday at 10."

    # The worker plans after the reply (its earlier plan of attempt 4 may land first): in the end nothing more is
    # sent on the cadence, and the rep is asked for the next step.
    def stepped_aside():
        enrollment.refresh_from_db()
        planned = FollowUp.objects.filter(prospect=prospect, status="planned").exists()
        return "record a next step" in enrollment.last_reason and not planned

    wait_for(stepped_aside, timeout=45)
