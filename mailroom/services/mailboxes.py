"""Connecting a rep's mailbox: its settings saved with the passwords encrypted, tested, rotated, removed."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction

from crm.models import User
from mailroom.models import Mailbox
from mailroom.secrets import secret_encrypt, secret_rotate
from mailroom.transport import CheckResult, mailbox_check

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
        for name in SETTINGS_FIELDS:
            if name in settings:
                setattr(mailbox, name, settings[name])
        mailbox.transport = Mailbox.Transport.SMTP
        if smtp_password:
            mailbox.smtp_password_encrypted = encrypted["smtp"]
        if imap_password:
            mailbox.imap_password_encrypted = encrypted["imap"]
        if mailbox.pk and before != (mailbox.imap_host, mailbox.imap_username, mailbox.imap_folder):
            mailbox.uidvalidity, mailbox.last_uid = None, 0
        mailbox.full_clean(exclude=["user"])
        mailbox.save()
    return mailbox


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


def mailbox_test(*, mailbox: Mailbox) -> list[CheckResult]:
    return mailbox_check(mailbox)


def mailbox_disconnect(*, user: User) -> None:
    """Pursuit stops sending and reading for this rep; what it logged stays."""
    Mailbox.objects.filter(user=user).delete()


def mailbox_keys_rotate() -> int:
    """Re-encrypt every saved password with the newest key (after a new one was put first in the list)."""
    count = 0
    for mailbox in Mailbox.objects.select_for_update().iterator():
        mailbox.smtp_password_encrypted = secret_rotate(mailbox.smtp_password_encrypted)
        mailbox.imap_password_encrypted = secret_rotate(mailbox.imap_password_encrypted)
        mailbox.save(update_fields=["smtp_password_encrypted", "imap_password_encrypted"])
        count += 1
    return count
