"""Celery adapters: ids in, one service call, quiet when the work is gone or already done."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from cadence.notifications import inbound_alert_send, rep_reminder_send
from cadence.scheduler import scheduler_sweep
from cadence.services import enrollments_plan, log_undos_prune
from cadence.services.imports import import_job_preview_run, import_job_run, import_job_undo_run


@shared_task(
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=20,
    time_limit=30,
)
def enrollment_plan(enrollment_id: int) -> None:
    # A closed or vanished enrollment, or one another worker holds, is simply skipped by the service.
    enrollments_plan(enrollment_ids=[enrollment_id], now=timezone.now())


@shared_task(soft_time_limit=50, time_limit=58)
def sweep() -> str:
    return str(scheduler_sweep(now=timezone.now()))


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=20,
    time_limit=30,
)
def rep_remind(rep_id: int, follow_up_ids: list[int]) -> None:
    rep_reminder_send(rep_id=rep_id, follow_up_ids=follow_up_ids)


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def import_run(job_id: int) -> None:
    # A gone, done or already-running job is left alone by the service.
    import_job_run(job_id=job_id, now=timezone.now())


@shared_task(acks_late=True, soft_time_limit=300, time_limit=330)
def import_preview(job_id: int, revision: str) -> None:
    # Gone, moved on, or mapped again since: nothing to do.
    import_job_preview_run(job_id=job_id, revision=revision, now=timezone.now())


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def import_undo(job_id: int) -> None:
    # Gone or already undone: nothing to do.
    import_job_undo_run(job_id=job_id, now=timezone.now())


@shared_task(soft_time_limit=300, time_limit=330)
def prune() -> str:
    return f"log undos pruned: {log_undos_prune(now=timezone.now())}"


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=20,
    time_limit=30,
)
def inbound_alert(inbound_id: int, what: str) -> None:
    # A lead deleted meanwhile is simply not announced.
    inbound_alert_send(inbound_id=inbound_id, what=what)
