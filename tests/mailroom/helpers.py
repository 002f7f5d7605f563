"""Builders for the mail tests: a rep whose mailbox is on the test servers, and a lead whose next attempt is an
email, planned on the real clock in a zone where it is midday (the cadence's window is open all day)."""

from __future__ import annotations

import uuid

from django.test import TestCase
from django.utils import timezone

from cadence.models import FollowUp
from cadence.services import enrollment_create, enrollments_plan
from devserver.mailservers import PASSWORD, MailServers
from mailroom.models import Mailbox
from mailroom.services.mailboxes import mailbox_save
from mailroom.services.outbox import email_queue
from tests.factories import CadenceFactory, ContactFactory, ProspectFactory, UserFactory, zone_in_working_hours


def rep_with_mailbox(mail: MailServers, address: str, *, team=None, password: str = PASSWORD, **settings) -> Mailbox:
    mail.add_user(address)
    rep = UserFactory(team=team) if team is not None else UserFactory()
    return mailbox_save(
        user=rep,
        settings={
            "from_address": address,
            "from_name": "Sam Rep",
            "smtp_host": "127.0.0.1",
            "smtp_port": mail.smtp_port,
            "smtp_security": Mailbox.Security.NONE,
            "smtp_username": address,
            "imap_host": "127.0.0.1",
            "imap_port": mail.imap_port,
            "imap_security": Mailbox.Security.NONE,
            "imap_username": address,
            **settings,
        },
        smtp_password=password,
        imap_password=password,
    )


def all_day_cadence(team):
    return CadenceFactory(team=team, windows=[["08:00", "21:00"]], working_weekdays=[0, 1, 2, 3, 4, 5, 6])


def lead_with_email_next(rep, *, to: str, cadence=None, contacts: int = 1, name: str = "Acme Freight"):
    """A lead owned by `rep` whose contact can only be written to (no phone): its next attempt is an email."""
    prospect = ProspectFactory(owner=rep, name=name, timezone=zone_in_working_hours(), country="")
    first = ContactFactory(prospect=prospect, name="Dana Buyer", phone="", email=to)
    for number in range(1, contacts):
        ContactFactory(prospect=prospect, name=f"Other Buyer {number}", phone="", email=f"other{number}.{to}")
    cadence = cadence or all_day_cadence(rep.team)
    now = timezone.now()
    with TestCase.captureOnCommitCallbacks(execute=False):
        enrollment = enrollment_create(prospect=prospect, now=now, cadence=cadence)
    enrollments_plan(enrollment_ids=[enrollment.pk], now=now)
    follow_up = FollowUp.objects.get(enrollment=enrollment, status=FollowUp.Status.PLANNED)
    assert follow_up.channel == "email", follow_up.reason
    return prospect, first, follow_up


def email_queued(follow_up: FollowUp, *, subject: str = "A quick one", body: str = "Hi Dana", now=None):
    """The follow-up's email, queued by its rep as the compose form would (a fresh form id): the row."""
    row, _ = email_queue(
        rep=follow_up.rep,
        follow_up=follow_up,
        outbound_id=uuid.uuid4(),
        subject=subject,
        body=body,
        now=now or timezone.now(),
    )
    return row
