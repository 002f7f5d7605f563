"""Sending planning work to the workers, by task name: the services do not import the tasks that call them."""

from __future__ import annotations

from celery import Task, current_app
from django.db import transaction


def plan_enqueue(enrollment_id: int) -> None:
    """Plan after commit. The caller already marked the plan stale in the same transaction: if the broker is
    down, the message is logged and dropped, never turned into an error, and the sweep repairs the plan."""
    transaction.on_commit(lambda: _task("cadence.tasks.enrollment_plan").delay(enrollment_id), robust=True)


def reminder_enqueue(rep_id: int, follow_up_ids: list[int]) -> None:
    transaction.on_commit(lambda: _task("cadence.tasks.rep_remind").delay(rep_id, follow_up_ids), robust=True)


def task_enqueue(name: str, *args: object) -> None:
    """Any of our tasks by name, after commit, never turning a broker outage into an error (the work stays queued
    in PostgreSQL, and the sweep or the user can start it again)."""
    transaction.on_commit(lambda: _task(name).delay(*args), robust=True)


def _task(name: str) -> Task:
    # Looked up in the registry (filled by autodiscovery) rather than imported: cadence.tasks imports the services.
    return current_app.tasks[name]
