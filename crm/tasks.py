"""Housekeeping for the ground app, run by beat."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from crm.once import form_submissions_prune


@shared_task(soft_time_limit=240, time_limit=300)
def prune() -> str:
    return f"form submissions {form_submissions_prune(now=timezone.now())}"
