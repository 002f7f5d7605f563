"""The HTTP mode's part of bench/results.md: per scale, every endpoint at 1 and 10 clients beside the ceiling; the
targets it is held to (the README, "Benchmarks"); and how each endpoint's cost grows from the smallest scale to the
largest."""

from __future__ import annotations

from collections.abc import Sequence

from bench.http.cases import CLIENTS, HttpResult
from bench.http.server import WORKERS

GROWTH_LIMIT = 1.2


def _f(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def _find(results: Sequence[HttpResult], name: str, scale: float, clients: int) -> HttpResult | None:
    return next((r for r in results if r.name == name and r.scale == scale and r.load.clients == clients), None)


def render_http(results: Sequence[HttpResult], *, seconds: float) -> list[str]:
    if not results:
        return []
    scales = sorted({r.scale for r in results})
    out = [
        "## Over HTTP: the production shape",
        "",
        f"gunicorn with {WORKERS} sync workers (one per core; PostgreSQL shares the cores), `DEBUG` off, the"
        " collectstatic manifest, the access log written, the API throttle raised for the run (its Redis counter is"
        " still kept); driven by wrk in a closed loop (each client sends its next request when the last one was"
        f" answered) for {seconds:g} s per row after a warm-up. *Server CPU* is gunicorn's master and workers (user +"
        " system, from /proc) over the requests answered; *PostgreSQL CPU* is every PostgreSQL process's, backends"
        " that ended included. *Ceiling* is the hello-world view through the same middleware and server: each row's"
        " requests/s as a share of it. Load average before → after each row says how quiet the machine was. No"
        " Celery worker runs: the plans the touch POSTs enqueue wait in a queue of the run's own, emptied after.",
        "",
    ]
    for scale in scales:
        out += [f"### Scale {scale:g}", ""]
        out += [
            "| endpoint | clients | req/s | of ceiling | p50 ms | p95 ms | p99 ms | server CPU ms/req"
            " | PostgreSQL CPU ms/req | KiB/req | failed | load before → after |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in (r for r in results if r.scale == scale):
            load = r.load
            out.append(
                f"| {r.title} | {load.clients} | {_f(load.per_second)} | {r.ceiling_share:.1%} | {_f(load.p50_ms)}"
                f" | {_f(load.p95_ms)} | {_f(load.p99_ms)} | {_f(r.server_cpu_ms)} | {_f(r.pg_cpu_ms)}"
                f" | {_f(load.kib_per_request)} | {load.failed} | {r.load_avg} |"
            )
        facts = [
            f"- {r.title}, {r.load.clients} client{'s' if r.load.clients > 1 else ''}: "
            + "; ".join(f"{k}: {v}" for k, v in r.facts.items())
            for r in results
            if r.scale == scale and r.facts
        ]
        out += ["", *facts, ""] if facts else [""]
    out += _targets(results, scales)
    out += _growth(results, scales)
    return out


def _targets(results: Sequence[HttpResult], scales: list[float]) -> list[str]:
    rows: list[tuple[str, str, str, bool | None]] = []
    main = 1.0 if 1.0 in scales else scales[-1]

    def check(label: str, measured: str, target: str, ok: bool | None) -> None:
        rows.append((label, measured, target, ok))

    def check_growth(name: str, label: str) -> None:
        growth = _growth_of(results, name, scales)
        if growth is not None:
            check(
                f"{label}, growth {scales[0]:g} → {scales[-1]:g}",
                f"{growth:.2f}×",
                f"≤ {GROWTH_LIMIT}×",
                growth <= GROWTH_LIMIT,
            )

    day = _find(results, "my_day", main, 10)
    if day:
        check(f"My day, scale {main:g}", f"{_f(day.server_cpu_ms)} ms server CPU", "≤ 25 ms", day.server_cpu_ms <= 25)
        check(
            f"My day, scale {main:g}, 10 clients", f"{_f(day.load.per_second)} req/s", "≥ 40", day.load.per_second >= 40
        )
    for who in ("rep", "manager", "superuser"):
        for scale in scales:
            r = _find(results, f"api_prospects_100_{who}", scale, 10)
            if r:
                check(
                    f"API prospects 100 rows ({who}), scale {scale:g}",
                    f"{_f(r.server_cpu_ms)} ms server CPU",
                    "≤ 20 ms",
                    r.server_cpu_ms <= 20,
                )
                check(
                    f"API prospects 100 rows ({who}), scale {scale:g}",
                    f"{_f(r.pg_cpu_ms)} ms PostgreSQL CPU",
                    "≤ 5 ms",
                    r.pg_cpu_ms <= 5,
                )
        check_growth(f"api_prospects_100_{who}", f"API prospects 100 rows ({who})")
    dash = _find(results, "dashboard", main, 1)
    if dash:
        check(
            f"Dashboard, scale {main:g}, 1 client",
            f"p95 {_f(dash.load.p95_ms)} ms",
            "≤ 150 ms",
            dash.load.p95_ms <= 150,
        )
    check_growth("dashboard", "Dashboard")
    post = _find(results, "touch_post", main, 10)
    if post:
        check(
            f"Touch POST, scale {main:g}, 10 clients",
            f"{_f(post.load.per_second)} req/s",
            "≥ 150",
            post.load.per_second >= 150,
        )
        written, answered = post.rows_written or 0, post.load.requests - post.load.failed
        check(
            f"Touch POST, scale {main:g}, 10 clients: nothing lost",
            f"{written:,} rows for {answered:,} 2xx answers, {post.load.failed} failed",
            "answers ≤ rows ≤ answers + clients, none failed",
            answered <= written <= answered + post.load.clients and post.load.failed == 0,
        )
    if not rows:
        return []
    out = ["### Targets", "", "| what | measured | target | result |", "|---|---|---|---|"]
    out += [f"| {label} | {measured} | {target} | {'PASS' if ok else 'MISS'} |" for label, measured, target, ok in rows]
    return [*out, ""]


def _growth_of(results: Sequence[HttpResult], name: str, scales: list[float]) -> float | None:
    """The median latency with one client at the largest scale over the smallest: the cost of one request alone."""
    if len(scales) < 2:
        return None
    low, high = _find(results, name, scales[0], 1), _find(results, name, scales[-1], 1)
    if not (low and high) or not low.load.p50_ms:
        return None
    return high.load.p50_ms / low.load.p50_ms


def _growth(results: Sequence[HttpResult], scales: list[float]) -> list[str]:
    if len(scales) < 2:
        return []
    low, high = scales[0], scales[-1]
    out = [
        f"### Cost growth, scale {low:g} → {high:g} (one client)",
        "",
        f"| endpoint | p50 ms @{low:g} | p50 ms @{high:g} | growth | server CPU ms @{low:g} → @{high:g}"
        f" | PostgreSQL CPU ms @{low:g} → @{high:g} |",
        "|---|---|---|---|---|---|",
    ]
    names = list(dict.fromkeys(r.name for r in results))
    for name in names:
        a, b = _find(results, name, low, CLIENTS[0]), _find(results, name, high, CLIENTS[0])
        if not (a and b):
            continue
        growth = b.load.p50_ms / a.load.p50_ms if a.load.p50_ms else 0
        out.append(
            f"| {a.title} | {_f(a.load.p50_ms)} | {_f(b.load.p50_ms)} | {growth:.2f}× | {_f(a.server_cpu_ms)} →"
            f" {_f(b.server_cpu_ms)} | {_f(a.pg_cpu_ms)} → {_f(b.pg_cpu_ms)} |"
        )
    return [*out, ""]
