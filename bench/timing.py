"""Timing: warm-up, N timed runs, median and p95, SQL count and SQL time, and what each case reports."""

from __future__ import annotations

import contextlib
import cProfile
import io
import math
import pstats
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile: with few samples the p95 is simply the slowest run, never an interpolation."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Measurement:
    label: str
    samples_ms: list[float]
    queries: int | None = None
    sql_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    units: int = 1  # work items per run (enrollments planned, touches inserted) for rates
    statements: list[str] = field(default_factory=list)  # the counted run's SQL, shortened
    slowest: tuple[float, str, list[str]] | None = None  # (ms, statement, EXPLAIN) of the counted run's slowest
    # The counted run under cProfile: (total seconds, "total"), then (cumulative seconds, function) for the
    # project's own functions, slowest first.
    profile: list[tuple[float, str]] = field(default_factory=list)
    # UPDATEs of the counted run that set columns with a per-row CASE WHEN (bulk_update, Case(When(pk=...))).
    case_updates: int = 0

    @property
    def runs(self) -> int:
        return len(self.samples_ms)

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms) if self.samples_ms else math.nan

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 95)

    @property
    def sql_share(self) -> float:
        """Fraction of the median run spent inside cursor.execute (database, network and driver)."""
        if not self.sql_ms or not self.samples_ms:
            return math.nan
        return statistics.median(self.sql_ms) / self.median if self.median else math.nan

    @property
    def cpu_median(self) -> float:
        """This process's CPU time per run (Python, driver; not PostgreSQL's), median."""
        return statistics.median(self.cpu_ms) if self.cpu_ms else math.nan

    @property
    def rate(self) -> float:
        """Work items per second at the median run."""
        return self.units / (self.median / 1000) if self.median else math.nan


class _SqlClock:
    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def measure(
    label: str,
    run: Callable[[Any], Any],
    *,
    prepare: Callable[[int], Any] | None = None,
    warmup: int = 3,
    runs: int = 20,
    count_queries: bool = True,
    units: int = 1,
    after: Callable[[Any, Any], None] | None = None,
    budget_s: float | None = None,
    min_runs: int = 10,
    profile: bool = True,
) -> Measurement:
    """Time `run(prepare(i))`: `prepare` (untimed) hands each run its input, e.g. a fresh prospect.

    1. `warmup` untimed runs fill caches (connections, templates, holiday tables, PostgreSQL buffers); the
       last one runs under CaptureQueriesContext to count the queries (an extra untimed run without warm-up).
    2. `runs` timed runs. Each also records the time spent inside cursor.execute (an execute wrapper, about a
       microsecond per query; not the debug cursor) and this process's CPU time, which tells Python work
       from waiting when the machine is busy.
    `after(input, output)` runs untimed after every run (e.g. to restore state).
    With `budget_s`, a slow case gets fewer timed runs (never fewer than `min_runs`), judged from its warm-up;
    the report shows how many runs each number comes from.
    """
    index = 0
    queries: int | None = None
    statements: list[str] = []
    slowest: tuple[float, str, list[str]] | None = None
    profiled: list[tuple[float, str]] = []
    case_updates = 0

    def once(*, capture: bool) -> None:
        nonlocal index, queries, statements, slowest, profiled, case_updates
        value = prepare(index) if prepare is not None else None
        index += 1
        if capture:
            profiler = cProfile.Profile() if profile else None
            with CaptureQueriesContext(connection) as captured:
                if profiler is not None:
                    profiler.enable()
                try:
                    output = run(value)
                finally:
                    if profiler is not None:
                        profiler.disable()
            queries = len(captured.captured_queries)
            case_updates = sum(
                1
                for query in captured.captured_queries
                if query["sql"].lstrip().upper().startswith("UPDATE") and CASE_WHEN.search(query["sql"])
            )
            profiled = _project_functions(profiler) if profiler is not None else []
            statements = [shorten_sql(query["sql"]) for query in captured.captured_queries]
            slowest = _explain_slowest(captured.captured_queries)
        else:
            output = run(value)
        if after:
            after(value, output)

    started = time.perf_counter()
    for n in range(warmup):
        once(capture=count_queries and n == warmup - 1)
    if count_queries and warmup == 0:
        once(capture=True)
    if budget_s is not None and warmup:
        per_run = (time.perf_counter() - started) / max(1, warmup)
        runs = max(min(runs, min_runs), min(runs, int(budget_s / per_run) if per_run else runs))
    samples, sql, cpu = [], [], []
    for _ in range(runs):
        value = prepare(index) if prepare is not None else None
        index += 1
        clock = _SqlClock()
        with connection.execute_wrapper(clock):
            cpu_started = time.process_time()
            started = time.perf_counter()
            output = run(value)
            elapsed = time.perf_counter() - started
            cpu_elapsed = time.process_time() - cpu_started
        samples.append(elapsed * 1000)
        sql.append(clock.seconds * 1000)
        cpu.append(cpu_elapsed * 1000)
        if after:
            after(value, output)
    return Measurement(
        label=label,
        samples_ms=samples,
        queries=queries,
        sql_ms=sql,
        cpu_ms=cpu,
        units=units,
        statements=statements,
        slowest=slowest,
        profile=profiled,
        case_updates=case_updates,
    )


CASE_WHEN = re.compile(r"\bCASE\s+WHEN\b", re.IGNORECASE)
PROJECT_DIRS = ("/api/", "/cadence/", "/crm/", "/touches/", "/config/")


def _project_functions(profiler: cProfile.Profile, top: int = 12) -> list[tuple[float, str]]:
    """The run's total, then the project's functions (not Django's, not the bench's) by cumulative time."""
    stats = pstats.Stats(profiler, stream=io.StringIO())
    entries = stats.stats.items()  # type: ignore[attr-defined]
    total = max((cumulative for _, (_, _, _, cumulative, _) in entries), default=0.0)
    root = str(Path(__file__).resolve().parent.parent)
    ours = sorted(
        (
            (cumulative, f"{filename[len(root) + 1 :]}:{line}({name})")
            for (filename, line, name), (_, _, _, cumulative, _) in entries
            if filename.startswith(root) and any(part in filename[len(root) :] for part in PROJECT_DIRS)
        ),
        reverse=True,
    )
    return [(total, "total"), *ours[:top]]


def _explain_slowest(
    captured: list[dict[str, str]], *, at_least_ms: float = 1.0
) -> tuple[float, str, list[str]] | None:
    """The plan PostgreSQL chooses for the slowest SELECT of a run (EXPLAIN only: nothing is executed again)."""
    reads = [q for q in captured if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]
    if not reads:
        return None
    query = max(reads, key=lambda q: float(q["time"]))
    ms = float(query["time"]) * 1000
    if ms < at_least_ms:
        return None
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + query["sql"])
            plan = [row[0] for row in cursor.fetchall()]
    except Exception as exc:  # a statement that cannot be explained out of its context: say so
        plan = [f"(no plan: {type(exc).__name__})"]
    return ms, shorten_sql(query["sql"], width=300), plan


def shorten_sql(sql: str, width: int = 110) -> str:
    """A statement's shape: whitespace collapsed, literal lists and values elided, cut to `width`."""
    sql = re.sub(r"\s+", " ", sql)
    sql = re.sub(r"IN \([^)]*\)", "IN (...)", sql)
    sql = re.sub(r"VALUES \(.*", "VALUES (...)", sql)
    sql = re.sub(r"'[^']*'", "'…'", sql)
    sql = re.sub(r"\b\d+\b", "N", sql)
    return sql[:width]


class TaskSink:
    """Celery stays non-eager and publishes nothing: `Task.apply_async` is replaced by a counter.

    On-commit callbacks still run (they call `.delay()`, which lands here), so their small cost is timed, but
    no message goes to Redis and no planning happens behind the benchmark's back.
    """

    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()

    @contextlib.contextmanager
    def installed(self) -> Iterator[TaskSink]:
        from celery.app.task import Task

        from config.celery import app

        sink = self

        def apply_async(task: Task, args: Any = None, kwargs: Any = None, **options: Any) -> None:
            sink.sent[task.name] += 1

        previous_eager = app.conf.task_always_eager
        original = Task.apply_async
        app.conf.task_always_eager = False
        Task.apply_async = apply_async  # type: ignore[method-assign,assignment]
        try:
            yield self
        finally:
            Task.apply_async = original  # type: ignore[method-assign]
            app.conf.task_always_eager = previous_eager


def load_average() -> str:
    try:
        with open("/proc/loadavg", encoding="ascii") as handle:
            return " ".join(handle.read().split()[:3])
    except OSError:
        return "?"
