"""What a rep sees of email in the browser: connecting a mailbox, sending a follow-up's email from My day, the
states of a message, reclassifying what was read, and the unsubscribe link of every email."""

from __future__ import annotations

import html
import re
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from devserver.mailservers import PASSWORD
from mailroom.models import InboundEmail, Mailbox, OutboundEmail
from mailroom.services.outbox import email_message, email_queue
from tests.factories import UserFactory
from tests.mailroom.helpers import lead_with_email_next, rep_with_mailbox
from tests.threads import together
from touches.models import Outcome, Touch

pytestmark = pytest.mark.django_db(transaction=True)


def settings_post(mail, address, **changes):
    data = {
        "from_address": address,
        "from_name": "Sam Rep",
        "smtp_host": "127.0.0.1",
        "smtp_port": mail.smtp_port,
        "smtp_security": "none",
        "smtp_username": address,
        "smtp_password": PASSWORD,
        "imap_host": "127.0.0.1",
        "imap_port": mail.imap_port,
        "imap_security": "none",
        "imap_username": address,
        "imap_password": PASSWORD,
        "imap_folder": "INBOX",
        "sent_folder": "Sent",
        "daily_cap": 200,
        "action": "test",
    }
    return {**data, **changes}


def test_a_rep_connects_a_mailbox_and_the_test_logs_in_to_both_servers(client, mail, addresses, team, eager_celery):
    rep = UserFactory(team=team)
    address = mail.add_user(addresses("rep"))
    client.force_login(rep)

    page = client.post(reverse("mailbox_settings"), settings_post(mail, address), follow=True)

    assert page.status_code == 200
    shown = page.content.decode()
    assert "✓ SMTP: logged in." in shown and "✓ IMAP: logged in, folders found." in shown
    mailbox = Mailbox.objects.get(user=rep)
    # Encrypted at rest, never shown back.
    assert PASSWORD.encode() not in bytes(mailbox.smtp_password_encrypted)
    assert PASSWORD not in shown
    assert PASSWORD not in client.get(reverse("mailbox_settings")).content.decode()


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"smtp_password": "wrong", "imap_password": "wrong"}, "SMTP: the user name or password was refused."),
        ({"imap_password": "wrong"}, "IMAP: the user name or password was refused."),
        ({"smtp_port": 1}, "SMTP: the server refused the connection. Check the host and port."),
        ({"smtp_host": "no-such-host.invalid"}, "SMTP: the server name could not be found (DNS). Check the host."),
        ({"sent_folder": "Envoyés"}, 'IMAP: the folder "Envoyés" does not exist.'),
        ({"smtp_security": "tls"}, "SMTP: the secure connection failed"),
    ],
)
def test_the_connection_test_says_exactly_what_failed(client, mail, addresses, team, changes, said, eager_celery):
    rep = UserFactory(team=team)
    address = mail.add_user(addresses("rep"))
    client.force_login(rep)

    page = client.post(reverse("mailbox_settings"), settings_post(mail, address, **changes), follow=True)

    assert said in html.unescape(page.content.decode())


def test_the_email_of_an_email_follow_up_is_sent_from_my_day_once_however_often_the_form_is_posted(
    client, mail, addresses, team
):
    mailbox = rep_with_mailbox(mail, addresses("rep"), team=team)
    buyer = mail.add_user(addresses("dana"))
    prospect, contact, follow_up = lead_with_email_next(mailbox.user, to=buyer)
    client.force_login(mailbox.user)

    details = client.get(reverse("follow_up_why", args=[follow_up.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert f"From {mailbox.from_address} to Dana Buyer" in details
    outbound = re.search(r'name="outbound" value="([0-9a-f-]{36})"', details).group(1)
    subject = re.search(r'name="subject"[^>]*value="([^"]*)"', details).group(1)
    assert subject  # the team's ready email, filled in
    form = {"outbound": outbound, "subject": subject, "body": "Hi Dana, a quick one."}

    answers = []

    def post():
        other = Client()  # a browser retry comes on a connection of its own
        other.force_login(mailbox.user)
        answers.append(other.post(reverse("follow_up_email_send", args=[follow_up.pk]), form, HTTP_HX_REQUEST="true"))
        connection.close()

    together(post, times=2)

    assert OutboundEmail.objects.filter(follow_up=follow_up).count() == 1
    again = client.post(reverse("follow_up_email_send", args=[follow_up.pk]), form, HTTP_HX_REQUEST="true")
    assert "Queued" in again.content.decode()
    assert OutboundEmail.objects.count() == 1


def test_a_send_with_an_empty_subject_says_so_next_to_the_field_and_queues_nothing(client, mail, addresses, team):
    mailbox = rep_with_mailbox(mail, addresses("rep"), team=team)
    _, _, follow_up = lead_with_email_next(mailbox.user, to=mail.add_user(addresses("dana")))
    client.force_login(mailbox.user)

    page = client.post(
        reverse("follow_up_email_send", args=[follow_up.pk]),
        {"outbound": str(uuid.uuid4()), "subject": "", "body": "Hi"},
        HTTP_HX_REQUEST="true",
    )

    assert page.status_code == 422
    assert re.search(r'id="fu\d+_subject".*?<p class="errorlist" id="fu\d+_subject_error"', page.content.decode(), re.S)
    assert not OutboundEmail.objects.exists()


def test_another_reps_follow_up_cannot_be_sent_from(client, mail, addresses, team):
    mailbox = rep_with_mailbox(mail, addresses("rep"), team=team)
    _, _, follow_up = lead_with_email_next(mailbox.user, to=mail.add_user(addresses("dana")))
    stranger = rep_with_mailbox(mail, addresses("rep2")).user  # another team
    client.force_login(stranger)

    page = client.post(
        reverse("follow_up_email_send", args=[follow_up.pk]),
        {"outbound": str(uuid.uuid4()), "subject": "Hi", "body": "Hi"},
    )

    assert page.status_code == 404
    assert not OutboundEmail.objects.exists()


def test_the_one_click_unsubscribe_link_opts_the_contact_out_once(mail, addresses, team):
    mailbox = rep_with_mailbox(mail, addresses("rep"), team=team)
    prospect, contact, follow_up = lead_with_email_next(mailbox.user, to=mail.add_user(addresses("dana")))
    row, _ = email_queue(
        rep=mailbox.user, follow_up=follow_up, outbound_id=uuid.uuid4(), subject="Hi", body="Hi", now=timezone.now()
    )
    link = re.search(r"<(http[^>]+/u/[^>]+)>", email_message(row)["List-Unsubscribe"]).group(1)
    path = link.split("://", 1)[1].split("/", 1)[1]
    anonymous = Client(enforce_csrf_checks=True)

    assert anonymous.get(f"/{path}").status_code == 200  # a link scanner's GET changes nothing
    assert not Touch.objects.filter(outcome=Outcome.OPTED_OUT).exists()
    # RFC 8058: the mail client POSTs List-Unsubscribe=One-Click, with no session and no CSRF token.
    assert anonymous.post(f"/{path}", {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert anonymous.post(f"/{path}", {"List-Unsubscribe": "One-Click"}).status_code == 200

    contact.refresh_from_db()
    assert contact.do_not_contact
    assert Touch.objects.filter(outcome=Outcome.OPTED_OUT).count() == 1
    assert anonymous.post("/u/forged-token/").status_code == 404


def test_a_rep_of_another_team_cannot_reclassify_what_was_read(client, mail, addresses, team):
    mailbox = rep_with_mailbox(mail, addresses("rep"), team=team)
    prospect, contact, _ = lead_with_email_next(mailbox.user, to=mail.add_user(addresses("dana")))
    inbound = InboundEmail.objects.create(
        mailbox=mailbox,
        uidvalidity=1,
        uid=1,
        prospect=prospect,
        contact=contact,
        received_at=timezone.now(),
        verdict="auto_reply",
        reason="An automatic reply.",
        raw=b"Subject: x\r\n\r\nx",
        created_at=timezone.now(),
    )
    client.force_login(UserFactory())

    page = client.post(reverse("inbound_reclassify", args=[inbound.pk]), {"verdict": "reply"})

    assert page.status_code == 404
    inbound.refresh_from_db()
    assert inbound.verdict == "auto_reply"
