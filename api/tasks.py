"""Housekeeping for the API, run by beat: forget old idempotency keys and old change-log rows."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from api.changes import touch_changes_prune
from api.idempotency import idempotency_keys_prune


@shared_task(soft_time_limit=240, time_limit=300)
def prune() -> str:
    now = timezone.now()
    return f"idempotency keys {idempotency_keys_prune(now=now)}, change-log rows {touch_changes_prune(now=now)}"
