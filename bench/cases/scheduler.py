"""(a) One scheduler sweep with 10,000 due enrollments: how many it plans per second (target: at least 2,000).

Before each run (untimed) the same 10,000 open enrollments get a stale plan request, the state a lost
on-commit message leaves behind, so the sweep must plan every one of them through the planner. Planning is
idempotent, so the runs after the first re-derive the same plans and rewrite them: the same reads and writes
each time. The raw-SQL run does those reads and writes (lock, follow-ups, touches, contacts, follow-up upsert,
enrollment update, in batches of 500) without the ORM and without the planner: the database floor.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from psycopg2.extras import execute_values

from bench.registry import BenchContext, CaseResult, case, rate_at_least
from bench.timing import measure, shorten_sql

DUE = 10_000
BATCH = 500
OPEN = ("active", "engaged", "paused")


def _due_set(count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM cadence_enrollment WHERE status = ANY(%s) ORDER BY id LIMIT %s", [list(OPEN), count]
        )
        return [row[0] for row in cursor.fetchall()]


def _mark_due(ids: list[int]) -> None:
    """Give the due set a stale plan request, then VACUUM: every run starts from the same physical state, not
    from the dead rows of the runs before it (autovacuum keeps a live system near that state)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cadence_enrollment SET replan_requested_at = now() - interval '5 minutes' WHERE id = ANY(%s)",
            [ids],
        )
        cursor.execute("VACUUM cadence_enrollment, cadence_followup")


def _drain() -> dict[str, int]:
    """Whatever is due in the stored data (follow-up windows that ended since it was loaded) is swept first."""
    from cadence.scheduler import scheduler_sweep

    totals: dict[str, int] = defaultdict(int)
    for _ in range(50):
        report = scheduler_sweep(now=timezone.now())
        totals["planned"] += report.plan.planned
        totals["marked overdue"] += report.plan.marked_overdue
        totals["reminded"] += report.reminders
        if report.plan.planned + report.plan.marked_overdue == 0:
            break
    return dict(totals)


def _orm_sweep(_: Any) -> Any:
    from cadence.scheduler import scheduler_sweep

    return scheduler_sweep(now=timezone.now())


_FOLLOW_UP_COLUMNS = (
    "enrollment_id, rep_id, prospect_id, contact_id, attempt, step, attempt_of, due_start, due_end, channel, kind, "
    "theme, reason, "
    "is_next_step, status, overdue_since, reminded_at, touch_id, completed_at, snooze_count, snooze_reason, created_at"
)
_UPSERT_COLUMNS = (
    "rep_id", "contact_id", "due_start", "due_end", "channel", "kind", "theme", "reason", "is_next_step", "status",
    "overdue_since", "reminded_at", "touch_id", "completed_at",
)  # fmt: skip
_UPSERT_SET = ", ".join(f"{column} = EXCLUDED.{column}" for column in _UPSERT_COLUMNS)


def _raw_batch(now: Any) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT e.*, p.*, c.* FROM cadence_enrollment e
            JOIN crm_prospect p ON p.id = e.prospect_id JOIN cadence_cadence c ON c.id = e.cadence_id
            WHERE e.status = ANY(%s) AND (e.next_due_at <= %s OR e.replan_requested_at <= %s)
            LIMIT %s FOR UPDATE OF e SKIP LOCKED
            """,
            [list(OPEN), now, now - timezone.timedelta(seconds=30), BATCH],
        )
        names = [column.name for column in cursor.description]
        rows = cursor.fetchall()
        if not rows:
            return 0
        enrollment_ids = [row[0] for row in rows]
        prospect_ids = [row[names.index("prospect_id")] for row in rows]
        cursor.execute(
            f"SELECT id, {_FOLLOW_UP_COLUMNS} FROM cadence_followup "
            "WHERE enrollment_id = ANY(%s) AND status = 'planned'",
            [enrollment_ids],
        )
        planned = {row[1]: row for row in cursor.fetchall()}
        # Each enrollment's own round only: what the planner needs, read through (prospect_id, occurred_at).
        cursor.execute(
            "SELECT t.prospect_id, t.occurred_at, t.channel, t.kind, t.outcome, t.theme, t.contact_id "
            "FROM touches_touch t JOIN cadence_enrollment e ON e.prospect_id = t.prospect_id "
            "WHERE t.deleted_at IS NULL AND e.id = ANY(%s) AND t.occurred_at >= coalesce(e.counts_from, '-infinity')",
            [enrollment_ids],
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT id, prospect_id, role, timezone, phone, email, do_not_contact, left_company, wrong_person, "
            "email_bounced FROM crm_contact WHERE prospect_id = ANY(%s)",
            [prospect_ids],
        )
        cursor.fetchall()
        if planned:
            execute_values(
                cursor,
                f"INSERT INTO cadence_followup ({_FOLLOW_UP_COLUMNS}) VALUES %s "
                f"ON CONFLICT (enrollment_id, attempt, step) DO UPDATE SET {_UPSERT_SET}",
                [row[1:] for row in planned.values()],
                page_size=BATCH,
            )
        status_at = names.index("status")
        values = [
            (
                row[0],
                row[status_at],
                planned[row[0]][9] if row[0] in planned else None,  # due_end of the plan
                "follow_up",
                "Planned",
            )
            for row in rows
        ]
        _update_enrollments(cursor, values, now)
        return len(rows)


def _update_enrollments(cursor: Any, values: list[tuple], now: Any) -> None:
    execute_values(
        cursor,
        "UPDATE cadence_enrollment e SET status = v.status, next_due_at = v.next_due_at::timestamptz, "
        "replan_requested_at = NULL, planned_at = v.planned_at::timestamptz, last_action = v.last_action, "
        "last_reason = v.last_reason, needs_contact = false "
        "FROM (VALUES %s) AS v(id, status, next_due_at, last_action, last_reason, planned_at) WHERE e.id = v.id",
        [(*value, now) for value in values],
        page_size=BATCH,
    )


def _raw_sweep(_: Any) -> int:
    now = timezone.now()
    planned = 0
    while True:
        count = _raw_batch(now)
        planned += count
        if count < BATCH:
            break
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM crm_prospect WHERE status = 'dormant' AND recycle_on <= %s LIMIT 200 FOR UPDATE SKIP LOCKED",
            [now.date()],
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT id, rep_id FROM cadence_followup WHERE status = 'planned' AND reminded_at IS NULL "
            "AND due_start <= %s LIMIT 2000 FOR UPDATE SKIP LOCKED",
            [now],
        )
        cursor.fetchall()
    return planned


# The functions "where the time goes" is summarised by (see bench.analysis).
PHASES = (
    ("models/query.py", "(bulk_update)"),
    ("models/query.py", "(bulk_create)"),
    ("cadence/situation.py", "(situations_build)"),
    ("planner/decide.py", "(plan_next)"),
    ("models/base.py", "(__init__)"),
    ("services/planning.py", "(_plan_locked)"),
)


def profile_sweep(mark: Callable[[], None]) -> dict[str, Any]:
    """One untimed sweep under cProfile and an SQL clock: where the time goes, by function and by statement."""
    from cadence.scheduler import scheduler_sweep

    mark()
    statements: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0])

    def clock(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            entry = statements[shorten_sql(sql)]
            entry[0] += 1
            entry[1] += time.perf_counter() - started
            entry[2] += max(0, context["cursor"].rowcount)

    profiler = cProfile.Profile()
    with connection.execute_wrapper(clock):
        started = time.perf_counter()
        profiler.enable()
        report = scheduler_sweep(now=timezone.now())
        profiler.disable()
        wall = time.perf_counter() - started
    stats = pstats.Stats(profiler, stream=io.StringIO())
    functions = []
    for (filename, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        functions.append((cumtime, tottime, calls, f"{_short(filename)}:{line}({name})"))
    focus = (
        "scheduler.py",
        "services.py",
        "situation.py",
        "planner/",
        "query.py",
        "compiler.py",
        "base.py",
        "psycopg2",
        "expressions.py",
        "{method 'execute'",
    )
    by_cum = sorted((f for f in functions if any(k in f[3] for k in focus)), reverse=True)[:25]
    by_self = sorted(functions, key=lambda f: f[1], reverse=True)[:20]
    sql = sorted(((seconds, count, text, rows) for text, (count, seconds, rows) in statements.items()), reverse=True)[
        :12
    ]
    phases = [entry for entry in functions if any(all(n in entry[3] for n in wanted) for wanted in PHASES)]
    # The driver's own execute time also counts statements sent on a raw psycopg2 cursor (execute_values on
    # `cursor.cursor`), which Django's execute wrappers, and so the SQL table and query counts, never see.
    driver = sum(own for _, own, _, name in functions if "method 'execute' of 'psycopg2" in name)
    return {
        "wall_s": wall,
        "planned": report.plan.planned,
        "cumulative": by_cum,
        "self": by_self,
        "sql": sql,
        "phases": sorted(phases, reverse=True),
        "sql_total_s": sum(entry[0] for entry in sql),
        "driver_execute_s": driver,
    }


def _short(filename: str) -> str:
    for marker in ("/site-packages/", "/work/main/", "/lib/python3.11/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


@case("scheduler_sweep", "Scheduler sweep, 10,000 due enrollments", order=0, rewrites=True)
def scheduler_sweep_case(ctx: BenchContext) -> CaseResult:
    result = ctx.result()
    result.target = rate_at_least(2000, "enrollments planned")
    due = DUE if not ctx.quick else 50
    ids = _due_set(due)
    result.facts["drained before timing"] = ", ".join(f"{k} {v:,}" for k, v in _drain().items()) or "nothing due"
    result.facts["due enrollments per run"] = f"{len(ids):,}"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT prospect_id) FROM touches_touch WHERE deleted_at IS NULL "
            "AND prospect_id IN (SELECT prospect_id FROM cadence_enrollment WHERE id = ANY(%s))",
            [ids],
        )
        touch_rows, _ = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM touches_touch t JOIN cadence_enrollment e ON e.prospect_id = t.prospect_id "
            "WHERE e.id = ANY(%s) AND t.deleted_at IS NULL AND t.occurred_at >= coalesce(e.counts_from, '-infinity')",
            [ids],
        )
        needed = cursor.fetchone()[0]
    result.facts["touches of the due prospects"] = f"{touch_rows:,}, of which {needed:,} in their current rounds"
    result.facts["touch rows the planner needs"] = str(needed)
    planned_counts: list[int] = []

    def record(_: Any, report: Any) -> None:
        planned_counts.append(report.plan.planned)

    runs = ctx.runs(3, quick=1)
    result.main = measure(
        "scheduler_sweep()",
        _orm_sweep,
        prepare=lambda _: _mark_due(ids),
        warmup=1,
        runs=runs,
        units=len(ids),
        after=record,
        profile=False,  # profile_sweep below does it, once, at the largest scale
    )
    result.raw = measure(
        "raw SQL, same reads and writes, no planner",
        _raw_sweep,
        prepare=lambda _: _mark_due(ids),
        warmup=1,
        runs=runs,
        units=len(ids),
        profile=False,
    )
    result.facts["planned per run"] = ", ".join(f"{n:,}" for n in planned_counts)
    if any(n != len(ids) for n in planned_counts[1:]):
        result.notes.append("some runs planned more or fewer than the due set: other rows became due meanwhile")
    result.facts["batches per sweep"] = f"{-(-len(ids) // BATCH)} of {BATCH}"
    if ctx.profile:
        ctx.profiles["scheduler_sweep"] = profile_sweep(lambda: _mark_due(ids))
    return result


def _sweep_in_processes(workers: int) -> float:
    """Wall time for `workers` processes, started together, to sweep until nothing is due: what N Celery workers
    do when the minute's sweep and the on-commit plans land on them at once. Forked children get connections of
    their own; SKIP LOCKED shares the batches out."""
    import multiprocessing

    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    start = context.Barrier(workers + 1)
    children = [context.Process(target=_sweep_child, args=(start,)) for _ in range(workers)]
    for child in children:
        child.start()
    start.wait()
    began = time.perf_counter()
    for child in children:
        child.join()
    elapsed = time.perf_counter() - began
    if any(child.exitcode for child in children):
        raise RuntimeError(f"a sweeping process failed: exit codes {[c.exitcode for c in children]}")
    return elapsed


def _sweep_child(start: Any) -> None:
    from django.db import connections

    from cadence.scheduler import scheduler_sweep

    connections.close_all()
    start.wait()
    scheduler_sweep(now=timezone.now())
    connections.close_all()


@case(
    "scheduler_parallel", "Scheduler sweep, 10,000 due enrollments, one worker process vs two", order=1, rewrites=True
)
def scheduler_parallel_case(ctx: BenchContext) -> CaseResult:
    """Scale-out: two worker processes sweeping the same due set at once, against one, on this 2-core machine."""
    from bench.timing import Measurement

    result = ctx.result()
    due = DUE if not ctx.quick else 50
    ids = _due_set(due)
    runs = ctx.runs(3, quick=1)
    timings: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(runs):
        for workers in (1, 2):
            _mark_due(ids)
            timings[workers].append(_sweep_in_processes(workers) * 1000)
    one = Measurement("one process: scheduler_sweep()", timings[1], units=len(ids))
    two = Measurement("two processes at once, sharing batches under SKIP LOCKED", timings[2], units=len(ids))
    result.main, result.others = two, [one]
    result.target = rate_at_least(1.6 * one.rate, "enrollments planned (1.6× one process)")
    result.facts["speed-up"] = f"{two.rate / one.rate:.2f}× one process ({one.rate:,.0f}/s → {two.rate:,.0f}/s)"
    result.facts["due enrollments per run"] = f"{len(ids):,}, batches of {BATCH}"
    return result
