"""(b) logging one touch, (c) planning one enrollment after it, (f) 500 touches at once.

Touch logging commits, as in production, on a fresh prospect each run (an open enrollment with a planned
follow-up, as the rep finds it on My day); the re-plans it asks for are done untimed afterwards. The 500-touch
inserts run in a transaction that is rolled back, all variants alike, so every run sees the same tables.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from psycopg2.extras import execute_values

from bench.registry import BenchContext, CaseResult, Subject, case, p95_under, raw_ratio_at_least
from bench.timing import measure

BULK = 500


def _load(subject: Subject) -> tuple[Any, Any, Any]:
    from crm.models import Contact, Prospect, User

    prospect = Prospect.objects.get(pk=subject.prospect_id)
    contact = Contact.objects.get(pk=subject.contact_id) if subject.contact_id else None
    return User.objects.get(pk=subject.owner_id), prospect, contact


def _touch_log(arg: tuple[Any, Any, Any]) -> Any:
    from cadence.services import touch_log
    from touches.data import TouchData

    rep, prospect, contact = arg
    now = timezone.now()
    call = TouchData(
        id=uuid.uuid4(), prospect=prospect, contact=contact, channel="call", outcome="no_answer", occurred_at=now
    )
    return touch_log(rep=rep, data=call, now=now)


def _touch_log_raw(subject: Subject) -> None:
    """The same rows written by hand: the touch, the answered follow-up, the plan request. One transaction."""
    now = timezone.now()
    touch_id = uuid.uuid4()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO touches_touch (id, prospect_id, contact_id, rep_id, channel, kind, outcome, theme, note, "
            "duration_seconds, occurred_at, source, created_at, updated_at, deleted_at) VALUES "
            "(%s, %s, %s, %s, 'call', 'regular', 'no_answer', 'none', '', NULL, %s, 'web', %s, %s, NULL)",
            [touch_id, subject.prospect_id, subject.contact_id, subject.owner_id, now, now, now],
        )
        cursor.execute(
            "SELECT id FROM cadence_enrollment WHERE prospect_id = %s AND status IN ('active', 'engaged', 'paused') "
            "LIMIT 1",
            [subject.prospect_id],
        )
        enrollment_id = cursor.fetchone()[0]
        cursor.execute(
            "UPDATE cadence_followup SET status = 'done', touch_id = %s, completed_at = %s "
            "WHERE enrollment_id = %s AND status = 'planned'",
            [touch_id, now, enrollment_id],
        )
        cursor.execute(
            "UPDATE cadence_enrollment SET replan_requested_at = coalesce(replan_requested_at, %s) "
            "WHERE id = %s AND status IN ('active', 'engaged', 'paused')",
            [now, enrollment_id],
        )


@case("touch_log", "Log one touch: cadence.services.touch_log", order=10)
def touch_log_case(ctx: BenchContext) -> CaseResult:
    result = ctx.result()
    result.target = p95_under(50)
    warmup, runs = ctx.runs(10, quick=1), ctx.runs(200, quick=3)
    subjects = ctx.subjects(2 * (warmup + runs + 1))
    app_subjects, raw_subjects = subjects[: warmup + runs + 1], subjects[warmup + runs + 1 :]
    result.main = measure("touch_log()", _touch_log, prepare=lambda i: _load(app_subjects[i]), warmup=warmup, runs=runs)
    result.raw = measure(
        "raw SQL: insert + follow-up done + plan request",
        _touch_log_raw,
        prepare=lambda i: raw_subjects[i],
        warmup=warmup,
        runs=runs,
    )
    result.facts["tasks sent (not published)"] = ", ".join(f"{k} ×{v}" for k, v in ctx.sink.sent.items()) or "none"
    result.facts["each run"] = "a no-answer call on a fresh prospect of an active enrollment; committed"
    ctx.replan([s.enrollment_id for s in subjects])
    return result


def _plan_one(subject: Subject) -> Any:
    from cadence.services import enrollments_plan

    return enrollments_plan(enrollment_ids=[subject.enrollment_id], now=timezone.now())


def _plan_one_raw(subject: Subject) -> None:
    """The planning transaction's reads and writes by hand, minus the planner's decision (a fixed slot)."""
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.*, p.*, c.* FROM cadence_enrollment e JOIN crm_prospect p ON p.id = e.prospect_id "
            "JOIN cadence_cadence c ON c.id = e.cadence_id "
            "WHERE e.id = %s AND e.status IN ('active', 'engaged', 'paused') FOR UPDATE OF e SKIP LOCKED",
            [subject.enrollment_id],
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT * FROM cadence_followup WHERE enrollment_id = %s AND status = 'planned'", [subject.enrollment_id]
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT prospect_id, occurred_at, channel, kind, outcome, theme, contact_id FROM touches_touch "
            "WHERE deleted_at IS NULL AND prospect_id = %s",
            [subject.prospect_id],
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT id, prospect_id, role, timezone, phone, email, do_not_contact, left_company, wrong_person, "
            "email_bounced FROM crm_contact WHERE prospect_id = %s",
            [subject.prospect_id],
        )
        cursor.fetchall()
        due = now + dt.timedelta(days=2)
        cursor.execute(
            "INSERT INTO cadence_followup (enrollment_id, rep_id, prospect_id, contact_id, attempt, step, attempt_of, "
            "due_start, due_end, channel, kind, theme, reason, is_next_step, status, overdue_since, reminded_at, "
            "touch_id, completed_at, snooze_count, snooze_reason, created_at) "
            "SELECT %s, %s, %s, %s, coalesce(max(attempt), 0) + 1, 0, greatest(8, coalesce(max(attempt), 0) + 1), "
            "%s, %s, 'call', 'regular', 'information', "
            "'Attempt · every other day', false, 'planned', NULL, NULL, NULL, NULL, 0, '', %s "
            "FROM cadence_followup WHERE enrollment_id = %s "
            "ON CONFLICT (enrollment_id, attempt, step) DO UPDATE SET due_start = EXCLUDED.due_start, "
            "due_end = EXCLUDED.due_end, status = EXCLUDED.status",
            [
                subject.enrollment_id,
                subject.owner_id,
                subject.prospect_id,
                subject.contact_id,
                due,
                due + dt.timedelta(hours=1),
                now,
                subject.enrollment_id,
            ],
        )
        cursor.execute(
            "UPDATE cadence_enrollment SET status = 'active', next_due_at = %s, replan_requested_at = NULL, "
            "planned_at = %s, last_action = 'follow_up', last_reason = 'Attempt', needs_contact = false, "
            "ended_at = NULL, end_reason = '' WHERE id = %s",
            [due + dt.timedelta(hours=1), now, subject.enrollment_id],
        )


@case("plan_one", "Plan one enrollment after a touch: cadence.services.enrollments_plan", order=10)
def plan_one_case(ctx: BenchContext) -> CaseResult:
    result = ctx.result()
    warmup, runs = ctx.runs(10, quick=1), ctx.runs(100, quick=3)
    subjects = ctx.subjects(2 * (warmup + runs + 1))
    for subject in subjects:  # the touch that makes each plan necessary, untimed
        _touch_log(_load(subject))
    app_subjects, raw_subjects = subjects[: warmup + runs + 1], subjects[warmup + runs + 1 :]
    result.main = measure(
        "enrollments_plan([id])", _plan_one, prepare=lambda i: app_subjects[i], warmup=warmup, runs=runs
    )
    result.raw = measure(
        "raw SQL: same reads and writes, fixed slot instead of the planner",
        _plan_one_raw,
        prepare=lambda i: raw_subjects[i],
        warmup=warmup,
        runs=runs,
    )
    result.facts["each run"] = "the on-commit task's work for one enrollment whose follow-up was just answered"
    ctx.replan([s.enrollment_id for s in raw_subjects])
    return result


# -- (f) 500 touches ---------------------------------------------------------------------------------------------


def bulk_rows(ctx: BenchContext, run: int, count: int = BULK) -> list[dict[str, Any]]:
    """`count` new touches by one rep across their prospects, as a phone syncing a day's work sends them."""
    from crm.models import Contact, Prospect

    rep = ctx.rep()
    rng = random.Random(f"bulk:{run}")
    prospects = list(Prospect.objects.filter(owner=rep).order_by("pk").values_list("pk", flat=True)[:2000])
    picked = [rng.choice(prospects) for _ in range(count)]
    contacts = dict(
        Contact.objects.filter(prospect_id__in=set(picked), role="decision_maker").values_list("prospect_id", "pk")
    )
    now = timezone.now().replace(microsecond=0)
    return [
        {
            "id": uuid.UUID(int=rng.getrandbits(128), version=4),
            "prospect": prospect_id,
            "contact": contacts.get(prospect_id),
            "rep": rep.pk,
            "channel": "call",
            "outcome": "no_answer",
            "occurred_at": now - dt.timedelta(minutes=count - n),
            "note": "",
        }
        for n, prospect_id in enumerate(picked)
    ]


def rolled_back(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def run(arg: Any) -> Any:
        with transaction.atomic():
            output = function(arg)
            transaction.set_rollback(True)
        return output

    return run


def raw_insert(rows: list[dict[str, Any]]) -> None:
    now = timezone.now()
    with connection.cursor() as cursor:
        execute_values(
            cursor,
            "INSERT INTO touches_touch (id, prospect_id, contact_id, rep_id, channel, kind, outcome, theme, note, "
            "duration_seconds, occurred_at, source, created_at, updated_at, deleted_at) VALUES %s",
            [
                (
                    r["id"],
                    r["prospect"],
                    r["contact"],
                    r["rep"],
                    r["channel"],
                    "regular",
                    r["outcome"],
                    "none",
                    r["note"],
                    None,
                    r["occurred_at"],
                    "api",
                    now,
                    now,
                    None,
                )
                for r in rows
            ],
            page_size=len(rows),
        )


def _bulk_create(rows: list[dict[str, Any]]) -> None:
    from touches.models import Touch

    Touch.objects.bulk_create(
        Touch(
            id=r["id"],
            prospect_id=r["prospect"],
            contact_id=r["contact"],
            rep_id=r["rep"],
            channel=r["channel"],
            outcome=r["outcome"],
            occurred_at=r["occurred_at"],
            note=r["note"],
            source="api",
        )
        for r in rows
    )


def _bulk_sync_input(rows: list[dict[str, Any]]) -> tuple[Any, list[Any]]:
    from crm.models import Contact, Prospect, User
    from touches.data import TouchData

    prospects = Prospect.objects.in_bulk({r["prospect"] for r in rows})
    contacts = Contact.objects.in_bulk({r["contact"] for r in rows if r["contact"]})
    items = [
        TouchData(
            id=r["id"],
            prospect=prospects[r["prospect"]],
            contact=contacts.get(r["contact"]),
            channel=r["channel"],
            outcome=r["outcome"],
            occurred_at=r["occurred_at"],
            note=r["note"],
        )
        for r in rows
    ]
    return User.objects.get(pk=rows[0]["rep"]), items


def _bulk_sync(arg: tuple[Any, list[Any]]) -> Any:
    from cadence.services import touches_bulk_sync

    rep, items = arg
    report = touches_bulk_sync(rep=rep, items=items, now=timezone.now())
    if report.failed:
        raise RuntimeError(f"bulk sync refused items: {[r for r in report.results if r.status == 'error'][:2]}")
    return report


@case("bulk_insert_500", "500 touches at once: bulk sync service and bulk_create vs raw multi-row INSERT", order=10)
def bulk_insert_case(ctx: BenchContext) -> CaseResult:
    result = ctx.result()
    result.target = raw_ratio_at_least(0.25)
    warmup, runs = ctx.runs(3, quick=1), ctx.runs(15, quick=2)
    count = BULK if not ctx.quick else 50
    inputs = [bulk_rows(ctx, n, count) for n in range(warmup + runs + 1)]
    result.raw = measure(
        f"raw multi-row INSERT of {count}",
        rolled_back(raw_insert),
        prepare=lambda i: inputs[i],
        warmup=warmup,
        runs=runs,
        units=count,
    )
    bulk_create = measure(
        f"Touch.objects.bulk_create({count})",
        rolled_back(_bulk_create),
        prepare=lambda i: inputs[i],
        warmup=warmup,
        runs=runs,
        units=count,
    )
    try:
        import touches.services as touch_services

        has_service = hasattr(touch_services, "touches_bulk_sync")
    except ImportError:
        has_service = False
    if has_service:
        result.main = measure(
            f"touches_bulk_sync({count}) (the API's service)",
            rolled_back(_bulk_sync),
            prepare=lambda i: _bulk_sync_input(inputs[i]),
            warmup=warmup,
            runs=runs,
            units=count,
            budget_s=30,
            min_runs=5,
        )
        result.others.append(bulk_create)
    else:
        result.main = bulk_create
        result.notes.append("cadence.services.touches_bulk_sync does not exist yet: bulk_create is the main row")
    result.facts["each run"] = (
        f"{count} new no-answer calls by one rep over their prospects, in a transaction rolled back afterwards "
        "(all variants alike; the touch-changes trigger fires for every variant)"
    )
    return result
