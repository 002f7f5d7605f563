"""Writes for the cadence engine: enrolling, planning, pausing, snoozing, giving up and handing leads over.

Planning is idempotent: it recomputes the next decision from PostgreSQL state, under a row lock taken with
SKIP LOCKED, and writes at most one planned follow-up per (enrollment, attempt). Replaying it changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from psycopg2.extras import execute_values

from cadence.models import Cadence, Enrollment, FollowUp, LeadEvent
from cadence.planner import Action, Decision, count_attempts, give_up_is_early, plan_next
from cadence.selectors import cadence_for_prospect, enrollment_open_for_prospect, rep_pick_for_handover
from cadence.situation import situations_build
from crm.models import Contact, Prospect, User
from crm.validators import check_moment_in_range

logger = logging.getLogger(__name__)

# A plan request older than this was lost with its message (worker killed, broker flushed): the sweep repairs it.
STALE_PLAN_AFTER = dt.timedelta(seconds=30)
# Nobody to hand a lead to (everyone away): look again later rather than dropping it.
HANDOVER_RETRY_AFTER = dt.timedelta(hours=1)
OPEN = Enrollment.OPEN_STATUSES


class GiveUpTooEarly(ValidationError):
    """Raised when a rep gives up before the cadence's minimum; they may confirm and it is recorded as early."""


def _event(
    *,
    prospect_id: int,
    kind: str,
    now: dt.datetime,
    detail: str = "",
    enrollment_id: int | None = None,
    actor: User | None = None,
) -> LeadEvent:
    return LeadEvent.objects.create(
        prospect_id=prospect_id,
        enrollment_id=enrollment_id,
        actor=actor,
        kind=kind,
        detail=detail[:300],
        created_at=now,
    )


def _enqueue_plan(enrollment_id: int) -> None:
    """Plan after commit. The request already committed the write and marked the plan stale: if the broker is
    down, the message is logged and dropped, never turned into an error, and the sweep repairs the plan."""
    from cadence.tasks import enrollment_plan as enrollment_plan_task

    transaction.on_commit(lambda: enrollment_plan_task.delay(enrollment_id), robust=True)


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
    cadence = cadence or cadence_for_prospect(prospect=prospect)
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
    _event(
        prospect_id=prospect.pk,
        enrollment_id=enrollment.pk,
        actor=actor,
        now=now,
        kind=LeadEvent.Kind.ENROLLED,
        detail=f"{cadence.name}, for {prospect.owner}",
    )
    _enqueue_plan(enrollment.pk)
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
        _enqueue_plan(enrollment_id)


@dataclass(frozen=True)
class PlanReport:
    planned: int = 0
    marked_overdue: int = 0
    ended: int = 0
    # Set aside with their error, to be tried again later (see _plans_set_aside).
    failed: int = 0

    def __add__(self, other: PlanReport) -> PlanReport:
        return PlanReport(
            self.planned + other.planned,
            self.marked_overdue + other.marked_overdue,
            self.ended + other.ended,
            self.failed + other.failed,
        )

    @property
    def handled(self) -> int:
        """Enrollments this batch took off the work list, whatever became of them."""
        return self.planned + self.marked_overdue + self.failed


def enrollments_plan(*, enrollment_ids: Sequence[int], now: dt.datetime) -> PlanReport:
    """Plan the given enrollments now (the on-commit task). Rows another worker holds are left to it."""
    with transaction.atomic():
        locked = _with_cadences(
            Enrollment.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("prospect")
            .filter(pk__in=enrollment_ids, status__in=OPEN)
        )
        return _plan_isolated(locked, now=now, force=True)


def enrollments_plan_due(*, now: dt.datetime, limit: int = 500) -> PlanReport:
    """Plan one batch of what is due: follow-ups whose window ended, waits that are over, stale plans."""
    with transaction.atomic():
        locked = _with_cadences(
            Enrollment.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("prospect")
            .filter(status__in=OPEN)
            .filter(Q(next_due_at__lte=now) | Q(replan_requested_at__lte=now - STALE_PLAN_AFTER))[:limit]
        )
        return _plan_isolated(locked, now=now, force=False)


# An enrollment that failed to plan is tried again after this, doubling with each failure up to a day.
PLAN_RETRY_FIRST = dt.timedelta(minutes=5)
PLAN_RETRY_MAX = dt.timedelta(days=1)


def _plan_isolated(enrollments: list[Enrollment], *, now: dt.datetime, force: bool) -> PlanReport:
    """Plan a locked batch so that one bad enrollment cannot stop the others.

    1. Plan the batch in a savepoint. An enrollment the planner cannot handle is set aside inside it (see
       `_plan_locked`), and the rest is written.
    2. If writing the batch fails in the database, roll the savepoint back and plan the enrollments one by one,
       each in its own savepoint: the one whose write fails is set aside with its error, the others are written.
    """
    try:
        with transaction.atomic():
            return _plan_locked(enrollments, now=now, force=force)
    except DatabaseError:
        logger.exception("planning a batch of %d enrollments failed; planning them one by one", len(enrollments))
    report = PlanReport()
    for enrollment in enrollments:
        try:
            with transaction.atomic():
                report += _plan_locked([enrollment], now=now, force=force)
        except DatabaseError as exc:
            _plans_set_aside({enrollment: exc}, now=now)
            report += PlanReport(failed=1)
    return report


def _plans_set_aside(failures: dict[Enrollment, Exception], *, now: dt.datetime) -> None:
    """Keep each failed enrollment's error for its manager and try it again later, later each time."""
    for enrollment, exc in failures.items():
        logger.error("could not plan enrollment %s: %r", enrollment.pk, exc)
        delay = min(PLAN_RETRY_FIRST * 2 ** min(enrollment.plan_failures, 12), PLAN_RETRY_MAX)
        Enrollment.objects.filter(pk=enrollment.pk).update(
            plan_error=f"{type(exc).__name__}: {exc}"[:300],
            plan_failures=F("plan_failures") + 1,
            next_due_at=now + delay,
            replan_requested_at=None,
            planned_at=now,
        )


def _with_cadences(enrollments: Iterable[Enrollment]) -> list[Enrollment]:
    """The enrollments, each with its cadence attached. A team has a handful of cadences: reading each once
    costs less than joining and building one per enrollment."""
    enrollments = list(enrollments)
    cadences = Cadence.objects.in_bulk({e.cadence_id for e in enrollments})
    for enrollment in enrollments:
        enrollment.cadence = cadences[enrollment.cadence_id]
    return enrollments


def _plan_locked(enrollments: list[Enrollment], *, now: dt.datetime, force: bool) -> PlanReport:
    """Decide and write the next step of each locked enrollment, in a constant number of queries.

    1. A planned follow-up whose window has passed, with nothing new to plan, is marked overdue and kept: the
       rep fell behind, and the manager should see it. The scheduler has nothing more to do until a touch.
    2. Everything else asks the planner, and the decision is written: a follow-up upserted on
       (enrollment, attempt), a wait or pause remembered as `next_due_at`, or the enrollment ended.
    3. Give-up and hand-over run last, one by one, under the same lock.
    """
    if not enrollments:
        return PlanReport()
    # Only what the plan compares, as tuples: a sweep reads one current follow-up per enrollment.
    current = {
        f.enrollment_id: f
        for f in FollowUp.objects.filter(
            enrollment_id__in=[e.pk for e in enrollments], status=FollowUp.Status.PLANNED
        ).values_list("enrollment_id", "pk", "attempt", "step", "due_end", named=True)
    }
    overdue, to_plan = [], []
    for enrollment in enrollments:
        planned = current.get(enrollment.pk)
        stale = force or enrollment.replan_requested_at is not None
        if not stale and planned is not None and planned.due_end <= now:
            overdue.append(planned.pk)
            enrollment.next_due_at = None
        else:
            if enrollment.status == Enrollment.Status.PAUSED and _pause_is_over(enrollment, now):
                enrollment.status = Enrollment.Status.ACTIVE
            to_plan.append(enrollment)
    if overdue:
        FollowUp.objects.filter(pk__in=overdue, overdue_since__isnull=True).update(overdue_since=now)

    errors: dict[int, Exception] = {}
    situations = situations_build(enrollments=to_plan, now=now, errors=errors)
    upserts: list[tuple] = []
    cancelled: list[int] = []
    finishing: list[tuple[Enrollment, Decision]] = []
    failures: dict[Enrollment, Exception] = {}
    for enrollment in list(to_plan):
        try:
            if enrollment.pk in errors:
                raise errors[enrollment.pk]
            decision = plan_next(situations[enrollment.pk])
            row = _follow_up_row(enrollment, decision, now=now) if decision.action == Action.FOLLOW_UP else None
        except Exception as exc:  # noqa: BLE001 - one enrollment's bug or bad data must not stop the sweep
            failures[enrollment] = exc
            to_plan.remove(enrollment)
            continue
        planned = current.get(enrollment.pk)
        _apply(enrollment, decision, now=now)
        if row is not None:
            upserts.append(row)
            if planned is not None and (planned.attempt, planned.step) != (decision.attempt, decision.step):
                cancelled.append(planned.pk)
        elif planned is not None:
            cancelled.append(planned.pk)
        if decision.action in (Action.GIVE_UP, Action.REASSIGN):
            finishing.append((enrollment, decision))

    if cancelled:
        FollowUp.objects.filter(pk__in=cancelled).update(status=FollowUp.Status.CANCELLED)
    if upserts:
        _follow_ups_upsert(upserts)
    _enrollments_write([e for e in enrollments if e not in failures], now=now)
    _plans_set_aside(failures, now=now)
    LeadEvent.objects.bulk_create(
        LeadEvent(
            prospect_id=e.prospect_id, enrollment=e, kind=LeadEvent.Kind.STOPPED, detail=e.end_reason, created_at=now
        )
        for e in to_plan
        if e.status == Enrollment.Status.STOPPED and e.ended_at == now
    )
    # Team by team, in one order across every sweep: hand-overs lock the team's reps (see prospect_reassign).
    for enrollment, decision in sorted(finishing, key=lambda pair: (pair[0].prospect.team_id, pair[0].pk)):
        _finish(enrollment, decision, now=now)
    ended = sum(1 for e in to_plan if e.status not in OPEN) + len(finishing)
    return PlanReport(planned=len(to_plan), marked_overdue=len(overdue), ended=ended, failed=len(failures))


# One UPDATE ... FROM (VALUES ...) for a whole batch. Django's bulk_update builds a CASE per field per row, which
# cost three quarters of a sweep's time; this is the same write, typed explicitly so NULLs need no guessing.
_ENROLLMENTS_WRITE_SQL = """
    UPDATE cadence_enrollment AS e SET
        status = v.status, next_due_at = v.next_due_at, replan_requested_at = v.replan_requested_at,
        planned_at = v.planned_at, last_action = v.last_action, last_reason = v.last_reason,
        needs_contact = v.needs_contact, ended_at = v.ended_at, end_reason = v.end_reason, updated_at = v.planned_at,
        plan_error = '', plan_failures = 0
    FROM (VALUES %s) AS v(id, status, next_due_at, replan_requested_at, planned_at, last_action, last_reason,
                         needs_contact, ended_at, end_reason)
    WHERE e.id = v.id
"""
_ENROLLMENTS_WRITE_ROW = (
    "(%s::bigint, %s::varchar, %s::timestamptz, %s::timestamptz, %s::timestamptz, %s::varchar, %s::varchar, "
    "%s::boolean, %s::timestamptz, %s::varchar)"
)


# Upsert on (enrollment, attempt, step): a replan rewrites the same step in place and revives it if it was
# cancelled; its snooze count and creation time stay.
_FOLLOW_UPS_UPSERT_SQL = """
    INSERT INTO cadence_followup (enrollment_id, rep_id, prospect_id, contact_id, attempt, step, attempt_of, due_start,
                                  due_end, channel, kind, theme, reason, is_next_step, status, snooze_count,
                                  snooze_reason, created_at)
    VALUES %s
    ON CONFLICT (enrollment_id, attempt, step) DO UPDATE SET
        attempt_of = EXCLUDED.attempt_of,
        rep_id = EXCLUDED.rep_id, contact_id = EXCLUDED.contact_id, due_start = EXCLUDED.due_start,
        due_end = EXCLUDED.due_end, channel = EXCLUDED.channel, kind = EXCLUDED.kind, theme = EXCLUDED.theme,
        reason = EXCLUDED.reason, is_next_step = EXCLUDED.is_next_step, status = EXCLUDED.status,
        overdue_since = NULL, reminded_at = NULL, touch_id = NULL, completed_at = NULL
"""


def _follow_ups_upsert(rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        execute_values(cursor.cursor, _FOLLOW_UPS_UPSERT_SQL, rows, page_size=1000)


def _enrollments_write(enrollments: list[Enrollment], *, now: dt.datetime) -> None:
    rows = [
        (
            e.pk,
            e.status,
            e.next_due_at,
            e.replan_requested_at,
            e.planned_at or now,
            e.last_action,
            e.last_reason,
            e.needs_contact,
            e.ended_at,
            e.end_reason,
        )
        for e in enrollments
    ]
    with connection.cursor() as cursor:
        execute_values(cursor.cursor, _ENROLLMENTS_WRITE_SQL, rows, template=_ENROLLMENTS_WRITE_ROW, page_size=1000)


def _pause_is_over(enrollment: Enrollment, now: dt.datetime) -> bool:
    return enrollment.paused_until is not None and enrollment.paused_until <= now


def _apply(enrollment: Enrollment, decision: Decision, *, now: dt.datetime) -> None:
    enrollment.planned_at = now
    enrollment.replan_requested_at = None
    enrollment.last_action = str(decision.action)
    enrollment.last_reason = decision.reason[:300]
    enrollment.needs_contact = decision.action == Action.NEEDS_CONTACT
    enrollment.next_due_at = None
    match decision.action:
        case Action.FOLLOW_UP:
            enrollment.status = Enrollment.Status.ENGAGED if decision.is_next_step else Enrollment.Status.ACTIVE
            enrollment.next_due_at = decision.due_end
        case Action.WAIT:
            enrollment.next_due_at = decision.until
        case Action.PAUSED:
            enrollment.next_due_at = decision.until
        case Action.ENGAGE:
            enrollment.status = Enrollment.Status.ENGAGED
        case Action.STOP:
            enrollment.status = Enrollment.Status.STOPPED
            enrollment.ended_at = now
            enrollment.end_reason = decision.reason[:300]


def _follow_up_row(enrollment: Enrollment, decision: Decision, *, now: dt.datetime) -> tuple:
    """One row of _FOLLOW_UPS_UPSERT_SQL, built straight from the decision: a model instance per row cost about
    as much as the write itself."""
    return (
        enrollment.pk,
        enrollment.owner_id,
        enrollment.prospect_id,
        decision.contact_id,
        decision.attempt,
        decision.step,
        decision.attempt_of,
        decision.due_start,
        decision.due_end,
        str(decision.channel),
        str(decision.kind),
        str(decision.theme),
        decision.reason[:300],
        decision.is_next_step,
        FollowUp.Status.PLANNED.value,
        0,
        "",
        now,
    )


def _finish(enrollment: Enrollment, decision: Decision, *, now: dt.datetime) -> None:
    if decision.action == Action.GIVE_UP:
        _end_as_given_up(enrollment, now=now, reason=decision.reason, early=False, recycle_on=decision.recycle_on)
    else:
        prospect_reassign(prospect=enrollment.prospect, now=now, reason=decision.reason, enrollment=enrollment)


def _end_as_given_up(
    enrollment: Enrollment,
    *,
    now: dt.datetime,
    reason: str,
    early: bool,
    recycle_on: dt.date | None,
    actor: User | None = None,
) -> None:
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=Enrollment.Status.GAVE_UP,
        ended_at=now,
        end_reason=reason[:300],
        gave_up_early=early,
        next_due_at=None,
        replan_requested_at=None,
    )
    FollowUp.objects.filter(enrollment=enrollment, status=FollowUp.Status.PLANNED).update(
        status=FollowUp.Status.CANCELLED
    )
    Prospect.objects.filter(pk=enrollment.prospect_id).exclude(status__in=Prospect.CLOSED_STATUSES).update(
        status=Prospect.Status.DORMANT, recycle_on=recycle_on, updated_at=now
    )
    enrollment.status = Enrollment.Status.GAVE_UP
    _event(
        prospect_id=enrollment.prospect_id,
        enrollment_id=enrollment.pk,
        actor=actor,
        now=now,
        kind=LeadEvent.Kind.GAVE_UP,
        detail=f"{reason} (before the minimum number of attempts)" if early else reason,
    )


def enrollment_give_up(
    *,
    enrollment: Enrollment,
    now: dt.datetime,
    reason: str = "",
    confirm_early: bool = False,
    actor: User | None = None,
) -> bool:
    """A rep gives up on a lead. Before the cadence's minimum this raises GiveUpTooEarly unless confirmed, and
    the give-up is recorded as early. Returns whether it was early."""
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update().select_related("cadence", "prospect").get(pk=enrollment.pk)
        if not enrollment.is_open:
            raise ValidationError("This lead's cadence has already ended.")
        situation = situations_build(enrollments=[enrollment], now=now)[enrollment.pk]
        early = give_up_is_early(situation)
        if early and not confirm_early:
            raise GiveUpTooEarly(
                f"Only {count_attempts(situation)} of at least {situation.rules.min_touches} attempts so far: many "
                "buyers answer between the 5th and the 10th. Give up anyway?"
            )
        _end_as_given_up(enrollment, now=now, reason=reason or "Gave up", early=early, recycle_on=None, actor=actor)
        return early


def prospect_reassign(
    *,
    prospect: Prospect,
    now: dt.datetime,
    reason: str,
    to: User | None = None,
    enrollment: Enrollment | None = None,
    actor: User | None = None,
) -> User | None:
    """Hand a lead to another rep of its team, never to an unavailable one nor back to the rep giving it up.

    The old enrollment ends as reassigned and the cadence restarts for the new owner; the touches stay.
    Returns the new owner, or None when nobody can take it (the enrollment stays open and is retried later).

    1. Lock the team's reps in id order, then the prospect. Every hand-over takes its locks in that one order, so
       two sweeps (or a sweep and a manager) handing leads to the same reps wait for each other instead of
       deadlocking on the reps' rows.
    2. A closed prospect (won, lost, do not contact) is never handed over: a new owner would mean a new cadence,
       and "opted out" or "not interested" must stay final. Reopening one is its own action, with a reason.
    """
    with transaction.atomic():
        _team_reps_lock(team_id=prospect.team_id)
        prospect = Prospect.objects.select_for_update(of=("self",)).select_related("team").get(pk=prospect.pk)
        if prospect.is_closed:
            raise ValidationError(
                f"{prospect} is {prospect.get_status_display().lower()}: it is not handed over, so nobody contacts "
                "it again."
            )
        return _reassign_locked(prospect=prospect, now=now, reason=reason, to=to, enrollment=enrollment, actor=actor)


def _team_reps_lock(*, team_id: int) -> None:
    list(User.objects.select_for_update().filter(team_id=team_id).order_by("pk").values_list("pk", flat=True))


def _reassign_locked(
    *,
    prospect: Prospect,
    now: dt.datetime,
    reason: str,
    to: User | None,
    enrollment: Enrollment | None,
    actor: User | None,
) -> User | None:
    enrollment = enrollment or enrollment_open_for_prospect(prospect_id=prospect.pk)
    previous_owner_id = prospect.owner_id
    new_owner = to or rep_pick_for_handover(team=prospect.team, exclude_ids={previous_owner_id})
    if new_owner is None:
        if enrollment is not None:
            if enrollment.last_action != "reassign_blocked":  # once, not at every hourly retry
                _event(
                    prospect_id=prospect.pk,
                    enrollment_id=enrollment.pk,
                    actor=actor,
                    now=now,
                    kind=LeadEvent.Kind.REASSIGN_BLOCKED,
                    detail="No other rep on the team is available",
                )
            Enrollment.objects.filter(pk=enrollment.pk).update(
                last_action="reassign_blocked",
                last_reason="Could not hand over: no other rep on the team is available",
                next_due_at=now + HANDOVER_RETRY_AFTER,
            )
        return None
    if new_owner.pk == previous_owner_id or new_owner.team_id != prospect.team_id or not new_owner.is_available:
        raise ValidationError(f"{new_owner} cannot take this lead: pick an available rep of {prospect.team}.")
    if enrollment is not None:
        Enrollment.objects.filter(pk=enrollment.pk, status__in=OPEN).update(
            status=Enrollment.Status.REASSIGNED,
            ended_at=now,
            end_reason=f"Handed to {new_owner}: {reason}"[:300],
            next_due_at=None,
            replan_requested_at=None,
        )
        FollowUp.objects.filter(enrollment=enrollment, status=FollowUp.Status.PLANNED).update(
            status=FollowUp.Status.CANCELLED
        )
    Prospect.objects.filter(pk=prospect.pk).update(owner=new_owner, status=Prospect.Status.ACTIVE, updated_at=now)
    User.objects.filter(pk=new_owner.pk).update(last_assigned_at=now)
    previous_owner = User.objects.filter(pk=previous_owner_id).first()
    _event(
        prospect_id=prospect.pk,
        enrollment_id=enrollment.pk if enrollment else None,
        actor=actor,
        now=now,
        kind=LeadEvent.Kind.REASSIGNED,
        detail=f"From {previous_owner} to {new_owner}: {reason}",
    )
    prospect.refresh_from_db()
    enrollment_create(
        prospect=prospect, now=now, cadence=enrollment.cadence if enrollment is not None else None, actor=actor
    )
    return new_owner


def enrollment_pause(
    *,
    enrollment: Enrollment,
    now: dt.datetime,
    until: dt.datetime | None = None,
    actor: User | None = None,
    note: str = "",
) -> None:
    if not enrollment.is_open:
        raise ValidationError("This lead's cadence has already ended.")
    if until is not None and until <= now:
        raise ValidationError("A pause must end in the future.")
    if until is not None:
        check_moment_in_range(until, now=now)
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.PAUSED, paused_until=until)
    _event(
        prospect_id=enrollment.prospect_id,
        enrollment_id=enrollment.pk,
        actor=actor,
        now=now,
        kind=LeadEvent.Kind.PAUSED,
        detail=_with_note(f"Until {until:%a %d %b %Y}" if until else "Until resumed", note),
    )
    enrollment_request_plan(enrollment_id=enrollment.pk, now=now)


def enrollment_resume(*, enrollment: Enrollment, now: dt.datetime, actor: User | None = None) -> None:
    resumed = Enrollment.objects.filter(pk=enrollment.pk, status=Enrollment.Status.PAUSED).update(
        status=Enrollment.Status.ACTIVE, paused_until=None
    )
    if resumed:
        _event(
            prospect_id=enrollment.prospect_id,
            enrollment_id=enrollment.pk,
            actor=actor,
            now=now,
            kind=LeadEvent.Kind.RESUMED,
        )
    enrollment_request_plan(enrollment_id=enrollment.pk, now=now)


def follow_up_snooze(
    *, follow_up: FollowUp, now: dt.datetime, until: dt.datetime, reason: str = "", actor: User | None = None
) -> None:
    """Push one follow-up later. Snoozes are counted: a lead snoozed again and again is stalled, not alive."""
    if follow_up.status != FollowUp.Status.PLANNED:
        raise ValidationError("Only a planned follow-up can be snoozed.")
    if until <= now:
        raise ValidationError("Snooze until a time in the future.")
    check_moment_in_range(until, now=now)
    FollowUp.objects.filter(pk=follow_up.pk).update(
        snooze_count=F("snooze_count") + 1, snooze_reason=reason.strip()[:200]
    )
    Enrollment.objects.filter(pk=follow_up.enrollment_id).update(
        snoozed_until=until, snooze_count=F("snooze_count") + 1
    )
    _event(
        prospect_id=follow_up.prospect_id,
        enrollment_id=follow_up.enrollment_id,
        actor=actor,
        now=now,
        kind=LeadEvent.Kind.SNOOZED,
        detail=f"Until {until:%a %d %b %H:%M}" + (f": {reason.strip()}" if reason.strip() else ""),
    )
    enrollment_request_plan(enrollment_id=follow_up.enrollment_id, now=now)


def enrollment_set_next_step(
    *, enrollment: Enrollment, what: str, due_at: dt.datetime, now: dt.datetime, actor: User | None = None
) -> None:
    """After a conversation the rep records what happens next and when; that becomes the next follow-up."""
    what = what.strip()
    if not what:
        raise ValidationError("Say what the next step is.")
    if due_at <= now:
        raise ValidationError("A next step needs a date in the future.")
    check_moment_in_range(due_at, now=now)
    if not enrollment.is_open:
        raise ValidationError("This lead's cadence has already ended.")
    Enrollment.objects.filter(pk=enrollment.pk).update(
        next_step=what[:200], next_step_due_at=due_at, status=Enrollment.Status.ENGAGED
    )
    _event(
        prospect_id=enrollment.prospect_id,
        enrollment_id=enrollment.pk,
        actor=actor,
        now=now,
        kind=LeadEvent.Kind.NEXT_STEP,
        detail=f"{what[:200]} on {due_at:%a %d %b %H:%M}",
    )
    enrollment_request_plan(enrollment_id=enrollment.pk, now=now)


# A manager extends a promising lead's cadence; more than this at once is a typo.
MAX_EXTENSION = 30


def _with_note(detail: str, note: str) -> str:
    """A manager's note goes into the lead's history next to what was done."""
    return f"{detail}: {note.strip()}"[:300] if note.strip() else detail


def enrollment_extend(
    *, enrollment: Enrollment, extra_touches: int, now: dt.datetime, actor: User | None = None, note: str = ""
) -> None:
    """Allow more attempts than the cadence does, e.g. for a high-value lead close to answering."""
    if not 1 <= extra_touches <= MAX_EXTENSION:
        raise ValidationError(f"Extend by 1 to {MAX_EXTENSION} attempts.")
    if not enrollment.is_open:
        raise ValidationError("This lead's cadence has already ended.")
    Enrollment.objects.filter(pk=enrollment.pk).update(extra_touches=F("extra_touches") + extra_touches)
    _event(
        prospect_id=enrollment.prospect_id,
        enrollment_id=enrollment.pk,
        actor=actor,
        now=now,
        kind=LeadEvent.Kind.EXTENDED,
        detail=_with_note(f"{extra_touches} more attempt{'s' if extra_touches != 1 else ''}", note),
    )
    enrollment_request_plan(enrollment_id=enrollment.pk, now=now)


def _reason_required(reason: str, what: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": f"Say why you {what}: it goes into the lead's history."})
    return reason[:250]


def prospect_reopen(*, prospect: Prospect, actor: User, reason: str, now: dt.datetime) -> None:
    """Reopen a lost prospect, with a reason, so it can be enrolled again. A contact who said "not interested"
    stays do-not-contact: the cadence will look for someone else there."""
    reason = _reason_required(reason, "reopen it")
    with transaction.atomic():
        prospect = Prospect.objects.select_for_update(of=("self",)).get(pk=prospect.pk)
        if prospect.status != Prospect.Status.LOST:
            raise ValidationError(f"{prospect} is not lost; there is nothing to reopen.")
        Prospect.objects.filter(pk=prospect.pk).update(status=Prospect.Status.ACTIVE, updated_at=now)
        _event(prospect_id=prospect.pk, actor=actor, now=now, kind=LeadEvent.Kind.REOPENED, detail=reason)


def prospect_do_not_contact_lift(*, prospect: Prospect, actor: User, reason: str, now: dt.datetime) -> None:
    """Lift a do-not-contact, the one way back from an opt-out: a manager of the prospect's team, with a reason,
    recorded in the lead's history. Nothing is planned until someone enrolls the prospect again."""
    if not (actor.is_superuser or actor.managed_teams.filter(pk=prospect.team_id).exists()):
        raise PermissionDenied("Only a manager of the prospect's team can lift a do-not-contact.")
    reason = _reason_required(reason, "lift it")
    with transaction.atomic():
        prospect = Prospect.objects.select_for_update(of=("self",)).get(pk=prospect.pk)
        marked = Contact.objects.filter(prospect=prospect, do_not_contact=True)
        if prospect.status != Prospect.Status.DO_NOT_CONTACT and not marked.exists():
            raise ValidationError(f"{prospect} is not marked do not contact.")
        names = ", ".join(marked.values_list("name", flat=True))
        marked.update(do_not_contact=False, updated_at=now)
        if prospect.status == Prospect.Status.DO_NOT_CONTACT:
            Prospect.objects.filter(pk=prospect.pk).update(status=Prospect.Status.ACTIVE, updated_at=now)
        detail = f"{reason} (contacts: {names})" if names else reason
        _event(prospect_id=prospect.pk, actor=actor, now=now, kind=LeadEvent.Kind.DO_NOT_CONTACT_LIFTED, detail=detail)
