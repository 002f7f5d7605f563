"""Celery adapters: ids in, one service call, quiet when the work is gone or already done."""

from __future__ import annotations

import datetime as dt
import uuid

from celery import shared_task
from django.utils import timezone

from mailroom.models import Mailbox
from mailroom.services.listening import inbound_prune as _inbound_prune
from mailroom.services.listening import mailbox_sync as _mailbox_sync
from mailroom.services.mailboxes import mailbox_test_run as _mailbox_test_run
from mailroom.services.outbox import email_send as _email_send
from mailroom.services.outbox import outbox_sweep as _outbox_sweep


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def email_send(outbound_id: str) -> str:
    # acks_late: a worker that dies mid-send leaves the task to be redelivered; the row's state (sending) makes
    # the redelivery harmless, and the outbox sweep recovers it (mailroom.services.outbox).
    return _email_send(outbound_id=uuid.UUID(outbound_id), now=timezone.now())


@shared_task(soft_time_limit=50, time_limit=58)
def outbox_sweep() -> str:
    return str(_outbox_sweep(now=timezone.now()))


@shared_task(soft_time_limit=240, time_limit=280)
def mailbox_sync(mailbox_id: int) -> str:
    report = _mailbox_sync(mailbox_id=mailbox_id, now=timezone.now())
    return f"read {report.read}, matched {report.matched} {report.verdicts} {report.error}".strip()


@shared_task(soft_time_limit=50, time_limit=58)
def mailboxes_sync() -> int:
    """Each listening mailbox in a task of its own: a slow or broken server holds up no one else. A mailbox that
    must be connected again is left until its rep does (its page already says why)."""
    ids = list(
        Mailbox.objects.filter(transport=Mailbox.Transport.SMTP, reconnect_since__isnull=True)
        .exclude(imap_host="")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        mailbox_sync.delay(pk)
    return len(ids)


@shared_task(soft_time_limit=600, time_limit=660)
def inbound_prune() -> int:
    return _inbound_prune(now=timezone.now())


@shared_task(soft_time_limit=50, time_limit=58)
def mailbox_test_run(mailbox_id: int, requested_at: str) -> str:
    """The connection test a rep asked for on the mailbox page (which polls for its result)."""
    return _mailbox_test_run(
        mailbox_id=mailbox_id, requested_at=dt.datetime.fromisoformat(requested_at), now=timezone.now()
    )
