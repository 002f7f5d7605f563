"""The open list of benchmark cases, and what each one gets to work with.

A case is a function `(ctx) -> CaseResult` registered with `@case(...)`. Cases for pages and endpoints that do
not exist yet call `ctx.url(...)`, which raises NotBuilt when the URL name does not resolve: the report lists
them as "not built yet", and they start measuring the day the URL lands, with no change here.
"""

from __future__ import annotations

import math
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection
from django.urls import NoReverseMatch, reverse

from bench.timing import Measurement, TaskSink, load_average


class NotBuilt(Exception):
    """The page or endpoint a case times is not there yet."""


@dataclass(frozen=True)
class Target:
    """What a case must reach (its target), and how to tell from a result (plain data, so a run can be saved)."""

    kind: str  # "p95_under", "rate_at_least" or "raw_ratio_at_least"
    value: float
    text: str

    def check(self, result: CaseResult) -> bool | None:
        main, raw = result.main, result.raw
        if main is None:
            return None
        if self.kind == "p95_under":
            return main.p95 < self.value
        if self.kind == "rate_at_least":
            return main.rate >= self.value
        if raw is None or not raw.rate:
            return None
        return main.rate / raw.rate >= self.value


def p95_under(ms: float) -> Target:
    return Target("p95_under", ms, f"p95 < {ms:g} ms")


def rate_at_least(per_second: float, unit: str) -> Target:
    return Target("rate_at_least", per_second, f"≥ {per_second:,.0f} {unit}/s")


def raw_ratio_at_least(fraction: float) -> Target:
    """The app's rate must be at least `fraction` of the raw SQL rate of the same work."""
    return Target("raw_ratio_at_least", fraction, f"≥ {fraction:g}× the raw-SQL rate")


@dataclass
class CaseResult:
    name: str
    title: str
    scale: float
    status: str = "ok"  # ok, not built, error
    main: Measurement | None = None
    raw: Measurement | None = None
    others: list[Measurement] = field(default_factory=list)
    target: Target | None = None
    facts: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str = ""
    load: str = ""

    @property
    def raw_ratio(self) -> float:
        """How many times slower than raw SQL doing the same work (1.0 = as fast)."""
        if not (self.main and self.raw) or not self.raw.median:
            return math.nan
        return self.main.median / self.raw.median

    @property
    def verdict(self) -> str:
        if self.status != "ok" or self.target is None:
            return "—"
        passed = self.target.check(self)
        return "—" if passed is None else ("PASS" if passed else "MISS")


@dataclass(frozen=True)
class Case:
    name: str
    title: str
    run: Callable[[BenchContext], CaseResult]
    kind: str  # "service" or "page"
    order: int  # cases are reported by this, then by registration
    # Replans the dataset for good (the sweep commits): run after the pages and the HTTP mode of its scale, so
    # they measure the data as generated, not a dataset whose every due lead was just replanned.
    rewrites: bool = False


REGISTRY: dict[str, Case] = {}


def case(
    name: str, title: str, *, kind: str = "service", order: int = 50, rewrites: bool = False
) -> Callable[[Callable[[BenchContext], CaseResult]], Callable[[BenchContext], CaseResult]]:
    """Register a case. The scheduler sweep is reported first (order 0) but run last (`rewrites`)."""

    def register(function: Callable[[BenchContext], CaseResult]) -> Callable[[BenchContext], CaseResult]:
        if name in REGISTRY:
            raise ValueError(f"benchmark case {name!r} is registered twice")
        REGISTRY[name] = Case(name=name, title=title, run=function, kind=kind, order=order, rewrites=rewrites)
        return function

    return register


def cases_in_order() -> list[Case]:
    import bench.cases  # noqa: F401  (registers every case)

    position = {name: index for index, name in enumerate(REGISTRY)}
    return sorted(REGISTRY.values(), key=lambda item: (item.order, position[item.name]))


@dataclass
class Subject:
    """An open enrollment with a planned follow-up: something a rep can log a touch against."""

    enrollment_id: int
    prospect_id: int
    owner_id: int
    contact_id: int | None
    follow_up_id: int


class BenchContext:
    """What cases share for one scale: the dataset's facts, the cast, fresh subjects, the task sink."""

    def __init__(
        self, *, scale: float, meta: dict[str, Any], sink: TaskSink, quick: bool = False, profile: bool = True
    ) -> None:
        self.scale = scale
        self.profile = profile
        self.meta = meta
        self.quick = quick
        self.sink = sink
        self._taken: set[int] = set()
        # Subjects are drawn at random, differently each run: the same few leads, logged against run after run of
        # a reused database, grew long histories that made every later run slower than a fresh one.
        self._salt = uuid.uuid4().hex
        # Profiles some cases take for the report ("where the time goes").
        self.profiles: dict[str, dict[str, Any]] = {}
        self.current: Case | None = None

    def result(self) -> CaseResult:
        """An empty result for the case being run."""
        assert self.current is not None
        return CaseResult(self.current.name, self.current.title, self.scale)

    def runs(self, full: int, *, quick: int = 2) -> int:
        return quick if self.quick else full

    def url(self, name: str, **kwargs: Any) -> str:
        try:
            return reverse(name, kwargs=kwargs or None)
        except NoReverseMatch:
            raise NotBuilt(name) from None

    def rep(self) -> Any:
        from crm.models import User

        return (
            User.objects.filter(role=User.Role.REP, username="rep1").first()
            or User.objects.filter(role=User.Role.REP).order_by("pk").first()
        )

    def busiest_rep(self) -> Any:
        """The rep with the most follow-ups planned for the coming week: My day at its fullest (75 rows shown)."""
        from crm.models import User

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rep_id FROM cadence_followup WHERE status = 'planned' AND due_start < now() + interval '7 days'"
                " GROUP BY rep_id ORDER BY count(*) DESC, rep_id LIMIT 1"
            )
            row = cursor.fetchone()
        return User.objects.get(pk=row[0]) if row else self.rep()

    def manager(self) -> Any:
        from crm.models import User

        return User.objects.filter(role=User.Role.MANAGER).order_by("pk").first()

    def superuser(self) -> Any:
        from crm.models import User

        user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            user = User.objects.create_superuser("bench-admin", "admin@bench.example", None)
        return user

    def long_history_prospect_id(self) -> int:
        ids = self.meta.get("long_history_prospect_ids") or []
        if ids:
            return int(ids[0])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT prospect_id FROM touches_touch WHERE deleted_at IS NULL "
                "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            )
            return int(cursor.fetchone()[0])

    def subjects(self, count: int, *, owner_id: int | None = None) -> list[Subject]:
        """Open, active enrollments with a planned follow-up that no case of this run has touched yet."""
        found: list[Subject] = []
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT e.id, e.prospect_id, e.owner_id, f.contact_id, f.id
                FROM cadence_enrollment e
                JOIN cadence_followup f ON f.enrollment_id = e.id AND f.status = 'planned'
                JOIN crm_prospect p ON p.id = e.prospect_id AND p.owner_id = e.owner_id
                WHERE e.status = 'active' AND e.replan_requested_at IS NULL AND f.is_next_step = false
                  AND (%s::bigint IS NULL OR e.owner_id = %s::bigint)
                ORDER BY md5(e.id::text || %s)
                LIMIT %s
                """,
                [owner_id, owner_id, self._salt, count + len(self._taken)],
            )
            for row in cursor.fetchall():
                if row[0] in self._taken:
                    continue
                found.append(Subject(*row))
                self._taken.add(row[0])
                if len(found) == count:
                    break
        if len(found) < count:
            raise RuntimeError(f"only {len(found)} fresh enrollments left, {count} needed")
        return found

    def replan(self, enrollment_ids: list[int]) -> None:
        """Untimed clean-up after a case logged touches: plan what the worker would have planned."""
        from django.utils import timezone

        from cadence.services import enrollments_plan

        for start in range(0, len(enrollment_ids), 500):
            enrollments_plan(enrollment_ids=enrollment_ids[start : start + 500], now=timezone.now())

    def subject_stream(self, count: int, **kwargs: Any) -> Iterator[Subject]:
        yield from self.subjects(count, **kwargs)


def settle() -> None:
    """Before the next case is timed, do what a production server would have done in the background since the last
    one: vacuum and analyze what autovacuum would have (when it is off, as on CI machines), then write out what
    earlier cases left dirty.

    Without the first, the rolled-back imports leave the enrollments table several times its live size in dead rows
    (83,871 dead for 12,468 live at 10k prospects), and every later index range reads through them. Without the
    second, the server's own checkpoint lands in the middle of some later case, which then pays for another's
    writes (a run that swept its catch-up first measured every page at 100k prospects slower than at 300k)."""
    try:
        with connection.cursor() as cursor:
            for statement in _autovacuum_due(cursor):
                cursor.execute(statement)
            cursor.execute("CHECKPOINT")
    except DatabaseError:  # CHECKPOINT needs a superuser (or pg_checkpoint): then the cases share the writeback
        pass


def _autovacuum_due(cursor: Any) -> list[str]:
    """The VACUUM and ANALYZE statements autovacuum would run now, by its own thresholds; none when it is on."""
    if connection.in_atomic_block:  # VACUUM cannot run in a transaction (a test's, say)
        return []
    cursor.execute("SHOW autovacuum")
    if cursor.fetchone()[0] == "on":
        return []
    cursor.execute(
        """
        SELECT format('%I.%I', schemaname, relname),
               n_dead_tup > current_setting('autovacuum_vacuum_threshold')::float
                            + current_setting('autovacuum_vacuum_scale_factor')::float * n_live_tup,
               n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float
                                     + current_setting('autovacuum_analyze_scale_factor')::float * n_live_tup
        FROM pg_stat_user_tables ORDER BY relname
        """
    )
    statements = []
    for table, vacuum, analyze in cursor.fetchall():
        if vacuum:
            statements.append(f"VACUUM {'(ANALYZE) ' if analyze else ''}{table}")
        elif analyze:
            statements.append(f"ANALYZE {table}")
    return statements


def run_case(item: Case, ctx: BenchContext) -> CaseResult:
    settle()
    load_before = load_average()
    ctx.current = item
    try:
        result = item.run(ctx)
    except NotBuilt as exc:
        result = CaseResult(item.name, item.title, ctx.scale, status="not built")
        result.notes.append(f"URL name `{exc}` does not resolve yet")
    except Exception as exc:  # one broken case must not lose the others' numbers
        result = CaseResult(item.name, item.title, ctx.scale, status="error")
        result.error = f"{type(exc).__name__}: {exc}"
        result.notes.append(traceback.format_exc(limit=6))
    result.load = f"{load_before} → {load_average()}"
    return result
