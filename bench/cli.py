"""`python -m bench`: make (or reuse) the bench database of each scale, run the cases, write the report."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SCALES = ("0.1", "1", "3", "10")
# The last run's results, so the report can be rewritten without running again (--render-last).
LAST_RUN = Path(tempfile.gettempdir()) / "pursuit-bench-last-run.pickle"
DEFAULT_SCALES = (0.1, 1.0, 3.0)


def say(message: str) -> None:
    sys.stderr.write(f"bench: {message}\n")
    sys.stderr.flush()


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--scale",
        action="append",
        choices=SCALES,
        help="dataset scale, repeatable (1 = 50 reps, 100k prospects, 2M touches); default: 0.1, 1 and 3",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only these cases (repeatable, or comma-separated); --only list shows them",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep an already generated database of that scale (follow-ups that came due since it was loaded "
        "are swept, untimed, before the scheduler case)",
    )
    parser.add_argument("--report", default="bench/results.md", help="where to write the Markdown report")
    parser.add_argument(
        "--http",
        choices=("on", "off", "only"),
        default="on",
        help=(
            "the HTTP mode (gunicorn driven by wrk, after the in-process cases but before the sweep): on (default),"
            " off, or only it"
        ),
    )
    parser.add_argument("--http-seconds", type=float, default=8, help="how long each HTTP row runs (default 8)")
    parser.add_argument(
        "--http-only",
        dest="http_endpoints",
        action="append",
        default=[],
        metavar="NAME",
        help="run only these HTTP endpoints (repeatable or comma-separated; the ceiling always runs)",
    )
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    parser.add_argument(
        "--render-last",
        action="store_true",
        help="only write the report again from the last run's saved results (no database needed)",
    )
    return parser.parse_args(argv)


def prepare_database(base_url: str, scale: float, *, reuse: bool, seed: int) -> dict[str, Any]:
    """The bench database of this scale, migrated and loaded; with --reuse an existing complete one is kept."""
    from bench import db
    from bench.generate import Scale, dataset_load, describe

    url = db.bench_url(base_url, scale)
    if reuse and db.database_exists(url):
        db.django_use_database(url)
        meta = db.meta_read()
        if meta.get("complete") and float(meta.get("scale", {}).get("factor", -1)) == scale:
            say(f"reusing {db.bench_database_name(scale)} (loaded {str(meta.get('now'))[:16]})")
            db.migrate()
            return {**meta, "reused": True}
        say(f"{db.bench_database_name(scale)} is incomplete or of another scale: generating it again")
    say(f"creating {db.bench_database_name(scale)} and migrating")
    db.database_recreate(url)
    db.django_use_database(url)
    db.migrate()
    say(f"generating scale {scale:g} (seed {seed})")
    report = dataset_load(scale=Scale.of(scale), seed=seed)
    for line in describe(report):
        say(line)
    meta = {**report.as_meta(), "complete": True}
    db.meta_write(meta)
    return meta


def run_cases(ctx: Any, cases: Sequence[Any]) -> list[Any]:
    """Run `cases` one after the other on the database Django is connected to, saying how each went."""
    from bench.registry import run_case

    results = []
    for item in cases:
        started = time.perf_counter()
        result = run_case(item, ctx)
        results.append(result)
        if result.status == "ok" and result.main is not None:
            summary = f"median {result.main.median:,.1f} ms, p95 {result.main.p95:,.1f} ms, {result.verdict}"
        else:
            summary = result.status + (f": {result.error}" if result.error else "")
        say(f"scale {ctx.scale:g} {item.name}: {summary} ({time.perf_counter() - started:.0f}s)")
    return results


def run_http(ctx: Any, *, base_url: str, seconds: float, endpoints: set[str] | None) -> list[Any]:
    """The HTTP mode on this scale's database, after its in-process cases (the touch POSTs write rows)."""
    from django.conf import settings

    from bench import db
    from bench.http.cases import http_run
    from bench.registry import settle

    settle()  # the in-process cases (a 20,000-row import among them) leave writes behind
    started = time.perf_counter()
    results = http_run(
        ctx,
        database_url=db.bench_url(base_url, ctx.scale),
        redis_url=os.environ.get("REDIS_URL") or settings.CELERY_BROKER_URL,
        seconds=seconds,
        only=endpoints,
    )
    for result in results:
        load = result.load
        say(
            f"scale {ctx.scale:g} http {result.name} x{load.clients}: {load.per_second:,.0f} req/s, p95 "
            f"{load.p95_ms:,.1f} ms, server CPU {result.server_cpu_ms:,.1f} ms, "
            f"PostgreSQL CPU {result.pg_cpu_ms:,.1f} ms"
        )
    say(f"scale {ctx.scale:g} HTTP mode took {time.perf_counter() - started:.0f}s")
    return results


def main(argv: Sequence[str]) -> int:
    args = parse(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    if args.render_last:
        return render_last(args.report)
    from bench import db

    base_url = os.environ.get("DATABASE_URL") or db.DEFAULT_URL
    scales = sorted({float(s) for s in args.scale}) if args.scale else list(DEFAULT_SCALES)
    os.environ["DATABASE_URL"] = db.bench_url(base_url, scales[0])

    import django

    django.setup()
    from bench.registry import BenchContext, cases_in_order
    from bench.report import Run, machine_info, render
    from bench.timing import TaskSink

    cases = cases_in_order()
    wanted = [name for item in args.only for name in item.split(",") if name]
    if wanted == ["list"]:
        for item in cases:
            sys.stdout.write(f"{item.name:24} {item.title}\n")
        return 0
    unknown = set(wanted) - {item.name for item in cases}
    if unknown:
        say(f"unknown case(s) {', '.join(sorted(unknown))}; --only list shows the names")
        return 2
    if wanted:
        cases = [item for item in cases if item.name in wanted]
    if args.http == "only":
        cases = []
    http = args.http != "off"
    if http:
        from bench.http.load import wrk_available

        if not wrk_available():
            say("wrk is not installed (Debian: apt-get install wrk): the HTTP mode is skipped")
            http = False
    endpoints = {name for item in args.http_endpoints for name in item.split(",") if name} or None

    run = Run(command="python -m bench " + " ".join(argv), started=dt.datetime.now(dt.UTC), scales=scales)
    run.celery = (
        "task_always_eager off; `Task.apply_async` replaced by a counting no-op for the whole run, so on-commit"
        " callbacks run but publish nothing (the re-plans they would trigger are done untimed by the bench)"
    )
    from bench.db import database_bytes

    with TaskSink().installed() as sink:
        for scale in scales:
            meta = prepare_database(base_url, scale, reuse=args.reuse, seed=args.seed)
            run.datasets[scale] = {**meta, "database_bytes": database_bytes()}
            if not run.machine:
                run.machine = machine_info()
            ctx = BenchContext(scale=scale, meta=meta, sink=sink, profile=scale == scales[-1])
            # The sweep replans the dataset for good: the pages (in-process and over HTTP) go first, so that at
            # scale 0.1, where its 10,000 due enrollments are all of them, they do not measure a team with no
            # lead left overdue.
            results = run_cases(ctx, [item for item in cases if not item.rewrites])
            if http:
                run.http += run_http(ctx, base_url=base_url, seconds=args.http_seconds, endpoints=endpoints)
            results += run_cases(ctx, [item for item in cases if item.rewrites])
            position = {item.name: index for index, item in enumerate(cases)}
            run.results += sorted(results, key=lambda result: position[result.name])
            run.profiles[scale] = ctx.profiles
    run.http_seconds = args.http_seconds
    run.finished = dt.datetime.now(dt.UTC)
    with open(args.report, "w", encoding="utf-8") as handle:
        handle.write(render(run))
    with open(LAST_RUN, "wb") as handle:
        pickle.dump(run, handle)
    say(f"report written to {args.report} (results kept in {LAST_RUN} for --render-last)")
    return 0


def render_last(path: str) -> int:
    """Write the report again from the saved results, e.g. after changing how it reads them."""
    import django

    django.setup()
    from bench.report import render

    try:
        with open(LAST_RUN, "rb") as handle:
            run = pickle.load(handle)  # noqa: S301  (our own file, written by the run above)
    except FileNotFoundError:
        say(f"no saved run at {LAST_RUN}: run the benchmark first")
        return 1
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(render(run))
    say(f"report written to {path} from the run of {run.started:%Y-%m-%d %H:%M} UTC")
    return 0
