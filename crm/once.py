"""Exactly-once HTML forms, the way the API does it: an id made when the form is rendered, claimed with its write.

A form renders `{% once_field %}` (a hidden `submission` field with a fresh UUID). The view wraps its write in
`submitted_once(request)`: the claim and the write commit together, so a second POST of the same form (a double
click, the browser's resend, a retry after a timeout) finds the id taken and writes nothing. A write that fails
rolls the claim back with it, so the corrected form can be sent again. Touch forms use the same id as the touch's
own id instead (`touch_log_once`), which is what the API's client ids do.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from crm.models import FormSubmission, User

FIELD = "submission"
KEEP_FOR = dt.timedelta(days=1)


def submission_token(request: HttpRequest) -> uuid.UUID | None:
    """The form's id, or None when the request carries none (then nothing can be deduplicated)."""
    raw = request.POST.get(FIELD, "")
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def form_submission_claim(*, user: User, token: uuid.UUID, now: dt.datetime) -> bool:
    """True for the first claim of this form id. A concurrent claim waits on the unique index until the first
    transaction ends: then it fails (False) if that one committed, or succeeds if it rolled back."""
    try:
        with transaction.atomic():
            FormSubmission.objects.create(user=user, token=token, created_at=now)
    except IntegrityError:
        return False
    return True


@contextmanager
def submitted_once(request: HttpRequest) -> Iterator[bool]:
    """Run the body in one transaction with the claim; yields False when this form was already submitted."""
    token = submission_token(request)
    user = request.user
    with transaction.atomic():
        yield (
            token is None
            or not isinstance(user, User)
            or form_submission_claim(user=user, token=token, now=timezone.now())
        )


def form_submissions_prune(*, now: dt.datetime) -> int:
    deleted, _ = FormSubmission.objects.filter(created_at__lt=now - KEEP_FOR).delete()
    return deleted
