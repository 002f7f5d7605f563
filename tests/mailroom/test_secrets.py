"""Mailbox passwords at rest: encrypted, readable with any configured key, re-encrypted by a rotation."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from mailroom.models import Mailbox
from mailroom.secrets import SecretUnreadable, secret_decrypt
from mailroom.services.mailboxes import mailbox_save
from tests.factories import UserFactory


def connect(user) -> Mailbox:
    return mailbox_save(
        user=user,
        settings={"from_address": "sam@pursuit.test", "smtp_host": "smtp.pursuit.test", "smtp_username": "sam"},
        smtp_password="hunter2-but-longer",
    )


@pytest.mark.django_db
def test_a_password_is_stored_encrypted_and_read_back_only_with_the_key(settings):
    mailbox = connect(UserFactory())

    stored = bytes(Mailbox.objects.get(pk=mailbox.pk).smtp_password_encrypted)
    assert b"hunter2" not in stored
    assert secret_decrypt(stored) == "hunter2-but-longer"
    settings.MAIL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(SecretUnreadable, match="enter it again"):
        secret_decrypt(stored)


@pytest.mark.django_db
def test_a_new_key_put_first_reads_old_passwords_and_the_rotation_reencrypts_them_under_it(settings):
    old = settings.MAIL_ENCRYPTION_KEYS[0]
    mailbox = connect(UserFactory())
    new = Fernet.generate_key().decode()
    settings.MAIL_ENCRYPTION_KEYS = [new, old]

    assert secret_decrypt(Mailbox.objects.get(pk=mailbox.pk).smtp_password_encrypted) == "hunter2-but-longer"
    call_command("mail_keys_rotate")

    settings.MAIL_ENCRYPTION_KEYS = [new]  # the old key dropped
    assert secret_decrypt(Mailbox.objects.get(pk=mailbox.pk).smtp_password_encrypted) == "hunter2-but-longer"


@pytest.mark.django_db
def test_the_admin_never_shows_a_password_field(admin_client):
    mailbox = connect(UserFactory())

    page = admin_client.get(f"/admin/mailroom/mailbox/{mailbox.pk}/change/")

    assert page.status_code == 200
    assert "password_encrypted" not in page.content.decode()
