"""What the HTTP mode measures, as whom, and how one scale is run.

Each endpoint is driven at 1 and at 10 concurrent clients after a short warm-up; the hello-world view under the
same server, measured first, is the ceiling each figure is compared to. Sessions and API tokens are made for the
bench's rep, manager and superuser as logging in would make them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import reverse

from bench.http.load import Load, get_script, run_wrk, touch_post_script
from bench.http.server import Server, gunicorn, postgres_cpu_ms
from bench.timing import load_average

CLIENTS = (1, 10)


@dataclass(frozen=True)
class Endpoint:
    name: str
    title: str
    path: str
    script: Callable[[], str]
    rows: Callable[[], int] | None = None  # the rows this endpoint writes, counted before and after each run
    headers: dict[str, str] = field(default_factory=dict)  # to fetch one answer and say what it shows
    shows: Callable[[bytes], str] | None = None


@dataclass
class HttpResult:
    scale: float
    name: str
    title: str
    load: Load
    server_cpu_ms: float  # per request, gunicorn's master and workers
    pg_cpu_ms: float  # per request, every PostgreSQL process
    ceiling_share: float = 0.0  # requests/s over the hello-world's at the same concurrency
    load_avg: str = ""
    rows_written: int | None = None
    facts: dict[str, str] = field(default_factory=dict)


def _session_cookie(user: Any) -> dict[str, str]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"}


def _token(user: Any) -> dict[str, str]:
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


def endpoints(ctx: Any) -> list[Endpoint]:
    from crm.models import Prospect, User
    from touches.models import Touch

    rep = User.objects.get(pk=ctx.rep().pk)
    busiest = ctx.busiest_rep()
    manager = User.objects.get(pk=ctx.manager().pk)
    long_history = Prospect.objects.get(pk=ctx.long_history_prospect_id())
    owner = User.objects.get(pk=long_history.owner_id)
    rep_cookie, manager_cookie, owner_cookie = _session_cookie(rep), _session_cookie(manager), _session_cookie(owner)
    busiest_cookie = _session_cookie(busiest)
    rep_token, manager_token, super_token = _token(rep), _token(manager), _token(ctx.superuser())
    prospects = reverse("api:prospect-list")
    found: list[Endpoint] = [
        Endpoint("hello", "Hello-world view (the ceiling)", "/bench/hello/", lambda: get_script({})),
        Endpoint(
            "my_day",
            "My day (the rep with the fullest week)",
            reverse("home"),
            lambda: get_script(busiest_cookie),
            headers=busiest_cookie,
            shows=lambda body: f"{body.count(b'data-follow-up')} follow-up rows",
        ),
        Endpoint(
            "prospect_page",
            "Prospect page with a long history",
            reverse("prospect_detail", args=[long_history.pk]),
            lambda: get_script(owner_cookie),
        ),
        Endpoint(
            "prospect_list", "Prospects list page (rep)", reverse("prospect_list"), lambda: get_script(rep_cookie)
        ),
        Endpoint(
            "api_prospects_50",
            "API prospects, 50 rows (rep)",
            f"{prospects}?page_size=50",
            lambda: get_script(rep_token),
        ),
    ]
    for who, headers in (("rep", rep_token), ("manager", manager_token), ("superuser", super_token)):
        found.append(
            Endpoint(
                f"api_prospects_100_{who}",
                f"API prospects, 100 rows ({who})",
                f"{prospects}?page_size=100",
                lambda headers=headers: get_script(headers),
            )
        )
    found += [
        Endpoint(
            "api_follow_ups", "API follow-ups (rep)", reverse("api:follow-up-list"), lambda: get_script(rep_token)
        ),
        Endpoint("dashboard", "Manager dashboard", reverse("dashboard"), lambda: get_script(manager_cookie)),
    ]
    subjects = [(s.prospect_id, s.contact_id) for s in ctx.subjects(ctx.runs(200, quick=20), owner_id=rep.pk)]
    subjects = [(prospect, contact) for prospect, contact in subjects if contact]
    occurred_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()

    def touches_of_rep() -> int:
        return Touch.objects.filter(rep=rep).count()

    found.append(
        Endpoint(
            "touch_post",
            "Touch POST through the API (rep, a new touch each)",
            reverse("api:touch-list"),
            lambda: touch_post_script(
                headers=rep_token, path=reverse("api:touch-list"), subjects=subjects, occurred_at=occurred_at
            ),
            rows=touches_of_rep,
        )
    )
    return found


def _measure(server: Server, endpoint: Endpoint, *, clients: int, seconds: float, scale: float) -> HttpResult:
    script = endpoint.script()
    url = server.base_url + endpoint.path
    before_load = load_average()
    rows_before = 0
    if endpoint.rows is not None:
        time.sleep(0.5)  # what the warm-up or the run before left in flight is written first
        rows_before = endpoint.rows()
    cpu_before, pg_before = server.cpu_ms(), postgres_cpu_ms()
    load = run_wrk(url, script=script, clients=clients, seconds=seconds)
    cpu_after, pg_after = server.cpu_ms(), postgres_cpu_ms()
    requests = max(load.requests, 1)
    result = HttpResult(
        scale=scale,
        name=endpoint.name,
        title=endpoint.title,
        load=load,
        server_cpu_ms=(cpu_after - cpu_before) / requests,
        pg_cpu_ms=(pg_after - pg_before) / requests,
        load_avg=f"{before_load} → {load_average()}",
    )
    if endpoint.shows is not None:
        request = urllib.request.Request(url, headers=endpoint.headers)
        with urllib.request.urlopen(request, timeout=30) as answer:
            result.facts["shows"] = endpoint.shows(answer.read())
    if endpoint.shows is not None:
        request = urllib.request.Request(url, headers=endpoint.headers)
        with urllib.request.urlopen(request, timeout=30) as answer:
            result.facts["shows"] = endpoint.shows(answer.read())
    if endpoint.rows is not None:
        time.sleep(0.5)  # the requests in flight when wrk stopped counting finish
        result.rows_written = endpoint.rows() - rows_before
        result.facts["rows written"] = f"{result.rows_written:,}"
        result.facts["2xx answers"] = f"{load.requests - load.failed:,}"
        result.facts["in flight when the load stopped (answered, not counted by wrk)"] = f"up to {clients}"
    return result


def http_run(
    ctx: Any, *, database_url: str, redis_url: str, seconds: float, only: set[str] | None = None
) -> list[HttpResult]:
    """Every endpoint at each concurrency on one scale's database, the ceiling first."""
    results: list[HttpResult] = []
    with gunicorn(database_url=database_url, redis_url=redis_url) as server:
        chosen = [e for e in endpoints(ctx) if only is None or e.name in only or e.name == "hello"]
        ceiling: dict[int, float] = {}
        for endpoint in chosen:
            run_wrk(server.base_url + endpoint.path, script=endpoint.script(), clients=2, seconds=1)  # warm-up
            for clients in CLIENTS:
                result = _measure(server, endpoint, clients=clients, seconds=seconds, scale=ctx.scale)
                if endpoint.name == "hello":
                    ceiling[clients] = result.load.per_second
                result.ceiling_share = result.load.per_second / ceiling[clients] if ceiling.get(clients) else 0.0
                results.append(result)
    _queue_empty(redis_url)
    return results


def _queue_empty(redis_url: str) -> None:
    """The plans the touch POSTs enqueued had no worker to take them: the bench's sweep plans those leads."""
    import redis

    with contextlib.suppress(redis.RedisError):
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).delete("pursuit-bench-http")
