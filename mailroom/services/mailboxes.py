"""Connecting a rep's mailbox: its settings saved with the passwords encrypted, tested, rotated, removed."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict
from typing import Any

from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction

from cadence.services.queue import task_enqueue
from crm.models import User
from mailroom.models import Mailbox
from mailroom.network import AddressNotAllowed, mail_host_check
from mailroom.oauth import oauth_disconnect
from mailroom.secrets import secret_encrypt, secret_rotate
from mailroom.transport import CheckResult, mailbox_check

logger = logging.getLogger(__name__)

SETTINGS_FIELDS = (
    "from_address",
    "from_name",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_username",
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_username",
    "imap_folder",
    "sent_folder",
    "daily_cap",
)


def mailbox_save(*, user: User, settings: dict[str, Any], smtp_password: str = "", imap_password: str = "") -> Mailbox:
    """Create or update the rep's mailbox. A blank password keeps the saved one (the form never shows it).
    Changing the server or folder starts the reading over (a new folder has its own UIDs)."""
    try:
        encrypted = {"smtp": secret_encrypt(smtp_password), "imap": secret_encrypt(imap_password)}
    except ImproperlyConfigured as exc:
        raise ValidationError(
            "Mail is not set up on this server yet: ask your admin to set PURSUIT_MAIL_KEYS."
        ) from exc
    with transaction.atomic():
        mailbox = Mailbox.objects.select_for_update().filter(user=user).first() or Mailbox(user=user)
        before = (mailbox.imap_host, mailbox.imap_username, mailbox.imap_folder)
        servers = (mailbox.smtp_host, mailbox.imap_host)
        for name in SETTINGS_FIELDS:
            if name in settings:
                setattr(mailbox, name, settings[name])
        mailbox.transport = Mailbox.Transport.SMTP
        if mailbox.oauth_provider and (
            smtp_password or imap_password or servers != (mailbox.smtp_host, mailbox.imap_host)
        ):
            # Other servers, or a password: this is a password mailbox now; the provider's tokens go.
            mailbox.oauth_provider, mailbox.oauth_expires_at = "", None
            mailbox.oauth_refresh_encrypted = mailbox.oauth_access_encrypted = b""
            mailbox.reconnect_since, mailbox.reconnect_reason = None, ""
        if smtp_password:
            mailbox.smtp_password_encrypted = encrypted["smtp"]
        if imap_password:
            mailbox.imap_password_encrypted = encrypted["imap"]
        if mailbox.pk and before != (mailbox.imap_host, mailbox.imap_username, mailbox.imap_folder):
            mailbox.uidvalidity, mailbox.last_uid = None, 0
        mailbox.full_clean(exclude=["user"])
        _connectable_or_refused(mailbox)
        mailbox.save()
    return mailbox


def _connectable_or_refused(mailbox: Mailbox) -> None:
    """Refused when saved, next to its field: a host Pursuit will not connect to, a password sent in clear."""
    errors: dict[str, str] = {}
    for server in ("smtp", "imap"):
        host = getattr(mailbox, f"{server}_host")
        if not host:
            continue
        if getattr(mailbox, f"{server}_security") == Mailbox.Security.NONE and not django_settings.MAIL_ALLOW_PLAINTEXT:
            errors[f"{server}_security"] = 'Security "none" would send the password in clear: choose STARTTLS or TLS.'
        try:
            mail_host_check(host, getattr(mailbox, f"{server}_port"))
        except AddressNotAllowed as exc:
            errors[f"{server}_host"] = str(exc)
    if errors:
        raise ValidationError(errors)


def mailboxes_demo_connect(*, users: list[User]) -> None:
    """The demo's reps send through Django's mail backend (the console, or files under .data/ with `make run`):
    the editor and the outbox work with no mail server, and nothing is read back."""
    Mailbox.objects.bulk_create(
        [
            Mailbox(user=user, transport=Mailbox.Transport.DJANGO, from_address=user.email, from_name=str(user))
            for user in users
            if user.email
        ],
        ignore_conflicts=True,
    )


# A test not finished this long after it was asked for did not run (the workers are down): the page says so.
TEST_GIVE_UP = dt.timedelta(seconds=90)
TEST_SHOWN_FOR = dt.timedelta(minutes=15)


def mailbox_test_request(*, mailbox: Mailbox, now: dt.datetime) -> None:
    """Ask a worker to test the connection; the mailbox page polls for the result (a test holds a connection up
    to 15 s per server: never in a web worker)."""
    if not _test_allowed(user_id=mailbox.user_id):
        Mailbox.objects.filter(pk=mailbox.pk).update(
            check_requested_at=now, check_finished_at=now, check_results=[asdict(_too_many())]
        )
        return
    with transaction.atomic():
        Mailbox.objects.filter(pk=mailbox.pk).update(check_requested_at=now, check_finished_at=None, check_results=[])
        task_enqueue("mailroom.tasks.mailbox_test_run", mailbox.pk, now.isoformat())


def mailbox_test_run(*, mailbox_id: int, requested_at: dt.datetime, now: dt.datetime) -> str:
    """The worker's half: test, and keep the result for the page. Quiet when the mailbox is gone or a newer test
    was asked for."""
    mailbox = Mailbox.objects.filter(pk=mailbox_id, check_requested_at=requested_at).first()
    if mailbox is None:
        return "gone or superseded"
    results = mailbox_check(mailbox)
    Mailbox.objects.filter(pk=mailbox_id, check_requested_at=requested_at).update(
        check_finished_at=now, check_results=[asdict(result) for result in results]
    )
    return "ok" if all(result.ok for result in results) else "failed"


def mailbox_test_state(*, mailbox: Mailbox | None, now: dt.datetime) -> tuple[str, list[CheckResult]]:
    """("none" | "testing" | "done", results) for the mailbox page."""
    if mailbox is None or mailbox.check_requested_at is None:
        return "none", []
    if mailbox.check_finished_at is not None:
        # Aged by when it was asked for, on the web's clock (the worker's clock may differ).
        if now - mailbox.check_requested_at > TEST_SHOWN_FOR:
            return "none", []  # an old result would read as today's
        return "done", [CheckResult(**item) for item in mailbox.check_results]
    if now - mailbox.check_requested_at > TEST_GIVE_UP:
        said = "The test did not run: Pursuit's workers may be down. Try again in a few minutes."
        return "done", [CheckResult("Test", False, said)]
    return "testing", []


def _too_many() -> CheckResult:
    minutes = django_settings.MAIL_TEST_WINDOW_SECONDS // 60
    return CheckResult(
        "Test",
        False,
        f"You tested the connection {django_settings.MAIL_TESTS_PER_WINDOW} times in {minutes} minutes: "
        "wait a few minutes before the next test. The settings are saved.",
    )


def _test_allowed(*, user_id: int) -> bool:
    """A few tests per rep per window at most: each test connects out, and an unlimited "Save and test" would let
    anyone try passwords against any server from ours."""
    key = f"mailbox-tests:{user_id}"
    try:
        cache.add(key, 0, timeout=django_settings.MAIL_TEST_WINDOW_SECONDS)
        return cache.incr(key) <= django_settings.MAIL_TESTS_PER_WINDOW
    except Exception:  # noqa: BLE001 - the cache is down: the test runs (the address check still holds)
        logger.warning("mailbox test limit not checked: the cache is unavailable", exc_info=True)
        return True


def mailbox_disconnect(*, user: User) -> None:
    """Pursuit stops sending and reading for this rep; what it logged stays. A mailbox connected by OAuth has its
    grant revoked at the provider where it can be (mailroom.oauth), then its tokens go with it."""
    mailbox = Mailbox.objects.filter(user=user).first()
    if mailbox is None:
        return
    if mailbox.oauth_provider:
        oauth_disconnect(mailbox=mailbox)
    mailbox.delete()


def mailbox_keys_rotate() -> int:
    """Re-encrypt every saved password and OAuth token with the newest key (after a new one was put first)."""
    count = 0
    fields = ["smtp_password_encrypted", "imap_password_encrypted", "oauth_refresh_encrypted", "oauth_access_encrypted"]
    with transaction.atomic():
        for mailbox in Mailbox.objects.select_for_update().iterator():
            for name in fields:
                setattr(mailbox, name, secret_rotate(getattr(mailbox, name)))
            mailbox.save(update_fields=fields)
            count += 1
    return count
