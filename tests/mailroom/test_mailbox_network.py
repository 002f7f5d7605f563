"""A mailbox's settings cannot turn Pursuit into a scanner of its own network: on real servers (Dovecot and the
SMTP server on loopback, refused unless loopback is an allowed network) and a plain TCP service that is no mail
server."""

from __future__ import annotations

import datetime as dt
import socket
import threading

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mailroom.models import Mailbox
from mailroom.services.listening import mailbox_sync
from mailroom.services.mailboxes import mailbox_save, mailbox_test_request, mailbox_test_run, mailbox_test_state
from tests.factories import UserFactory
from tests.mailroom.helpers import rep_with_mailbox


def _tested(mailbox: Mailbox):
    """ "Save and test" as the page does it: the request, the worker's run (unless the request was refused, when
    no task is queued), and what the page then shows."""
    asked = timezone.now()
    mailbox_test_request(mailbox=mailbox, now=asked)
    mailbox.refresh_from_db()
    if mailbox.check_finished_at is None:
        mailbox_test_run(mailbox_id=mailbox.pk, requested_at=asked, now=asked)
        mailbox.refresh_from_db()
    return mailbox_test_state(mailbox=mailbox, now=asked)[1]


pytestmark = pytest.mark.django_db(transaction=True)

INTERNAL = ["localhost", "127.1", "2130706433", "0x7f.1", "::1", "10.0.0.5", "192.168.1.1", "169.254.169.254",
            "100.64.0.1", "224.0.0.1", "0.0.0.0"]  # fmt: skip


def settings_for(host: str, **more) -> dict:
    return {
        "from_address": "sam@pursuit.test",
        "smtp_host": host,
        "smtp_port": 25,
        "smtp_security": Mailbox.Security.STARTTLS,
        **more,
    }


@pytest.mark.parametrize("host", INTERNAL)
def test_a_loopback_private_link_local_or_multicast_host_is_refused_next_to_its_field_and_nothing_is_saved(
    settings, host
):
    settings.MAIL_ALLOWED_NETWORKS = []
    rep = UserFactory()

    with pytest.raises(ValidationError) as refused:
        mailbox_save(user=rep, settings=settings_for(host), smtp_password="x")

    assert "Pursuit does not connect there" in refused.value.message_dict["smtp_host"][0]
    assert not Mailbox.objects.filter(user=rep).exists()


def test_a_private_network_the_operator_allows_is_connected_to(settings, mail, addresses):
    settings.MAIL_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    mailbox = rep_with_mailbox(mail, addresses("rep"))

    assert [result.ok for result in _tested(mailbox)] == [True, True]


def test_the_worker_checks_the_address_again_before_every_connection(settings, mail, addresses):
    mailbox = rep_with_mailbox(mail, addresses("rep"))  # saved while loopback was allowed
    settings.MAIL_ALLOWED_NETWORKS = []

    report = mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())

    mailbox.refresh_from_db()
    assert report.read == 0
    assert "Pursuit does not connect there" in mailbox.sync_error


def test_security_none_is_refused_unless_the_operator_allows_passwords_in_clear(settings):
    settings.MAIL_ALLOW_PLAINTEXT = False

    with pytest.raises(ValidationError) as refused:
        mailbox_save(user=UserFactory(), settings=settings_for("mail.example.com", smtp_security="none"))

    assert "in clear" in refused.value.message_dict["smtp_security"][0]


def test_a_line_break_in_the_imap_user_name_is_refused_before_it_reaches_a_server():
    with pytest.raises(ValidationError) as refused:
        mailbox_save(
            user=UserFactory(),
            settings=settings_for("mail.example.com", imap_host="mail.example.com", imap_username="sam\r\nA1 LOGOUT"),
        )

    assert "imap_username" in refused.value.message_dict


@pytest.fixture
def not_a_mail_server():
    """A TCP service on loopback that greets with words of its own, as an internal service would."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"SSH-2.0-OpenSSH_9.2 internal-build-secret\r\n")
                conn.recv(1024)

    threading.Thread(target=serve, daemon=True).start()
    yield port
    server.close()


def test_a_test_against_a_service_that_is_not_a_mail_server_never_shows_what_it_answered(settings, not_a_mail_server):
    settings.MAIL_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    mailbox = mailbox_save(
        user=UserFactory(),
        settings=settings_for("127.0.0.1", smtp_port=not_a_mail_server, smtp_security="none"),
    )

    results = _tested(mailbox)

    assert not results[0].ok
    assert "secret" not in results[0].said and "SSH" not in results[0].said


def test_connection_tests_are_limited_per_rep(settings, mail, addresses):
    settings.MAIL_TESTS_PER_WINDOW = 2
    mailbox = rep_with_mailbox(mail, addresses("rep"))

    first, second, third = (_tested(mailbox) for _ in range(3))

    assert all(result.ok for result in first + second)
    assert len(third) == 1 and not third[0].ok and "wait a few minutes" in third[0].said


def test_a_test_no_worker_took_says_so_after_a_while_instead_of_testing_forever(mail, addresses):
    mailbox = rep_with_mailbox(mail, addresses("rep"))
    asked = timezone.now()
    mailbox_test_request(mailbox=mailbox, now=asked)  # no worker runs in this test: nobody takes it
    mailbox.refresh_from_db()

    assert mailbox_test_state(mailbox=mailbox, now=asked + dt.timedelta(seconds=5)) == ("testing", [])
    state, results = mailbox_test_state(mailbox=mailbox, now=asked + dt.timedelta(minutes=2))
    assert state == "done" and "workers may be down" in results[0].said
