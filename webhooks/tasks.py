"""Celery adapters: the beat runs the sender every few seconds; each run sends until nothing is due."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from webhooks.services import deliveries_send_for

# Under the beat's interval times the expiry, so two runs rarely overlap (and when they do, leases keep them apart).
RUN_SECONDS = 20


@shared_task(soft_time_limit=50, time_limit=58)
def deliver() -> str:
    return str(deliveries_send_for(seconds=RUN_SECONDS, now_fn=timezone.now))
