"""Enrolling a prospect in a cadence, and asking for an enrollment to be planned again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db.models.functions import Coalesce

from cadence.models import Cadence, Enrollment, LeadEvent
from cadence.selectors import cadence_for_prospect, enrollment_open_for_prospect
from cadence.services.events import lead_event_add
from cadence.services.queue import plan_enqueue
from crm.models import Prospect, User

OPEN = Enrollment.OPEN_STATUSES


def enrollment_create(
    *,
    prospect: Prospect,
    now: dt.datetime,
    cadence: Cadence | None = None,
    started_at: dt.datetime | None = None,
    actor: User | None = None,
) -> Enrollment:
    """Enroll a prospect (in the team's cadence for its value unless one is given) and plan its first attempt."""
    if prospect.is_closed:
        raise ValidationError(f"{prospect} is {prospect.get_status_display().lower()}; it cannot be enrolled.")
    if enrollment_open_for_prospect(prospect_id=prospect.pk):
        raise ValidationError(f"{prospect} is already enrolled in a cadence.")
    if cadence is None or cadence.is_retired:
        # A retired cadence takes no new leads: a lead handed over from one starts the team's current cadence.
        cadence = cadence_for_prospect(prospect=prospect)
    if cadence.team_id != prospect.team_id:
        raise ValidationError("That cadence belongs to another team.")
    enrollment = Enrollment.objects.create(
        prospect=prospect,
        cadence=cadence,
        owner=prospect.owner,
        started_at=started_at or now,
        next_due_at=now,
        replan_requested_at=now,
    )
    lead_event_add(
        prospect_id=prospect.pk,
        enrollment_id=enrollment.pk,
        actor=actor,
        now=now,
        kind=LeadEvent.Kind.ENROLLED,
        detail=f"{cadence.name}, for {prospect.owner}",
    )
    plan_enqueue(enrollment.pk)
    return enrollment


def enrollment_request_plan(*, enrollment_id: int, now: dt.datetime) -> None:
    """Mark an enrollment's plan stale and plan it after commit; the sweep repairs it if the message is lost."""
    enrollments_request_plan(enrollment_ids=[enrollment_id], now=now)


def enrollments_request_plan(*, enrollment_ids: Sequence[int], now: dt.datetime) -> None:
    """The same for many enrollments at once: one UPDATE, then one planning task each after commit."""
    Enrollment.objects.filter(pk__in=enrollment_ids, status__in=OPEN).update(
        replan_requested_at=Coalesce("replan_requested_at", now)
    )
    for enrollment_id in enrollment_ids:
        plan_enqueue(enrollment_id)
