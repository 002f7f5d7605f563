"""Planning: the planner's decisions written for a batch of locked enrollments, one bad lead set aside.

Planning is idempotent: it recomputes the next decision from PostgreSQL state, under a row lock taken with
SKIP LOCKED, and writes at most one planned follow-up per (enrollment, attempt, step). Replaying it changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q, QuerySet
from psycopg2.extras import execute_values

from cadence.models import Cadence, Enrollment, FollowUp, LeadEvent
from cadence.planner import Action, Decision, plan_next
from cadence.services.leads import end_as_given_up, prospect_reassign
from cadence.situation import situations_build

logger = logging.getLogger(__name__)

# A plan request older than this was lost with its message (worker killed, broker flushed): the sweep repairs it.
STALE_PLAN_AFTER = dt.timedelta(seconds=30)
OPEN = Enrollment.OPEN_STATUSES


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


def _open_locked() -> QuerySet[Enrollment]:
    """Open enrollments with their prospect, locked to be planned: rows another worker holds are skipped, as
    that worker is planning them."""
    return (
        Enrollment.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("prospect")
        .filter(status__in=OPEN)
    )


def enrollments_plan(*, enrollment_ids: Sequence[int], now: dt.datetime) -> PlanReport:
    """Plan the given enrollments now (the on-commit task). Rows another worker holds are left to it."""
    with transaction.atomic():
        locked = _with_cadences(_open_locked().filter(pk__in=enrollment_ids))
        return _plan_isolated(locked, now=now, force=True)


def prospect_plan_now(*, prospect_id: int, now: dt.datetime) -> None:
    """Plan a lead in the request that changed it, so the page shows what comes next (the voicemail of the same
    attempt, the next call) without waiting for the worker, whose task then finds the plan current. A failure is
    logged, never raised: the write is committed, and the worker and the sweep plan it anyway."""
    ids = list(Enrollment.objects.filter(prospect_id=prospect_id, status__in=OPEN).values_list("pk", flat=True))
    if ids:
        enrollments_plan_now(enrollment_ids=ids, now=now)


def enrollments_plan_now(*, enrollment_ids: Sequence[int], now: dt.datetime) -> None:
    """`prospect_plan_now` for enrollments the caller knows. Inside the caller's transaction the plan is a
    savepoint of its own: a failure rolls back only the plan, is logged, and the write commits without it."""
    # Not `enrollments_plan`: for the one or two enrollments of a request, its one-by-one retry of a failed batch
    # would fail again, and its second savepoint and separate read of the cadence were round trips on every log.
    try:
        with transaction.atomic():
            locked = _open_locked().select_related("cadence").filter(pk__in=enrollment_ids)
            _plan_locked(list(locked), now=now, force=True)
    except Exception:
        logger.exception("planning enrollments %s in the request failed; the worker will", list(enrollment_ids))


def enrollments_plan_due(*, now: dt.datetime, limit: int = 500) -> PlanReport:
    """Plan one batch of what is due: follow-ups whose window ended, waits that are over, stale plans."""
    with transaction.atomic():
        locked = _with_cadences(
            _open_locked().filter(Q(next_due_at__lte=now) | Q(replan_requested_at__lte=now - STALE_PLAN_AFTER))[:limit]
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
                                  snooze_reason, created_at, is_inbound)
    VALUES %s
    ON CONFLICT (enrollment_id, attempt, step) DO UPDATE SET
        attempt_of = EXCLUDED.attempt_of,
        rep_id = EXCLUDED.rep_id, contact_id = EXCLUDED.contact_id, due_start = EXCLUDED.due_start,
        due_end = EXCLUDED.due_end, channel = EXCLUDED.channel, kind = EXCLUDED.kind, theme = EXCLUDED.theme,
        reason = EXCLUDED.reason, is_next_step = EXCLUDED.is_next_step, status = EXCLUDED.status,
        is_inbound = EXCLUDED.is_inbound,
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
        decision.is_inbound,
    )


def _finish(enrollment: Enrollment, decision: Decision, *, now: dt.datetime) -> None:
    if decision.action == Action.GIVE_UP:
        end_as_given_up(enrollment, now=now, reason=decision.reason, early=False, recycle_on=decision.recycle_on)
    else:
        prospect_reassign(prospect=enrollment.prospect, now=now, reason=decision.reason, enrollment=enrollment)
