"""Sending an email follow-up through the rep's own SMTP server, exactly once, on real servers."""

from __future__ import annotations

import datetime as dt
import email
import re
import uuid
from email import policy

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cadence.models import FollowUp
from crm.models import Contact
from mailroom.models import OutboundEmail
from mailroom.services import outbox
from mailroom.services.outbox import email_queue, email_recover, email_send, outbox_sweep
from tests.mailroom.helpers import lead_with_email_next, rep_with_mailbox
from touches.models import Outcome, Source, Touch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sending(mail, addresses, team):
    mailbox = rep_with_mailbox(mail, addresses("rep"), team=team)
    buyer = mail.add_user(addresses("dana"))
    prospect, contact, follow_up = lead_with_email_next(mailbox.user, to=buyer)
    return mailbox, prospect, contact, follow_up


def queue(mailbox, follow_up, *, subject="Attempt 3: a quick one", body="Hi Dana,\n\nA quick one.\n\nSam"):
    row, created = email_queue(
        rep=mailbox.user, follow_up=follow_up, outbound_id=uuid.uuid4(), subject=subject, body=body, now=timezone.now()
    )
    assert created
    return row


def test_a_sent_email_reaches_the_contact_and_is_logged_once_as_sent_with_its_message_id(mail, sending):
    mailbox, prospect, contact, follow_up = sending

    row = queue(mailbox, follow_up)
    assert email_send(outbound_id=row.pk, now=timezone.now()) == "sent"
    assert email_send(outbound_id=row.pk, now=timezone.now()) == "sent"  # a redelivered task changes nothing

    received = mail.messages(contact.email)
    assert len(received) == 1
    message = email.message_from_bytes(received[0], policy=policy.default)
    assert message["Message-ID"] == row.message_id
    assert message["Subject"] == "Attempt 3: a quick one"
    assert "mailto:" + mailbox.from_address in message["List-Unsubscribe"]
    assert "/u/" in message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # As a mail client reads it: the raw header names the one-click URL in plain <https://...>, on one line, not
    # RFC 2047-encoded (RFC 2369 and RFC 8058).
    raw_header = next(line for line in received[0].split(b"\r\n") if line.startswith(b"List-Unsubscribe:"))
    assert re.search(rb"<https?://[^>\s]+/u/[^>\s]+/>", raw_header) and b"=?" not in raw_header
    touch = Touch.objects.get(prospect=prospect)
    assert (touch.channel, touch.outcome, touch.source) == ("email", Outcome.SENT, Source.EMAIL)
    assert touch.message_id == row.message_id
    assert touch.contact_id == contact.pk
    row.refresh_from_db()
    assert row.state == OutboundEmail.State.SENT and row.touch_id == touch.pk
    # The copy in the Sent folder is what a recovering send looks for.
    assert len(mail.messages(mailbox.from_address, "Sent")) == 1
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DONE


def test_a_worker_that_dies_after_the_copy_is_in_sent_is_finished_as_sent_without_sending_again(
    mail, sending, monkeypatch
):
    mailbox, prospect, contact, follow_up = sending
    row = queue(mailbox, follow_up)

    def die(**kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(outbox, "email_mark_sent", die)
    with pytest.raises(SystemExit):
        email_send(outbound_id=row.pk, now=timezone.now())
    monkeypatch.undo()
    row.refresh_from_db()
    assert row.state == OutboundEmail.State.SENDING

    later = timezone.now() + outbox.SENDING_STALE_AFTER + dt.timedelta(minutes=1)
    assert outbox_sweep(now=later) == {"due": 0, "recovered": 1}

    row.refresh_from_db()
    assert row.state == OutboundEmail.State.SENT, (row.error, mail.messages(mailbox.from_address, "Sent"))
    assert len(mail.messages(contact.email)) == 1
    assert Touch.objects.filter(prospect=prospect, outcome=Outcome.SENT).count() == 1


def test_a_worker_that_dies_between_the_servers_acceptance_and_the_copy_leaves_it_for_the_rep_to_confirm(
    mail, sending, monkeypatch
):
    mailbox, prospect, contact, follow_up = sending
    row = queue(mailbox, follow_up)

    def die(*args):
        raise SystemExit("worker killed")

    monkeypatch.setattr(outbox, "_sent_copy_keep", die)
    with pytest.raises(SystemExit):
        email_send(outbound_id=row.pk, now=timezone.now())
    monkeypatch.undo()

    later = timezone.now() + outbox.SENDING_STALE_AFTER + dt.timedelta(minutes=1)
    assert email_recover(outbound_id=row.pk, now=later) == "unsure"
    # Redelivered, the task does not send blindly.
    assert email_send(outbound_id=row.pk, now=later) == "unsure"
    assert len(mail.messages(contact.email)) == 1
    assert not Touch.objects.filter(prospect=prospect).exists()

    outbox.email_mark_sent(outbound_id=row.pk, now=later, by=mailbox.user)  # the rep: "it was sent"
    assert Touch.objects.filter(prospect=prospect, outcome=Outcome.SENT).count() == 1


def test_a_permanent_refusal_is_shown_on_the_message_and_logs_no_touch(mail, mailbox_and_unknown_recipient):
    mailbox, prospect, follow_up = mailbox_and_unknown_recipient
    row = queue(mailbox, follow_up)

    assert email_send(outbound_id=row.pk, now=timezone.now()) == "refused"

    row.refresh_from_db()
    assert row.state == OutboundEmail.State.FAILED
    assert row.error.startswith("No such address: flagged, the next email goes to another contact.")
    assert "The mail server refused it: 550 5.1.1 No such user here" in row.error
    assert not Touch.objects.filter(prospect=prospect).exists()
    assert row.contact.__class__.objects.get(pk=row.contact_id).email_bounced


def test_a_subject_with_a_line_separator_is_refused_when_composed_with_the_reason_on_its_field(mail, sending):
    mailbox, prospect, contact, follow_up = sending

    with pytest.raises(ValidationError) as refused:
        queue(mailbox, follow_up, subject="Attempt 3\u2028Bcc: someone@else.test")

    assert refused.value.message_dict == {
        "subject": ["Remove the control characters (line breaks, tabs...) from this text."]
    }
    assert not OutboundEmail.objects.exists()


def test_an_address_outside_ascii_is_refused_when_composed_and_never_left_as_sent_question(mail, sending):
    mailbox, prospect, contact, follow_up = sending
    Contact.objects.filter(pk=contact.pk).update(email="dänä@acme.test")

    with pytest.raises(ValidationError) as refused:
        queue(mailbox, FollowUp.objects.get(pk=follow_up.pk))
    assert "dänä@acme.test has letters outside ASCII" in refused.value.messages[0]

    # One queued before the address changed (or through a path that did not check): it fails with the reason,
    # never "Sent? Please confirm".
    Contact.objects.filter(pk=contact.pk).update(email=contact.email)
    row = queue(mailbox, FollowUp.objects.get(pk=follow_up.pk))
    Contact.objects.filter(pk=contact.pk).update(email="dänä@acme.test")
    assert email_send(outbound_id=row.pk, now=timezone.now()) == "unbuildable"
    row.refresh_from_db()
    assert row.state == OutboundEmail.State.FAILED and "outside ASCII" in row.error and row.sending_at is None


@pytest.fixture
def mailbox_and_unknown_recipient(mail, addresses, team):
    mailbox = rep_with_mailbox(mail, addresses("rep"), team=team)
    prospect, _, follow_up = lead_with_email_next(mailbox.user, to=addresses("nobody"))  # not a user: 550
    return mailbox, prospect, follow_up


def test_a_contact_who_opted_out_after_the_email_was_queued_is_not_written_to(mail, sending):
    mailbox, prospect, contact, follow_up = sending
    row = queue(mailbox, follow_up)
    Contact.objects.filter(pk=contact.pk).update(do_not_contact=True)

    assert email_send(outbound_id=row.pk, now=timezone.now()) == "stopped"

    row.refresh_from_db()
    assert row.state == OutboundEmail.State.FAILED and "asked not to be contacted" in row.error
    assert mail.messages(contact.email) == []


def test_a_bounced_address_is_checked_again_at_the_moment_of_sending(mail, sending):
    mailbox, prospect, contact, follow_up = sending
    row = queue(mailbox, follow_up)
    Contact.objects.filter(pk=contact.pk).update(email_bounced=True)

    assert email_send(outbound_id=row.pk, now=timezone.now()) == "stopped"
    assert mail.messages(contact.email) == []


def test_the_daily_cap_holds_the_rest_until_tomorrow_and_says_why(mail, sending):
    mailbox, prospect, contact, follow_up = sending
    mailbox.daily_cap = 1
    mailbox.save()
    OutboundEmail.objects.create(
        mailbox=mailbox,
        rep=mailbox.user,
        prospect=prospect,
        contact=contact,
        to_address=contact.email,
        subject="earlier",
        body="earlier",
        message_id="<earlier@pursuit.test>",
        state=OutboundEmail.State.SENT,
        queued_at=timezone.now(),
        sent_at=timezone.now(),
    )
    row = queue(mailbox, follow_up)

    assert email_send(outbound_id=row.pk, now=timezone.now()) == "waiting"

    row.refresh_from_db()
    assert row.state == OutboundEmail.State.WAITING
    assert row.wait_reason == "Your mailbox's daily cap (1) is reached: it goes tomorrow."
    assert row.not_before > timezone.now()
    assert mail.messages(contact.email) == []


def test_an_email_waits_for_the_contacts_window_and_goes_when_it_opens(mail, addresses, team):
    from tests.mailroom.helpers import all_day_cadence

    mailbox = rep_with_mailbox(mail, addresses("rep"), team=team)
    buyer = mail.add_user(addresses("dana"))
    prospect, contact, follow_up = lead_with_email_next(mailbox.user, to=buyer, cadence=all_day_cadence(team))
    # The window closes before the message goes: it is 22:00 their time (the window ends at 21:00).
    their_night = timezone.now().astimezone(contact.prospect.tz if hasattr(contact.prospect, "tz") else None)
    from crm.zones import zone

    tz = zone(prospect.timezone, fallback="UTC")
    night = timezone.now().astimezone(tz).replace(hour=22, minute=0)
    row = queue(mailbox, follow_up)

    assert email_send(outbound_id=row.pk, now=night) == "waiting"
    row.refresh_from_db()
    assert row.wait_reason.startswith("Waits for the contact's window: ")
    assert row.wait_reason.endswith("08:00 their time.")
    assert row.not_before.astimezone(tz).hour == 8
    assert mail.messages(contact.email) == []
    del their_night


def test_the_outbox_sweep_starts_only_messages_nobody_is_on(mail, sending):
    mailbox, prospect, contact, follow_up = sending
    just_queued = queue(mailbox, follow_up)  # its task is on the way
    now = timezone.now()
    assert outbox_sweep(now=now) == {"due": 0, "recovered": 0}

    # A minute later without its task having started, it is presumed lost and started again.
    assert outbox_sweep(now=now + outbox.TASK_PRESUMED_LOST + dt.timedelta(seconds=1)) == {"due": 1, "recovered": 0}

    # A wait is taken up when it ends, not before.
    OutboundEmail.objects.filter(pk=just_queued.pk).update(
        state=OutboundEmail.State.WAITING, not_before=now + dt.timedelta(hours=1)
    )
    assert outbox_sweep(now=now + dt.timedelta(minutes=59)) == {"due": 0, "recovered": 0}
    assert outbox_sweep(now=now + dt.timedelta(minutes=61)) == {"due": 1, "recovered": 0}
