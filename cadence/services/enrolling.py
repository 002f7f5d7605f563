"""Enrolling a prospect in a cadence, and asking for an enrollment to be planned again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models.functions import Coalesce

from cadence.models import Cadence, Enrollment, LeadEvent
from cadence.selectors import cadence_for_prospect, enrollment_open_for_prospect
from cadence.services.events import lead_event_add
from cadence.services.queue import plan_enqueue
from cadence.situation import round_attempts_count
from crm.models import Prospect, Team, User
from crm.text import and_list

OPEN = Enrollment.OPEN_STATUSES


@dataclass(frozen=True)
class EarlierRounds:
    attempts: int
    by: str  # "Lee", "Lee and Sam", "Lee and you"


def enrollment_create(
    *,
    prospect: Prospect,
    now: dt.datetime,
    cadence: Cadence | None = None,
    started_at: dt.datetime | None = None,
    actor: User | None = None,
    earlier: EarlierRounds | None = None,
    inbound_at: dt.datetime | None = None,
) -> Enrollment:
    """Enroll a prospect (in the team's cadence for its value unless one is given) and plan its first attempt.

    A prospect's first round counts every touch it has; a later one (a hand-over, a recycle, enrolled again) counts
    from now, and says what the earlier rounds tried and who tried it.
    """
    if prospect.is_closed:
        raise ValidationError(f"{prospect} is {prospect.get_status_display().lower()}; it cannot be enrolled.")
    if enrollment_open_for_prospect(prospect_id=prospect.pk):
        raise ValidationError(f"{prospect} is already enrolled in a cadence.")
    if cadence is None or cadence.is_retired:
        # A retired cadence takes no new leads: a lead handed over from one starts the team's current cadence.
        cadence = cadence_for_prospect(prospect=prospect)
    if cadence.team_id != prospect.team_id:
        raise ValidationError("That cadence belongs to another team.")
    earlier = earlier or rounds_before(prospect=prospect, owner=prospect.owner)
    enrollment = Enrollment.objects.create(
        prospect=prospect,
        cadence=cadence,
        owner=prospect.owner,
        started_at=started_at or now,
        counts_from=now if earlier is not None else None,
        earlier_attempts=earlier.attempts if earlier is not None else 0,
        earlier_by=earlier.by if earlier is not None else "",
        next_due_at=now,
        replan_requested_at=now,
        inbound_at=inbound_at,
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


def rounds_before(*, prospect: Prospect, owner: User) -> EarlierRounds | None:
    """What the prospect's ended rounds tried, for its next round's plan; None if it never had one.

    The attempts of the latest round are counted as the planner counted them (to its end), added to what that round
    already carried from the ones before it.
    """
    rounds = list(
        Enrollment.objects.filter(prospect=prospect)
        .exclude(status__in=OPEN)
        .select_related("owner", "cadence", "prospect")
        .order_by("pk")
    )
    if not rounds:
        return None
    latest = rounds[-1]
    names = list(dict.fromkeys("you" if r.owner_id == owner.pk else str(r.owner) for r in rounds))
    names.sort(key=lambda name: name == "you")  # "Lee and you", not "you and Lee"
    return EarlierRounds(attempts=latest.earlier_attempts + round_attempts_count(enrollment=latest), by=and_list(names))


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


def enrollments_create_bulk(
    *,
    prospects: Sequence[Prospect],
    team: Team,
    starts: dict[int, dt.datetime],
    now: dt.datetime,
    actor: User | None,
    cadence: Cadence | None = None,
) -> list[Enrollment]:
    """Enroll many new prospects at once (an import), each in the team's cadence for its value unless one is
    given, starting when pacing says. Two statements, whatever the count; the sweep plans them in its next pass
    (`next_due_at` is now), which is where a burst of planning belongs rather than on one request.
    """
    cadences = list(Cadence.objects.filter(team=team, is_retired=False))
    default = next((c for c in cadences if c.is_default), None)
    high_value = next((c for c in cadences if c.is_high_value), None)
    threshold = team.high_value_threshold
    if cadence is None and default is None:
        raise ValidationError(f"Team {team} has no default cadence yet; a manager must create one.")
    rows = []
    for prospect in prospects:
        chosen = cadence
        if chosen is None:
            above = threshold is not None and prospect.estimated_value > threshold
            chosen = high_value if above and high_value is not None else default
        rows.append(
            Enrollment(
                prospect=prospect,
                cadence=chosen,
                owner_id=prospect.owner_id,
                started_at=starts.get(prospect.pk, now),
                next_due_at=now,
            )
        )
    Enrollment.objects.bulk_create(rows, batch_size=1000)
    LeadEvent.objects.bulk_create(
        (
            LeadEvent(
                prospect_id=e.prospect_id,
                enrollment=e,
                actor=actor,
                kind=LeadEvent.Kind.ENROLLED,
                detail=_enrolled_detail(e.cadence, e.started_at, now),
                created_at=now,
            )
            for e in rows
        ),
        batch_size=1000,
    )
    return rows


def _enrolled_detail(cadence: Cadence, started_at: dt.datetime, now: dt.datetime) -> str:
    if started_at <= now:
        return cadence.name
    return f"{cadence.name}, first attempt from {started_at:%a} {started_at.day} {started_at:%b} (new leads are paced)"
