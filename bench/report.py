"""bench/results.md: the machine, the datasets, a table per case, how cost grows, and where targets are missed."""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.http.report import render_http
from bench.registry import CaseResult
from bench.timing import Measurement

PAGE_GROWTH_LIMIT = 1.3


@dataclass
class Run:
    """Everything one `python -m bench` produced."""

    command: str
    started: dt.datetime
    scales: list[float]
    datasets: dict[float, dict[str, Any]] = field(default_factory=dict)
    results: list[CaseResult] = field(default_factory=list)
    profiles: dict[float, dict[str, dict[str, Any]]] = field(default_factory=dict)
    machine: dict[str, str] = field(default_factory=dict)
    celery: str = ""
    finished: dt.datetime | None = None
    http: list[Any] = field(default_factory=list)  # bench.http.cases.HttpResult
    http_seconds: float = 0

    def result(self, name: str, scale: float) -> CaseResult | None:
        return next((r for r in self.results if r.name == name and r.scale == scale), None)

    def case_names(self) -> list[str]:
        seen: dict[str, None] = {}
        for result in self.results:
            seen.setdefault(result.name, None)
        return list(seen)


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        return ""


def machine_info() -> dict[str, str]:
    import django
    import psycopg2
    from django.db import connection

    cpuinfo = _read("/proc/cpuinfo")
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?")
    mem_kib = next(
        (int(line.split()[1]) for line in _read("/proc/meminfo").splitlines() if line.startswith("MemTotal")), 0
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
        settings = []
        for name in (
            "shared_buffers",
            "work_mem",
            "maintenance_work_mem",
            "effective_cache_size",
            "jit",
            "synchronous_commit",
            "random_page_cost",
        ):
            cursor.execute(f"SHOW {name}")
            settings.append(f"{name}={cursor.fetchone()[0]}")
        server = f"{connection.settings_dict['HOST'] or 'local socket'}:{connection.settings_dict['PORT'] or 5432}"
    return {
        "CPU": f"{model}, {os.cpu_count()} cores",
        "RAM": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "PostgreSQL": f"{version} at {server} ({', '.join(settings)})",
        "Python / Django / psycopg2": " / ".join(
            (platform.python_version(), django.get_version(), psycopg2.__version__.split()[0])
        ),
    }


def _ms(value: float) -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _ratio(value: float) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.2f}×"


def _rate(m: Measurement | None) -> str:
    return "—" if m is None or m.units <= 1 else f"{m.rate:,.0f}/s"


def _queries(m: Measurement | None) -> str:
    return "—" if m is None or m.queries is None else f"{m.queries:,}"


def _share(m: Measurement) -> str:
    return "—" if math.isnan(m.sql_share) else f"{100 * m.sql_share:.0f}%"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines


def _scale(value: float) -> str:
    return f"{value:g}"


def render(run: Run) -> str:
    out: list[str] = ["# Pursuit benchmark results", ""]
    out += [
        f"Written by `{run.command}` on {run.started:%Y-%m-%d %H:%M} UTC"
        + (f" (took {(run.finished - run.started).total_seconds() / 60:.1f} min)." if run.finished else "."),
        'Regenerate with `make bench` (scales 0.1, 1 and 3, in-process and over HTTP) or `make bench ARGS="--scale 1'
        ' --reuse"`; see `bench/` for how.',
        "",
        "## Machine",
        "",
    ]
    out += [f"- **{key}**: {value}" for key, value in run.machine.items()]
    out += [
        "- **Load**: the machine is shared; each case lists the 1/5/15-minute load average before → after it."
        " Each case (and the HTTP mode) starts after a `CHECKPOINT`, so none pays for the writes an earlier one"
        " left dirty, and, where autovacuum is off (as on CI machines), after the VACUUM and ANALYZE it would have"
        " run by its own thresholds, so none reads through the dead rows of another's rolled-back writes."
        " At each scale the two sweep cases run last, after the HTTP mode (they are reported first): the sweep"
        " commits its plans, and at scale 0.1 its 10,000 due enrollments are every lead, so pages measured after it"
        " would see a team with nothing overdue.",
        f"- **Celery**: {run.celery}",
        "- **Server time**: pages and endpoints go through `django.test.Client` (middleware, view, templates,"
        " serializers) in-process; services are called directly. `DEBUG` is off, as in production.",
        "",
    ]
    out += _datasets(run)
    out += _summary(run)
    out += render_http(getattr(run, "http", []), seconds=getattr(run, "http_seconds", 0))
    out += _details(run)
    out += _growth(run)
    out += _profiles(run)
    out += _misses(run)
    return "\n".join(out).rstrip() + "\n"


def database_size(meta: dict[str, Any]) -> str:
    found = meta.get("database_bytes")
    return "—" if not found else f"{found / 1024 / 1024:,.0f} MB"


def _datasets(run: Run) -> list[str]:
    out = ["## Datasets", ""]
    header = [
        "scale",
        "teams / reps",
        "prospects",
        "contacts",
        "touches",
        "enrollments",
        "follow-ups",
        "changes log",
        "on disk",
        "load",
        "rows/s",
    ]
    rows = []
    for scale in run.scales:
        meta = run.datasets.get(scale) or {}
        counts = meta.get("rows", {})
        seconds = meta.get("seconds", {})
        total = sum(counts.values())
        load = ", ".join(f"{k.replace('_', ' ')} {v:.0f}s" for k, v in seconds.items())
        elapsed = sum(seconds.values())
        reused = " (reused)" if meta.get("reused") else ""
        rows.append(
            [
                _scale(scale),
                f"{meta.get('scale', {}).get('teams', '?')} / {meta.get('scale', {}).get('reps', '?')}",
                f"{counts.get('crm_prospect', 0):,}",
                f"{counts.get('crm_contact', 0):,}",
                f"{counts.get('touches_touch', 0):,}",
                f"{counts.get('cadence_enrollment', 0):,}",
                f"{counts.get('cadence_followup', 0):,}",
                f"{counts.get('api_touchchange', 0):,}",
                database_size(meta),
                f"{elapsed:.0f}s{reused} ({load})",
                f"{total / elapsed:,.0f}" if elapsed else "—",
            ]
        )
    out += _table(header, rows)
    out += [
        "",
        "Generated by `bench/generate/` (seed "
        + ", ".join(f"{(run.datasets.get(s) or {}).get('seed', '?')}" for s in run.scales)
        + "): COPY from in-memory buffers on a writer thread, secondary indexes built after the load, then"
        " `VACUUM (ANALYZE)`. Every prospect has an open enrollment (the bench's 100,000 active enrollments"
        " at 100,000 prospects), with its attempts so far, a done follow-up per attempt and one planned"
        " (about 10% overdue); touch outcomes are ~85% unanswered calls and voicemails; a few accounts have"
        " 1,000 touches. `now` for the data: "
        + ", ".join(f"{(run.datasets.get(s) or {}).get('now', '?')[:16]}" for s in run.scales)
        + ".",
        "",
    ]
    return out


def _summary(run: Run) -> list[str]:
    out = ["## Summary", ""]
    header = ["case", "scale", "median ms", "p95 ms", "queries", "vs raw SQL", "rate", "target", "result"]
    rows = []
    for name in run.case_names():
        for scale in run.scales:
            r = run.result(name, scale)
            if r is None:
                continue
            if r.status != "ok":
                rows.append(
                    [
                        r.title,
                        _scale(scale),
                        "—",
                        "—",
                        "—",
                        "—",
                        "—",
                        r.target.text if r.target else "—",
                        "not built yet" if r.status == "not built" else f"error: {r.error[:80]}",
                    ]
                )
                continue
            m = r.main
            rows.append(
                [
                    r.title,
                    _scale(scale),
                    _ms(m.median),
                    _ms(m.p95),
                    _queries(m),
                    _ratio(r.raw_ratio),
                    _rate(m),
                    r.target.text if r.target else "—",
                    r.verdict,
                ]
            )
    out += _table(header, rows)
    out += [
        "",
        "*vs raw SQL*: the app's median over the median of the same work in hand-written SQL in the same run"
        " (1.00× = no overhead). *rate*: work items per second at the median run.",
        "",
    ]
    return out


def _details(run: Run) -> list[str]:
    out = ["## Cases", ""]
    for name in run.case_names():
        results = [r for s in run.scales if (r := run.result(name, s)) is not None]
        first = results[0]
        out += [f"### {first.title}", ""]
        if first.target:
            out.append(f"Target: {first.target.text}.")
            out.append("")
        rows = []
        for r in results:
            if r.status != "ok":
                rows.append([_scale(r.scale), r.status, "", "", "", "", "", "", "", "", ""])
                continue
            for m in [r.main, r.raw, *r.others]:
                if m is None:
                    continue
                rows.append(
                    [
                        _scale(r.scale),
                        m.label,
                        str(m.runs),
                        _ms(m.median),
                        _ms(m.p95),
                        _queries(m),
                        _share(m),
                        _ms(m.cpu_median),
                        _rate(m),
                        r.verdict if m is r.main else "",
                    ]
                )
        header = ["scale", "variant", "runs", "median ms", "p95 ms", "queries", "in SQL", "CPU ms", "rate", "result"]
        out += _table(header, rows)
        out.append("")
        for r in results:
            facts = "; ".join(f"{k}: {v}" for k, v in r.facts.items())
            line = f"- scale {_scale(r.scale)}: load {r.load}" + (f"; {facts}" if facts else "")
            out.append(line)
            for note in r.notes:
                if "\n" in note:
                    out += ["", "  ```", *("  " + text for text in note.strip().splitlines()), "  ```", ""]
                else:
                    out.append(f"  - {note}")
        out.append("")
    out.append(
        "*in SQL*: share of the median run spent inside `cursor.execute` (database, network, driver). *CPU ms*: this"
        " process's CPU time per run (Python and driver, not PostgreSQL's); when the median is well above CPU plus"
        " SQL time, the run was waiting for a core."
    )
    out.append("")
    return out


def _growth(run: Run) -> list[str]:
    if len(run.scales) < 2:
        return ["## Growth", "", "Only one scale was run; pass two `--scale` values to see how cost grows.", ""]
    small, large = min(run.scales), max(run.scales)
    factor = large / small
    out = [
        "## Growth",
        "",
        f"Median at scale {_scale(large)} over scale {_scale(small)} ({factor:g}× the rows). Pages and queues should"
        f" stay within {PAGE_GROWTH_LIMIT}× (their cost should follow what is shown, not table size). Reps grow"
        " with the data, so each rep has about the same number of leads at both scales; what grows is everyone"
        " else's rows in the same tables.",
        "",
    ]
    rows = []
    for name in run.case_names():
        a, b = run.result(name, small), run.result(name, large)
        if not (a and b and a.main and b.main and a.status == b.status == "ok"):
            continue
        growth = b.main.median / a.main.median if a.main.median else math.nan
        bounded = name.startswith(
            ("page_", "api_follow", "api_changes", "follow_up_queue", "prospect_list", "timeline")
        )
        verdict = ("PASS" if growth <= PAGE_GROWTH_LIMIT else "MISS") if bounded else "—"
        rows.append(
            [
                a.title,
                _ms(a.main.median),
                _ms(b.main.median),
                _ratio(growth),
                f"{_queries(a.main)} → {_queries(b.main)}",
                f"≤ {PAGE_GROWTH_LIMIT}×" if bounded else "—",
                verdict,
            ]
        )
    out += _table(
        ["case", f"median @{_scale(small)}", f"median @{_scale(large)}", "growth", "queries", "target", "result"], rows
    )
    out.append("")
    return out


def _profiles(run: Run) -> list[str]:
    out: list[str] = []
    for scale in run.scales:
        profile = (run.profiles.get(scale) or {}).get("scheduler_sweep")
        if not profile:
            continue
        if not out:
            out += ["## Where the scheduler's time goes", ""]
        out += [
            f"### Scale {_scale(scale)}: one sweep of {profile['planned']:,} enrollments under cProfile"
            f" ({profile['wall_s']:.1f}s with profiling overhead; shares matter, not absolute times)",
            "",
        ]
        total = profile["wall_s"] or 1
        out += _table(
            ["function", "calls", "cumulative s", "share"],
            [
                [f"`{name}`", f"{calls:,}", f"{cum:.2f}", f"{100 * cum / total:.0f}%"]
                for cum, _, calls, name in profile["cumulative"][:18]
            ],
        )
        out += ["", "Most time in the function itself:", ""]
        out += _table(
            ["function", "calls", "own s"],
            [[f"`{name}`", f"{calls:,}", f"{own:.2f}"] for _, own, calls, name in profile["self"][:12]],
        )
        driver = profile.get("driver_execute_s")
        out += [
            "",
            f"SQL statements seen through Django's cursor (total {profile['sql_total_s']:.2f}s of"
            f" {profile['wall_s']:.1f}s)"
            + (
                f"; the driver's own execute time, which also counts statements sent on a raw psycopg2 cursor"
                f" (invisible to Django's query capture), was {driver:.2f}s:"
                if driver
                else ":"
            ),
            "",
        ]
        out += _table(
            ["statement", "count", "rows", "seconds"],
            [
                [f"`{entry[2]}`", f"{entry[1]:,}", f"{entry[3]:,}" if len(entry) > 3 else "?", f"{entry[0]:.2f}"]
                for entry in profile["sql"]
            ],
        )
        out.append("")
    return out


def _misses(run: Run) -> list[str]:
    from bench.analysis import explain

    out = ["## Where we miss and why", ""]
    lines = list(explain(run))
    out += lines or ["Every measured case meets its target."]
    not_built = sorted({r.title for r in run.results if r.status == "not built"})
    errors = sorted({f"{r.title} (scale {_scale(r.scale)}): {r.error}" for r in run.results if r.status == "error"})
    if not_built:
        out += [
            "",
            "**Not built yet** (listed so the gap stays visible; each starts measuring once its URL exists): "
            + ", ".join(not_built)
            + ".",
        ]
    if errors:
        out += ["", "**Cases that failed to run** (no number, which is not a pass):", ""] + [f"- {e}" for e in errors]
    out.append("")
    return out
