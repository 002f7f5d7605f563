"""The touches app's housekeeping, run by beat."""

from __future__ import annotations

from celery import shared_task

from touches.services import touch_hours_fold


@shared_task(soft_time_limit=50, time_limit=55)
def hours_fold() -> str:
    return f"folded {touch_hours_fold()} rollup deltas"
