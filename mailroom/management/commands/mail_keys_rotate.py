from django.core.management.base import BaseCommand
from django.db import transaction

from mailroom.services.mailboxes import mailbox_keys_rotate


class Command(BaseCommand):
    help = "Re-encrypt every mailbox password with the first key of PURSUIT_MAIL_KEYS."

    def handle(self, *args, **options):
        with transaction.atomic():
            count = mailbox_keys_rotate()
        self.stdout.write(f"Re-encrypted the passwords of {count} mailbox(es).")
