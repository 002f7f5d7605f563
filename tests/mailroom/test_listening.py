"""Reading the rep's INBOX on a real IMAP server: replies, out-of-offices, bounces and unsubscribes act on the
lead by themselves; mail that belongs to no lead is left alone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from cadence.models import Enrollment, FollowUp, LeadEvent
from cadence.services import enrollments_plan
from crm.models import Contact, Prospect
from crm.zones import zone
from mailroom.models import InboundEmail, Mailbox
from mailroom.services.listening import inbound_reclassify, mailbox_sync
from mailroom.services.outbox import email_send
from tests.factories import ContactFactory, ProspectFactory, UserFactory
from tests.mailroom.helpers import email_queued, lead_with_email_next, rep_with_mailbox
from touches.models import Outcome, Source, Touch

pytestmark = pytest.mark.django_db(transaction=True)
CORPUS = Path(__file__).parent / "corpus"


@pytest.fixture
def sent(mail, addresses, team):
    """Attempt 1's email went out to Dana at Acme Freight from Sam's mailbox, and the cadence planned what's next."""
    mailbox = rep_with_mailbox(mail, addresses("rep"), team=team)
    buyer = mail.add_user(addresses("dana"))
    mail.add_user(f"other1.{buyer}")
    prospect, contact, follow_up = lead_with_email_next(mailbox.user, to=buyer, contacts=2)
    row = email_queued(follow_up)
    assert email_send(outbound_id=row.pk, now=timezone.now()) == "sent"
    plan(prospect)
    assert mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now()).read == 0  # the reading starts here
    row.refresh_from_db()
    return mailbox, prospect, contact, row


def plan(prospect) -> None:
    ids = list(Enrollment.objects.filter(prospect=prospect).values_list("pk", flat=True))
    enrollments_plan(enrollment_ids=ids, now=timezone.now())


def corpus(name: str, *, mailbox: Mailbox, contact: Contact, message_id: str) -> bytes:
    """A corpus message as it would arrive for this test: its people and the Message-ID it answers made real."""
    raw = (CORPUS / name).read_bytes()
    raw = raw.replace(b"<sent-1@pursuit.test>", message_id.encode())
    raw = raw.replace(b"dana@acme.test", contact.email.encode()).replace(
        b"rep@pursuit.test", mailbox.from_address.encode()
    )
    return raw.replace(b"Tue, 01 Dec 2026", timezone.now().strftime("%a, %d %b %Y").encode())


def test_a_reply_is_logged_on_its_contact_and_the_cadence_steps_aside_for_a_next_step(mail, sent):
    mailbox, prospect, contact, row = sent
    mail.deliver(
        corpus("reply_with_quoted_history.eml", mailbox=mailbox, contact=contact, message_id=row.message_id),
        to=mailbox.from_address,
    )

    report = mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())

    assert (report.read, report.matched, report.verdicts) == (1, 1, {"reply": 1})
    reply = Touch.objects.get(prospect=prospect, outcome=Outcome.REPLIED)
    assert (reply.channel, reply.source, reply.contact_id) == ("email", Source.EMAIL, contact.pk)
    assert reply.message_id == "<CAD-reply-1@mail.acme.test>"
    assert reply.note.startswith("Hi Sam,\n\nThursday at 10 works.")
    prospect.refresh_from_db()
    assert prospect.status == Prospect.Status.ENGAGED
    plan(prospect)
    # Nothing more is sent or called on the cadence: the rep records the next step they agreed.
    assert not FollowUp.objects.filter(prospect=prospect, status=FollowUp.Status.PLANNED, is_next_step=False).exists()
    inbound = InboundEmail.objects.get()
    assert (inbound.verdict, inbound.reason, inbound.in_reply_to_id) == ("reply", "A reply from a person.", row.pk)
    # Read once: the next tick finds nothing new.
    assert mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now()).read == 0
    assert Touch.objects.filter(prospect=prospect, outcome=Outcome.REPLIED).count() == 1


def test_a_message_from_a_contact_is_matched_by_its_sender_when_it_answers_nothing_we_sent(mail, sent):
    mailbox, prospect, contact, row = sent
    raw = corpus("reply_with_quoted_history.eml", mailbox=mailbox, contact=contact, message_id="<elsewhere@x.test>")
    mail.deliver(raw, to=mailbox.from_address)

    mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())

    assert Touch.objects.filter(prospect=prospect, outcome=Outcome.REPLIED, contact=contact).count() == 1
    assert InboundEmail.objects.get().in_reply_to_id is None


def test_a_sender_is_matched_whatever_the_case_of_the_address_and_to_the_reps_own_lead_first(mail, sent, team):
    mailbox, prospect, contact, row = sent
    # The same person is also a contact of a teammate's more recently active lead.
    teammate_lead = ProspectFactory(owner=UserFactory(team=team), team=team, name="Acme Freight (Chicago)")
    ContactFactory(prospect=teammate_lead, name="Dana Buyer", phone="", email=contact.email)
    raw = corpus("reply_with_quoted_history.eml", mailbox=mailbox, contact=contact, message_id="<elsewhere@x.test>")
    mail.deliver(raw.replace(contact.email.encode(), contact.email.upper().encode()), to=mailbox.from_address)

    mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())

    assert InboundEmail.objects.get().contact_id == contact.pk
    assert not Touch.objects.filter(prospect=teammate_lead).exists()


def test_a_message_delivered_twice_is_taken_once(mail, sent):
    mailbox, prospect, contact, row = sent
    raw = corpus("reply_with_quoted_history.eml", mailbox=mailbox, contact=contact, message_id=row.message_id)
    mail.deliver(raw, to=mailbox.from_address)
    mail.deliver(raw, to=mailbox.from_address)

    report = mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())

    assert (report.read, report.matched) == (2, 1)
    assert Touch.objects.filter(prospect=prospect, outcome=Outcome.REPLIED).count() == 1


def test_mail_that_belongs_to_no_lead_is_left_alone_and_never_stored(mail, sent):
    mailbox, prospect, contact, row = sent
    raw = (CORPUS / "reply_with_quoted_history.eml").read_bytes().replace(b"<sent-1@pursuit.test>", b"<x@y.test>")
    mail.deliver(raw.replace(b"dana@acme.test", b"stranger@elsewhere.test"), to=mailbox.from_address)

    report = mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())

    assert (report.read, report.matched) == (1, 0)
    assert not InboundEmail.objects.exists()
    mailbox.refresh_from_db()
    assert mailbox.last_uid >= 1 and mailbox.sync_error == ""


def test_an_out_of_office_pauses_the_lead_until_the_working_day_after_its_return_date(mail, sent):
    mailbox, prospect, contact, row = sent
    back = timezone.now().date() + dt.timedelta(days=9)
    raw = corpus("outlook_out_of_office.eml", mailbox=mailbox, contact=contact, message_id=row.message_id)
    mail.deliver(raw.replace(b"Monday, December 7", back.isoformat().encode()), to=mailbox.from_address)

    assert mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now()).verdicts == {"out_of_office": 1}

    enrollment = Enrollment.objects.get(prospect=prospect)
    assert enrollment.status == Enrollment.Status.PAUSED
    tz = zone(prospect.timezone, fallback="UTC")
    # The all-day cadence works every day: the day after they are back, from midnight their time.
    assert enrollment.paused_until == dt.datetime.combine(back + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    event = LeadEvent.objects.get(prospect=prospect, kind=LeadEvent.Kind.PAUSED)
    assert "Out of office" in event.detail and f"back on {back:%a} {back.day} {back:%b %Y}" in event.detail
    assert not Touch.objects.filter(prospect=prospect, outcome=Outcome.REPLIED).exists()


def test_a_permanent_bounce_flags_the_address_and_the_planner_writes_to_the_next_contact(mail, sent):
    mailbox, prospect, contact, row = sent
    mail.deliver(
        corpus("postfix_dsn.eml", mailbox=mailbox, contact=contact, message_id=row.message_id), to=mailbox.from_address
    )

    assert mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now()).verdicts == {"bounce": 1}

    contact.refresh_from_db()
    assert contact.email_bounced
    row.refresh_from_db()
    assert row.touch.outcome == Outcome.BOUNCED  # the lead's history no longer says "Sent"
    plan(prospect)
    follow_up = FollowUp.objects.get(prospect=prospect, status=FollowUp.Status.PLANNED)
    assert follow_up.contact_id != contact.pk and follow_up.contact.name == "Other Buyer 1"


def test_a_delay_notice_changes_nothing(mail, sent):
    mailbox, prospect, contact, row = sent
    mail.deliver(
        corpus("delayed_dsn.eml", mailbox=mailbox, contact=contact, message_id=row.message_id), to=mailbox.from_address
    )

    assert mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now()).verdicts == {"delay": 1}

    contact.refresh_from_db()
    assert not contact.email_bounced


def test_a_refusal_of_our_sending_is_not_blamed_on_the_contact(mail, sent):
    mailbox, prospect, contact, row = sent
    mail.deliver(
        corpus("policy_refusal_dsn.eml", mailbox=mailbox, contact=contact, message_id=row.message_id),
        to=mailbox.from_address,
    )

    assert mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now()).verdicts == {"refused": 1}

    contact.refresh_from_db()
    inbound = InboundEmail.objects.get(contact=contact)
    assert not contact.email_bounced and not contact.do_not_contact
    assert "a problem with our sending" in inbound.reason and "not the contact's address" in inbound.reason


def test_a_spam_complaint_from_a_feedback_loop_opts_the_contact_out(mail, sent):
    mailbox, prospect, contact, row = sent
    mail.deliver(
        corpus("arf_complaint.eml", mailbox=mailbox, contact=contact, message_id=row.message_id),
        to=mailbox.from_address,
    )

    assert mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now()).verdicts == {"complaint": 1}

    contact.refresh_from_db()
    assert contact.do_not_contact
    assert not Touch.objects.filter(prospect=prospect, outcome=Outcome.REPLIED).exists()


@pytest.mark.parametrize("name", ["stop_reply.eml", "list_unsubscribe_mailto.eml"])
def test_an_unsubscribe_opts_the_person_out_for_good_and_the_lead_goes_on_with_the_next_contact(mail, sent, name):
    mailbox, prospect, contact, row = sent
    mail.deliver(corpus(name, mailbox=mailbox, contact=contact, message_id=row.message_id), to=mailbox.from_address)

    assert mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now()).verdicts == {"unsubscribe": 1}

    contact.refresh_from_db()
    prospect.refresh_from_db()
    assert contact.do_not_contact
    assert prospect.status != Prospect.Status.DO_NOT_CONTACT  # one person's opt-out does not close the company
    plan(prospect)
    follow_up = FollowUp.objects.get(prospect=prospect, status=FollowUp.Status.PLANNED)
    assert follow_up.contact_id != contact.pk and follow_up.contact.name == "Other Buyer 1"


def test_the_last_reachable_persons_unsubscribe_stops_the_lead(mail, sent):
    mailbox, prospect, contact, row = sent
    Contact.objects.filter(prospect=prospect).exclude(pk=contact.pk).update(do_not_contact=True)
    mail.deliver(
        corpus("stop_reply.eml", mailbox=mailbox, contact=contact, message_id=row.message_id), to=mailbox.from_address
    )

    mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())

    prospect.refresh_from_db()
    assert prospect.status == Prospect.Status.DO_NOT_CONTACT
    plan(prospect)
    assert not FollowUp.objects.filter(prospect=prospect, status=FollowUp.Status.PLANNED).exists()


def test_a_mailbox_with_a_wrong_password_shows_its_error_and_the_others_keep_syncing(mail, sent, addresses, team):
    mailbox, prospect, contact, row = sent
    broken = rep_with_mailbox(mail, addresses("rep2"), team=team, password="wrong")
    mail.deliver(
        corpus("reply_with_quoted_history.eml", mailbox=mailbox, contact=contact, message_id=row.message_id),
        to=mailbox.from_address,
    )

    assert (
        mailbox_sync(mailbox_id=broken.pk, now=timezone.now()).error == "IMAP: the user name or password was refused."
    )
    assert mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now()).matched == 1

    broken.refresh_from_db()
    assert broken.sync_error == "IMAP: the user name or password was refused." and broken.sync_failed_at


def test_a_rep_reclassifies_an_automatic_reply_as_a_reply_and_back(mail, sent):
    mailbox, prospect, contact, row = sent
    mail.deliver(
        corpus("french_auto_reply.eml", mailbox=mailbox, contact=contact, message_id=row.message_id).replace(
            b"claire@transports.test", contact.email.encode()
        ),
        to=mailbox.from_address,
    )
    mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())
    inbound = InboundEmail.objects.get()
    assert inbound.verdict == "auto_reply" and inbound.touch_id is None

    inbound = inbound_reclassify(inbound=inbound, verdict="reply", now=timezone.now())

    assert Touch.objects.alive().filter(prospect=prospect, outcome=Outcome.REPLIED).count() == 1
    assert inbound.reason.startswith("Reclassified by the rep as reply")

    inbound = inbound_reclassify(inbound=inbound, verdict="out_of_office", now=timezone.now())

    assert not Touch.objects.alive().filter(prospect=prospect, outcome=Outcome.REPLIED).exists()
    assert Enrollment.objects.get(prospect=prospect).status == Enrollment.Status.PAUSED


def test_an_unsubscribe_cannot_be_reclassified_away(mail, sent):
    from django.core.exceptions import ValidationError

    mailbox, prospect, contact, row = sent
    mail.deliver(
        corpus("stop_reply.eml", mailbox=mailbox, contact=contact, message_id=row.message_id), to=mailbox.from_address
    )
    mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())

    with pytest.raises(ValidationError, match="An opt-out is final"):
        inbound_reclassify(inbound=InboundEmail.objects.get(), verdict="reply", now=timezone.now())


# No message stops a mailbox; no stranger stops a lead.


def _message(*, headers: str, body: str = "Hello") -> bytes:
    date = timezone.now().strftime("%a, %d %b %Y %H:%M:%S +0000")
    return f"{headers}Date: {date}\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n{body}\r\n".encode()


def test_a_message_without_a_sender_is_read_past_and_the_reply_after_it_is_taken(mail, sent):
    mailbox, prospect, contact, row = sent
    mail.deliver(
        _message(headers=f"To: {mailbox.from_address}\r\nSubject: (no sender)\r\nMessage-ID: <nf@x.test>\r\n"),
        to=mailbox.from_address,
    )
    mail.deliver(
        _message(headers=f"From: \r\nTo: {mailbox.from_address}\r\nSubject: empty\r\nMessage-ID: <ef@x.test>\r\n"),
        to=mailbox.from_address,
    )
    mail.deliver(
        corpus("reply_with_quoted_history.eml", mailbox=mailbox, contact=contact, message_id=row.message_id),
        to=mailbox.from_address,
    )

    report = mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())

    mailbox.refresh_from_db()
    assert (report.error, report.read, report.verdicts) == ("", 3, {"reply": 1})  # flufl.bounce used to raise here
    assert mailbox.sync_error == "" and mailbox.last_uid >= 3
    assert Touch.objects.filter(prospect=prospect, outcome=Outcome.REPLIED).count() == 1


def test_a_message_that_cannot_be_read_is_kept_aside_shown_on_the_mailbox_page_and_never_read_again(
    mail, sent, client, monkeypatch
):
    from mailroom import classify
    from mailroom.models import UnreadableEmail
    from mailroom.services import listening

    mailbox, prospect, contact, row = sent
    real = classify.message_read

    def read(message):  # a bug of ours, or a message no code foresaw: it raises on this one alone
        if "poison" in str(message.get("Subject", "")):
            raise ValueError("a header nobody foresaw")
        return real(message)

    monkeypatch.setattr(listening, "message_read", read)
    mail.deliver(
        _message(
            headers=f"From: {contact.email}\r\nTo: {mailbox.from_address}\r\nSubject: poison\r\n"
            "Message-ID: <poison@x.test>\r\n"
        ),
        to=mailbox.from_address,
    )
    mail.deliver(
        corpus("reply_with_quoted_history.eml", mailbox=mailbox, contact=contact, message_id=row.message_id),
        to=mailbox.from_address,
    )

    first = mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())
    second = mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())

    mailbox.refresh_from_db()
    assert (first.error, first.unreadable, first.verdicts) == ("", 1, {"reply": 1})
    assert (second.read, second.unreadable) == (0, 0)  # the sync moved past it for good
    kept = UnreadableEmail.objects.get(mailbox=mailbox)
    assert kept.error == "ValueError: a header nobody foresaw" and b"poison" in bytes(kept.raw)
    client.force_login(mailbox.user)
    page = client.get("/mailbox/").content.decode()
    assert "1 message in your inbox could not be read" in page and "ValueError: a header nobody foresaw" in page


def test_a_stranger_with_reply_to_set_to_a_contact_cannot_opt_the_lead_out(mail, sent):
    mailbox, prospect, contact, row = sent
    stranger = mail.add_user(f"stranger.{contact.email}")
    mail.deliver(
        _message(
            headers=f"From: {stranger}\r\nReply-To: {contact.email}\r\nTo: {mailbox.from_address}\r\n"
            "Subject: unsubscribe\r\nMessage-ID: <forged@x.test>\r\n",
            body="unsubscribe",
        ),
        to=mailbox.from_address,
    )

    report = mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())

    contact.refresh_from_db()
    prospect.refresh_from_db()
    assert report.matched == 0 and not contact.do_not_contact
    assert prospect.status != Prospect.Status.DO_NOT_CONTACT


UNSUBSCRIBE_UNTHREADED = "From: {contact}\r\nTo: {rep}\r\nSubject: unsubscribe\r\nMessage-ID: <{tag}@acme.test>\r\n"


def test_an_unthreaded_stop_whose_sender_is_not_verified_waits_for_the_reps_confirmation(mail, sent, client):
    mailbox, prospect, contact, row = sent
    mail.deliver(
        _message(headers=UNSUBSCRIBE_UNTHREADED.format(contact=contact.email, rep=mailbox.from_address, tag="u1"),
                 body="unsubscribe"),
        to=mailbox.from_address,
    )  # fmt: skip

    assert mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now()).verdicts == {"unsubscribe": 1}

    contact.refresh_from_db()
    inbound = InboundEmail.objects.get(contact=contact)
    assert not contact.do_not_contact and inbound.awaiting_confirmation
    assert "its sender is not verified (no Authentication-Results from the receiving server)" in inbound.reason
    client.force_login(mailbox.user)
    page = client.get(f"/prospects/{prospect.pk}/").content.decode()
    assert "It is real: act on it" in page

    client.post(f"/mail-read/{inbound.pk}/confirm/")

    contact.refresh_from_db()
    inbound.refresh_from_db()
    assert contact.do_not_contact and not inbound.awaiting_confirmation and "Confirmed by the rep" in inbound.reason


@pytest.mark.parametrize(
    ("results", "acted"),
    [
        (["mx.pursuit.test; dmarc=pass (p=reject) header.from=acme.test"], True),
        (["mx.pursuit.test; spf=pass smtp.mailfrom=bounces.acme.test; dkim=none"], True),
        (["mx.pursuit.test; dkim=pass header.d=evil.test; spf=pass smtp.mailfrom=evil.test; dmarc=fail"], False),
        # The sender's own header below the receiving server's: not believed.
        (["mx.pursuit.test; dmarc=fail header.from=acme.test", "mx.pursuit.test; dmarc=pass header.from=acme.test"],
         False),
    ],
)  # fmt: skip
def test_an_unthreaded_stop_is_acted_on_only_when_the_receiving_server_verified_its_sender(mail, sent, results, acted):
    mailbox, prospect, contact, row = sent
    headers = "".join(f"Authentication-Results: {value}\r\n" for value in results)
    mail.deliver(
        _message(headers=headers + UNSUBSCRIBE_UNTHREADED.format(contact=contact.email, rep=mailbox.from_address,
                 tag="u2"), body="unsubscribe"),
        to=mailbox.from_address,
    )  # fmt: skip

    mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())

    contact.refresh_from_db()
    assert contact.do_not_contact is acted


def test_a_forged_bounce_that_returns_none_of_our_emails_does_not_flag_a_teammates_contact(mail, sent, team):
    mailbox, prospect, contact, row = sent
    teammate = UserFactory(team=team)
    theirs = ContactFactory(prospect=ProspectFactory(team=team, owner=teammate), email=f"lee.{contact.email}")
    forged = (
        f"From: MAILER-DAEMON@mx.acme.test\r\nTo: {mailbox.from_address}\r\nSubject: Undelivered Mail Returned to "
        f"Sender\r\nMessage-ID: <forged-bounce@x.test>\r\nX-Failed-Recipients: {theirs.email}\r\n"
    )
    mail.deliver(_message(headers=forged, body=f"<{theirs.email}>: 550 5.1.1 User unknown"), to=mailbox.from_address)

    mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())

    theirs.refresh_from_db()
    inbound = InboundEmail.objects.get(contact=theirs)
    assert not theirs.email_bounced and inbound.awaiting_confirmation


def test_a_bounce_reclassified_as_something_else_gives_the_email_back_its_sent(mail, sent):
    mailbox, prospect, contact, row = sent
    mail.deliver(
        corpus("postfix_dsn.eml", mailbox=mailbox, contact=contact, message_id=row.message_id), to=mailbox.from_address
    )
    mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())
    inbound = InboundEmail.objects.get(contact=contact)

    inbound_reclassify(inbound=inbound, verdict="delay", now=timezone.now())

    row.refresh_from_db()
    contact.refresh_from_db()
    assert row.touch.outcome == Outcome.SENT and not contact.email_bounced


def test_a_reply_from_a_teammates_contact_is_logged_on_their_lead_saying_whose_inbox_it_reached(
    mail, sent, team, client
):
    mailbox, prospect, contact, row = sent
    lee = UserFactory(team=team, first_name="Lee", last_name="Park")
    theirs = ContactFactory(prospect=ProspectFactory(team=team, owner=lee, name="Harbor Lines"),
                            email=mail.add_user(f"kim.{contact.email}"))  # fmt: skip
    mail.deliver(
        _message(
            headers=f"From: {theirs.email}\r\nTo: {mailbox.from_address}\r\nSubject: Pricing\r\n"
            "Message-ID: <teammate-1@x.test>\r\n",
            body="Could you send me your lane pricing?",
        ),
        to=mailbox.from_address,
    )

    mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())

    touch = Touch.objects.get(contact=theirs, outcome=Outcome.REPLIED)
    assert touch.rep == lee
    assert touch.note.startswith(f"[Reached {mailbox.user}'s inbox, not Lee Park's.] Could you send me")
    client.force_login(mailbox.user)
    page = client.get("/mailbox/").content.decode()
    assert "Read in your inbox for a teammate's lead" in page and "Harbor Lines" in page
