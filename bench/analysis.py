"""The "where we miss and why" section: every miss with its numbers, and what this run's measurements say about it.

Only measured facts go in here (timings, query shapes, profiles, row counts); the recommendations that follow
from them are in the text of each explainer, and they name the code they are about.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.registry import CaseResult
    from bench.report import Run
    from bench.timing import Measurement

GROWTH_BOUNDED = ("page_", "api_follow", "api_changes", "follow_up_queue", "prospect_list", "timeline")
# Cases whose rows grow with the scale by design, and why: said instead of the generic reading.
GROWTH_BY_DESIGN = {
    name: (
        ": the manager's team, which is what the page shows, is twice as large at scales 1 and 3 (20k leads, 10"
        " reps) as at 0.1 (10k, 5): the stalled list, the rollups and the reps' counts read twice the rows."
    )
    for name in ("page_manager_dashboard", "page_dashboard_after_import")
}


def _statements(m: Measurement, top: int = 6) -> list[str]:
    counts = Counter(m.statements)
    return [f"    - {count}× `{text}`" for text, count in counts.most_common(top)]


def _share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "?"


def _phase(profile: dict[str, Any], *needles: str) -> float:
    """Cumulative seconds of the first profiled function whose name contains every needle."""
    for cumulative, _, _, name in profile.get("phases", []):
        if all(needle in name for needle in needles):
            return cumulative
    return 0.0


def _sweep(result: CaseResult, run: Run) -> Iterator[str]:
    raw = result.raw
    if raw is not None:
        yield (
            f"The same reads and writes in hand-written SQL, without the planner, ran at {raw.rate:,.0f}/s in this"
            " run: that is the floor this design allows on this machine, before any Python."
        )
    scale, profile = next(
        (
            (s, p["scheduler_sweep"])
            for s in reversed(run.scales)
            if "scheduler_sweep" in (p := run.profiles.get(s) or {})
        ),
        (result.scale, None),
    )
    if not profile:
        return
    wall = profile["wall_s"]
    touch_reads = [entry for entry in profile["sql"] if "touches_touch" in entry[2] and len(entry) > 3]
    needed = int(result.facts.get("touch rows the planner needs", "0"))
    if touch_reads and needed:
        read = sum(entry[3] for entry in touch_reads)
        yield (
            f"The sweep read {read:,} touch rows for the {profile['planned']:,} enrollments; their current rounds,"
            f" all the planner looks at, hold {needed:,}"
            + (
                ": it reads what it needs."
                if read <= 1.2 * needed
                else ": `situations_build` (cadence/situation.py) reads earlier rounds only to drop them in Python."
            )
        )
    parts = [
        ("`Enrollment.objects.bulk_update` in `_plan_locked`", _phase(profile, "models/query.py", "(bulk_update)")),
        ("`FollowUp.objects.bulk_create(update_conflicts=True)`", _phase(profile, "models/query.py", "(bulk_create)")),
        ("`situations_build`", _phase(profile, "situation.py", "(situations_build)")),
        ("`plan_next` (the planner itself)", _phase(profile, "decide.py", "(plan_next)")),
        ("model instances (`Model.__init__`)", _phase(profile, "models/base.py", "(__init__)")),
        ("all SQL (`cursor.execute`)", profile.get("sql_total_s", 0.0)),
    ]
    yield (
        f"Profile of one sweep at scale {scale:g} ({wall:.1f}s under cProfile): "
        + "; ".join(f"{name} {_share(seconds, wall)}" for name, seconds in parts if seconds >= 0.01 * wall)
        + "."
    )
    share = {name: seconds / wall for name, seconds in parts}
    upsert = share["`FollowUp.objects.bulk_create(update_conflicts=True)`"]
    if upsert > 0.1:
        yield (
            f"The follow-up upsert (`FollowUp.objects.bulk_create(update_conflicts=True)` in `_plan_locked`) is"
            f" {100 * upsert:.0f}%: Django prepares each of ~20 fields of every row through the field machinery"
            " before one INSERT ... ON CONFLICT; building the rows as tuples and sending them with `execute_values`"
            + (
                ", as the enrollment write of the same function already does, leaves only the statement."
                if not parts[0][1]
                else " leaves only the statement."
            )
        )
    situations = share["`situations_build`"]
    if situations > 0.15:
        yield (
            f"`situations_build` is {100 * situations:.0f}%: every touch and contact row becomes a dict, then a"
            " frozen dataclass; `values_list` tuples fed straight to `PastTouch`/`ContactInfo` skip the dicts."
        )
    instances = share["model instances (`Model.__init__`)"]
    if instances > 0.1:
        calls = next((c for _, _, c, n in profile.get("phases", []) if "models/base.py" in n and "__init__" in n), 0)
        yield (
            f"{100 * instances:.0f}% builds {calls:,} model instances per sweep: each enrollment comes with its"
            " prospect and its cadence (`select_related`), and the current and new follow-ups are full instances."
            " Fetching the few cadences once per batch, and the current follow-ups as `values_list` (id, attempt,"
            " due_end), removes most of them."
        )
    planner = share["`plan_next` (the planner itself)"]
    window_calls = next((c for _, _, c, n in profile.get("self", []) if "(window_at)" in n), 0)
    if planner > 0.15 and window_calls:
        yield (
            f"The planner is {100 * planner:.0f}%; `window_at` ran {window_calls:,} times for {profile['planned']:,}"
            " plans, because `Ledger.occasions()` and `Ledger.picked_up()` (cadence/planner/history.py) are"
            " recomputed by `_slot` and again by `_window_line`; caching them on the ledger per (rules, zone)"
            " halves those calls."
        )
    bulk_update = parts[0][1]
    if bulk_update and bulk_update / wall > 0.25:
        yield (
            "`bulk_update` is the largest cost: for 500 rows and 9 fields Django builds 4,500 `When(pk=…)` "
            "expressions per batch, resolves and compiles each, and PostgreSQL then evaluates nine 500-branch "
            "`CASE`s per row (quadratic). One `UPDATE cadence_enrollment … FROM unnest(%s::bigint[], …)` "
            "statement does the same write in linear time."
        )


def _bulk(result: CaseResult, run: Run) -> Iterator[str]:
    m = result.main
    if result.raw is not None:
        others = [
            f"{r.raw.rate:,.0f}/s at scale {r.scale:g}"
            for s in run.scales
            if (r := run.result(result.name, s)) is not None and r.raw is not None and r is not result
        ]
        yield (
            f"At scale {result.scale:g} the raw multi-row INSERT of the same rows ran at {result.raw.rate:,.0f}"
            f" touches/s; the target needs {0.25 * result.raw.rate:,.0f}/s, the app did {m.rate:,.0f}/s"
            + (
                f" (the raw INSERT, a few tens of ms, itself varies from run to run: {', '.join(others)})."
                if others
                else "."
            )
        )
    if m.queries and m.units > 1 and m.queries >= 2 * m.units:
        yield (
            f"{m.queries:,} queries for {m.units} touches ({m.queries / m.units:.1f} per touch): the work is done row"
            " by row, so its cost is per touch, not per request. Most frequent statements:"
        )
        yield from _statements(m)
    elif m.queries:
        cpu = m.cpu_median
        yield (
            f"{m.queries} queries for {m.units} touches: the writes are set-based. Of the {m.median:,.0f} ms median,"
            f" {m.median * m.sql_share:,.0f} ms are SQL and {cpu:,.0f} ms this process's CPU"
            f" ({cpu / m.units * 1000:,.0f} µs of Python per touch): the remaining gap to the raw INSERT is per-item"
            " Python work and the statements below."
        )
    yield from _case_updates(m)
    yield from _python(m)


def _case_updates(m: Measurement | None) -> Iterator[str]:
    if m is None:
        return
    from bench.timing import CASE_WHEN

    seen = sum(1 for text in m.statements if text.startswith("UPDATE") and CASE_WHEN.search(text))
    count = max(m.case_updates, seen)
    if not count:
        return
    yield (
        f"{count} UPDATE(s) of the run set columns through a per-row `CASE WHEN pk = … THEN … END`"
        " (Django's `bulk_update`, or `Case(When(…))` over many rows): Django builds, resolves and compiles one"
        " expression per row and column, and PostgreSQL tries the branches one by one for every row (quadratic"
        " in the batch). `UPDATE … SET … FROM unnest(%s::bigint[], %s::…[]) AS v(…) WHERE t.id = v.id` does the"
        " same write in one linear statement."
    )


def _python(m: Measurement | None) -> Iterator[str]:
    """Where one profiled run's Python time went, by project function (cumulative)."""
    if m is None or not m.profile:
        return
    total = m.profile[0][0] or 1.0
    rows = [f"`{name}` {100 * cumulative / total:.0f}%" for cumulative, name in m.profile[1:9]]
    if rows:
        yield (
            f"Profiled run ({total * 1000:,.0f} ms under cProfile), time inside project functions: "
            + "; ".join(rows)
            + "."
        )


def _page(result: CaseResult, run: Run) -> Iterator[str]:
    m = result.main
    outside = 1 - m.sql_share if not math.isnan(m.sql_share) else math.nan
    facts = "; ".join(f"{k}: {v}" for k, v in result.facts.items())
    size_kib = float(result.facts.get("response size", "0 KiB").split()[0].replace(",", "") or 0)
    if "planned follow-ups due within 7 days" in result.facts and size_kib > 1024:
        yield (
            "My day renders every planned follow-up of the coming week (crm/workspace.py `my_day_build`):"
            f" {result.facts['planned follow-ups due within 7 days']} rows,"
            f" {result.facts.get('response size', '?')} of HTML for a rep with ~2,000 open enrollments (the default"
            " scale's 100,000 over 50 reps). The cost follows what is shown, and what is shown is unbounded: show the"
            " overdue and due-now groups plus the first rows of the rest, and load more on demand (htmx)."
        )
    if not math.isnan(outside):
        yield (
            f"{100 * outside:.0f}% of the time is outside SQL (view, templates, serializers) and "
            f"{100 * m.sql_share:.0f}% in SQL ({m.queries} queries)" + (f"; {facts}" if facts else "") + "."
        )
    yield from _case_updates(m)
    yield from _python(m)
    if m.statements:
        yield "Queries of one request:"
        yield from _statements(m, top=8)
    yield from _plan(m)


def _default(result: CaseResult, run: Run) -> Iterator[str]:
    if result.main and result.main.statements:
        yield "Queries of one run:"
        yield from _statements(result.main, top=8)
    yield from _plan(result.main)


EXPLAINERS: dict[str, Callable[[CaseResult, Run], Iterator[str]]] = {
    "scheduler_sweep": _sweep,
    "bulk_insert_500": _bulk,
    "api_bulk_sync": _bulk,
}


# What a plan shape means, and what would fix it: (texts the plan must contain, "!text" it must not, advice).
PLAN_READINGS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("CTE stalled", "cadence_enrollment_prospect_id"),
        "The stalled list (dashboard/stalled.py) reads each reason's candidates from its own index range per rep"
        " (overdue follow-ups, no recent touch, stuck, next step passed, breakup wait over, given up early), then"
        " probes each candidate's enrollment and prospect once: it costs what is stalled, not the table. Here that"
        " is about one lead in eleven of the team's, and the bench manager's team is half as large at scale 0.1"
        " (one team of 10k leads and 5 reps) as at 1 and 3 (20k leads and 10 reps), so its rows double from 0.1"
        " to 1 and stay flat from 1 to 3. A cost flat in the team's size needs the counts per reason kept as leads"
        " change (with each time-based reason's onset stored on the lead), not counted on every view.",
    ),
    (
        ("touch_rep_stats_idx", "Index Only Scan"),
        "The statement aggregates the period's touches of the manager's team, an index-only range of"
        " `touch_rep_stats_idx` per rep. The bench manager's team has 5 reps at scale 0.1 and 10 at scale 1 (one"
        " team of 5, then five of 10), so it aggregates twice the touches: the growth follows the team shown,"
        " not the size of the table. Pre-aggregating touches per rep and day would make the period's cost"
        " follow the number of days instead.",
    ),
    (
        ("Aggregate", "one_planned_follow_up_per_enrollment", "owner_id = "),
        "The paginator's `COUNT(*)` reads every planned follow-up in the database (through the partial unique"
        " index) and joins them to the user's prospects, so it grows with every rep's queue. Counting on"
        " `rep=user` (follow_up_queue_idx), or paginating by cursor without an exact count, keeps it to the"
        " user's rows.",
    ),
    (
        ("Index Scan Backward using crm_prospec_updated", "Filter: (owner_id"),
        "The rep's newest prospects are found by walking `updated_at` across every rep's prospects and"
        " discarding the others, so the cost follows the table, not the page. An index on (owner, -updated_at)"
        " (and (team, -updated_at) for managers) in crm/models.py reads just the rows shown.",
    ),
    (
        ("Seq Scan on crm_prospect",),
        "There is a sequential scan of crm_prospect: its cost follows every team's prospects, not this user's.",
    ),
    (
        ("Seq Scan on touches_touch",),
        "There is a sequential scan of touches_touch: its cost follows every touch ever logged.",
    ),
    (
        ("Seq Scan on cadence_enrollment",),
        "There is a sequential scan of cadence_enrollment: its cost follows every enrollment stored.",
    ),
)


def _reads(text: str, needles: tuple[str, ...]) -> bool:
    return all((needle[1:] not in text) if needle.startswith("!") else (needle in text) for needle in needles)


def _plan(m: Measurement | None) -> Iterator[str]:
    if m is None or m.slowest is None:
        return
    ms, sql, plan = m.slowest
    text = "\n".join(plan)
    for needles, advice in PLAN_READINGS:
        if _reads(text, needles):
            yield advice
    yield f"Its slowest statement ({ms:,.1f} ms in the counted run), `{sql[:160]}`, is planned as:"
    yield "    ```"
    yield from (f"    {line}" for line in plan[:16])
    yield "    ```"


def _headline(result: CaseResult) -> str:
    m = result.main
    share = "" if math.isnan(m.sql_share) else f", {100 * m.sql_share:.0f}% in SQL"
    return (
        f"scale {result.scale:g}: median {m.median:,.1f} ms, p95 {m.p95:,.1f} ms ({m.runs} runs), "
        f"{m.queries} queries{share}"
        + (f", {m.rate:,.0f}/s" if m.units > 1 else "")
        + (f", {result.raw_ratio:.1f}× the raw SQL" if not math.isnan(result.raw_ratio) else "")
    )


def explain(run: Run) -> Iterator[str]:
    """One bullet per case that misses, with each scale's numbers and, once, what explains them."""
    explained: set[str] = set()
    for name in run.case_names():
        results = [r for s in run.scales if (r := run.result(name, s)) is not None and r.main is not None]
        missed = [r for r in results if r.verdict == "MISS"]
        if not missed:
            continue
        explained.add(name)
        first = missed[0]
        yield f"- **{first.title}** (target {first.target.text}): " + "; ".join(_headline(r) for r in missed) + "."
        largest = missed[-1]  # explain the largest scale that misses, with its own numbers
        explainer = EXPLAINERS.get(name) or (_page if name.startswith(("page_", "log_", "api_")) else _default)
        for line in explainer(largest, run):
            yield line if line.startswith("  ") else f"  - {line}"
    yield from _growth_misses(run, explained)


def _sizes(run: Run, small: float, large: float) -> str:
    from bench.report import database_size

    return " and ".join(f"{database_size(run.datasets.get(s) or {})} at scale {s:g}" for s in (small, large))


def _growth_misses(run: Run, explained: set[str]) -> Iterator[str]:
    if len(run.scales) < 2:
        return
    small, large = min(run.scales), max(run.scales)
    for name in run.case_names():
        if not name.startswith(GROWTH_BOUNDED):
            continue
        a, b = run.result(name, small), run.result(name, large)
        if not (a and b and a.main and b.main and a.status == b.status == "ok") or not a.main.median:
            continue
        growth = b.main.median / a.main.median
        if growth <= 1.3:
            continue
        sql_a = a.main.median * a.main.sql_share
        sql_b = b.main.median * b.main.sql_share
        yield (
            f"- **{a.title}** grows {growth:.2f}× from scale {small:g} to {large:g} (limit 1.3×): median "
            f"{a.main.median:,.1f} → {b.main.median:,.1f} ms, of which SQL {sql_a:,.1f} → {sql_b:,.1f} ms with "
            f"{a.main.queries} → {b.main.queries} queries"
            + (
                GROWTH_BY_DESIGN.get(name)
                or (
                    ": the same queries spent longer: either a plan that reads what the user does not see (see"
                    " its plan), or the same rows found in pages PostgreSQL no longer holds in its shared buffers"
                    f" (the database is {_sizes(run, small, large)} on disk; shared_buffers under Machine)."
                    if sql_b - sql_a > 0.5 * (b.main.median - a.main.median)
                    else ": mostly outside SQL (more rows rendered or more load on the machine)."
                )
            )
        )
        if name not in explained:  # its plan is shown with its miss above
            yield from (line if line.startswith("    ") else f"  - {line}" for line in _plan(b.main))
