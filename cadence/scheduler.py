"""The sweep: one pass over everything the scheduler owes, in batches, costing what is due rather than what is stored.

Beat sends it once a minute; `manage.py run_scheduler --once` runs it by hand. Two sweeps at once are safe:
each batch locks its rows with SKIP LOCKED, and follow-ups are unique per (enrollment, attempt).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction

from cadence.models import Enrollment, FollowUp
from cadence.services import PlanReport, enrollment_create, enrollments_plan, enrollments_plan_due
from cadence.services.absences import absences_apply
from cadence.services.imports import imports_requeue, imports_undo_requeue
from cadence.services.inbound import inbound_sla_sweep
from cadence.services.queue import reminder_enqueue
from crm.models import Prospect

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepReport:
    plan: PlanReport
    recycled: int
    reminders: int

    def __str__(self) -> str:
        return (
            f"planned {self.plan.planned}, marked overdue {self.plan.marked_overdue}, ended {self.plan.ended}, "
            f"set aside {self.plan.failed}, recycled {self.recycled}, reminded {self.reminders}"
        )


def scheduler_sweep(*, now: dt.datetime, batch_size: int = 500, max_batches: int = 1000) -> SweepReport:
    """0. Start and end reps' absences (their leads held or covered, then given back).
    1. Plan due and stale enrollments, batch after batch, until a batch comes back short.
    2. Bring dormant prospects whose recycle date has come back into their team's cadence.
    3. Queue one reminder per rep for the follow-ups that just became due.
    4. Hand again the imports (and undos of imports) whose task was lost while the queue was down.
    5. Give inbound leads nobody tried within their team's limit to the next rep (cadence.services.inbound).
    """
    plan = PlanReport()
    changed = absences_apply(now=now)
    if changed:
        plan += enrollments_plan(enrollment_ids=changed, now=now)
    for _ in range(max_batches):
        batch = enrollments_plan_due(now=now, limit=batch_size)
        plan += batch
        if batch.handled < batch_size:
            break
    report = SweepReport(plan=plan, recycled=prospects_recycle(now=now), reminders=follow_ups_remind(now=now))
    imports_requeue(now=now)
    imports_undo_requeue(now=now)
    inbound_sla_sweep(now=now)
    logger.info("cadence sweep at %s: %s", now.isoformat(timespec="seconds"), report)
    return report


def prospects_recycle(*, now: dt.datetime, limit: int = 200) -> int:
    recycled = 0
    with transaction.atomic():
        due = list(
            Prospect.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=Prospect.Status.DORMANT, recycle_on__lte=now.date())
            .select_related("team")[:limit]
        )
        for prospect in due:
            # updated_at moves, as with every write to a prospect: its ETag changes and a stale If-Match is refused.
            Prospect.objects.filter(pk=prospect.pk).update(
                status=Prospect.Status.ACTIVE, recycle_on=None, updated_at=now
            )
            prospect.status = Prospect.Status.ACTIVE
            if not Enrollment.objects.filter(prospect=prospect, status__in=Enrollment.OPEN_STATUSES).exists():
                enrollment_create(prospect=prospect, now=now)
            recycled += 1
    return recycled


def follow_ups_remind(*, now: dt.datetime, limit: int = 2000) -> int:
    """Claim follow-ups that became due, then send one digest per rep after commit (claim, commit, send)."""
    with transaction.atomic():
        claimed = list(
            FollowUp.objects.select_for_update(skip_locked=True)
            .filter(status=FollowUp.Status.PLANNED, reminded_at__isnull=True, due_start__lte=now)
            .values_list("pk", "rep_id")[:limit]
        )
        if not claimed:
            return 0
        FollowUp.objects.filter(pk__in=[pk for pk, _ in claimed]).update(reminded_at=now)
        by_rep: dict[int, list[int]] = defaultdict(list)
        for pk, rep_id in claimed:
            by_rep[rep_id].append(pk)
        for rep_id, follow_up_ids in by_rep.items():
            reminder_enqueue(rep_id, follow_up_ids)
    return len(claimed)
