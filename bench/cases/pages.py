"""Pages and endpoints, timed through django.test.Client as server time (middleware, view, template, JSON).

Each case resolves its URL name first; until the page exists it is reported as "not built yet". The browser
pages log in with a session (force_login), the API with a token, as the real clients do.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db import connection
from django.test import Client

from bench.cases.writes import BULK, bulk_rows, raw_insert, rolled_back
from bench.registry import BenchContext, CaseResult, NotBuilt, case, p95_under, raw_ratio_at_least
from bench.timing import measure

# A page that takes seconds gets fewer timed runs (at least 10), so one slow page cannot hold the machine.
BUDGET_S = 30


def _browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: Any) -> Client:
    try:
        from rest_framework.authtoken.models import Token
    except ImportError:
        return _browser(user)
    token, _ = Token.objects.get_or_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def _ok(response: Any, *codes: int) -> Any:
    if response.status_code not in (codes or (200,)):
        url = response.request.get("PATH_INFO", "") + "?" + response.request.get("QUERY_STRING", "")
        raise RuntimeError(f"HTTP {response.status_code} from {url}: {response.content[:300]!r}")
    return response


def _get(client: Client, url: str, **headers: Any) -> Any:
    return lambda _: _ok(client.get(url, **headers))


def _page_case(ctx: BenchContext, url: str, client: Client, **headers: Any) -> CaseResult:
    result = ctx.result()
    result.target = p95_under(150)
    warmup, runs = ctx.runs(5, quick=1), ctx.runs(30, quick=2)
    result.main = measure(f"GET {url}", _get(client, url, **headers), warmup=warmup, runs=runs, budget_s=BUDGET_S)
    response = client.get(url, **headers)
    result.facts["response size"] = f"{len(response.content) / 1024:,.0f} KiB"
    return result


def _working_afternoon() -> Any:
    """The next weekday, 16:00 UTC (late morning in the Americas, afternoon in Europe): a rep's queue has every
    group filled then, while on a weekend nothing is due now or later today and My day shows half its rows."""
    import datetime as dt

    from django.utils import timezone

    day = timezone.now().date() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(16), tzinfo=dt.UTC)


@case("page_my_day", "My day page (rep, on a working afternoon)", kind="page", order=30)
def my_day_case(ctx: BenchContext) -> CaseResult:
    import time_machine

    rep = ctx.rep()
    with time_machine.travel(_working_afternoon(), tick=True):
        client = _browser(rep)
        result = _page_case(ctx, ctx.url("home"), client)
        shown = client.get(ctx.url("home")).content.count(b"data-follow-up")
    result.facts["rows shown"] = f"{shown} (the page shows at most 75)"
    result.target = p95_under(60)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM cadence_followup WHERE rep_id = %s AND status = 'planned' "
            "AND due_start < now() + interval '7 days'",
            [rep.pk],
        )
        result.facts["planned follow-ups due within 7 days"] = f"{cursor.fetchone()[0]:,}"
    return result


@case("page_focus", "Focus mode's next lead (rep)", kind="page", order=30)
def focus_case(ctx: BenchContext) -> CaseResult:
    rep = ctx.rep()
    result = _page_case(ctx, ctx.url("focus"), _browser(rep))
    result.target = p95_under(50)
    return result


@case("api_follow_ups", "API follow-ups queue (rep, first page)", kind="page", order=30)
def api_follow_ups_case(ctx: BenchContext) -> CaseResult:
    url = ctx.url("api:follow-up-list")
    return _page_case(ctx, url, _api(ctx.rep()))


@case("page_prospect", "Prospect page with a long history", kind="page", order=30)
def prospect_page_case(ctx: BenchContext) -> CaseResult:
    from crm.models import Prospect, User

    prospect = Prospect.objects.get(pk=ctx.long_history_prospect_id())
    owner = User.objects.get(pk=prospect.owner_id)
    url = ctx.url("prospect_detail", pk=prospect.pk)
    return _page_case(ctx, url, _browser(owner))


@case("page_prospect_list", "Prospects list page (rep)", kind="page", order=30)
def prospect_list_page_case(ctx: BenchContext) -> CaseResult:
    """The rep's list by name; beside it, the same page newest activity first (where an import's "See the
    prospects" leads), and as a manager and a superuser see it (their count and owner filter span teams)."""
    url = ctx.url("prospect_list")
    result = _page_case(ctx, url, _browser(ctx.rep()))
    warmup, runs = ctx.runs(3, quick=1), ctx.runs(15, quick=2)
    for label, user, query in (
        ("rep, recently updated", ctx.rep(), "?sort=-updated"),
        ("manager", ctx.manager(), ""),
        ("superuser", ctx.superuser(), ""),
    ):
        if user is not None:
            page = _get(_browser(user), url + query)
            timed = measure(f"{label}: GET {url}{query}", page, warmup=warmup, runs=runs, budget_s=BUDGET_S)
            result.others.append(timed)
    return result


@case("page_manager_dashboard", "Manager dashboard", kind="page", order=30)
def manager_dashboard_case(ctx: BenchContext) -> CaseResult:
    for name in ("manager_dashboard", "dashboard", "team_dashboard"):
        try:
            url = ctx.url(name)
        except NotBuilt:
            continue
        result = _page_case(ctx, url, _browser(ctx.manager()))
        result.target = p95_under(300)
        return result
    raise NotBuilt("manager_dashboard")


@case("page_cadence_preview", "Cadence page's live preview (htmx, the whole cadence planned)", kind="page", order=30)
def cadence_preview_case(ctx: BenchContext) -> CaseResult:
    from cadence.models import Cadence
    from crm.models import Team

    manager = ctx.manager()
    team = Team.objects.filter(managers=manager).order_by("pk").first()
    cadence = Cadence.objects.filter(team=team, is_default=True).first()
    url = ctx.url("cadence_preview", team_id=team.pk)
    windows = cadence.windows if cadence else [["08:00", "09:00"], ["16:00", "17:00"]]
    body: dict[str, Any] = {
        "name": "Preview",
        "gaps": "2",
        "working_weekdays": ["0", "1", "2", "3", "4"],
        "voicemail_after_no_answer": "on",
        "min_touches": "5",
        "max_touches": "8",
        "pleasantly_persistent_channel": "in_person",
        "breakup_wait_days": "5",
        "ending": "give_up",
        "windows-TOTAL_FORMS": str(len(windows)),
        "windows-INITIAL_FORMS": "0",
        "preview-country": "US",
        "preview-timezone": "America/New_York",
    }
    for n, (start, end) in enumerate(windows):
        body[f"windows-{n}-start"], body[f"windows-{n}-end"] = start, end
    client = _browser(manager)
    result = ctx.result()
    result.target = p95_under(100)
    warmup, runs = ctx.runs(5, quick=1), ctx.runs(30, quick=2)
    result.main = measure(
        f"POST {url}",
        lambda _: _ok(client.post(url, body, HTTP_HX_REQUEST="true")),
        warmup=warmup,
        runs=runs,
        budget_s=BUDGET_S,
    )
    return result


@case("log_touch_browser", "Log a touch from My day (one-click outcome, htmx)", kind="page", order=30)
def log_touch_browser_case(ctx: BenchContext) -> CaseResult:
    from crm.models import User

    result = ctx.result()
    result.target = p95_under(30)
    ctx.url("follow_up_log", pk=1)
    warmup, runs = ctx.runs(5, quick=1), ctx.runs(60, quick=2)
    rep = ctx.rep()
    subjects = ctx.subjects(warmup + runs + 1, owner_id=rep.pk)
    client = _browser(User.objects.get(pk=rep.pk))

    def post(subject: Any) -> Any:
        url = ctx.url("follow_up_log", pk=subject.follow_up_id)
        data = {"outcome": "no_answer_voicemail", "submission": str(uuid.uuid4())}
        return _ok(client.post(url, data, HTTP_HX_REQUEST="true"))

    result.main = measure(
        "POST follow-ups/<pk>/log/ outcome=no_answer_voicemail",
        post,
        prepare=lambda i: subjects[i],
        warmup=warmup,
        runs=runs,
    )
    result.facts["each run"] = (
        "a fresh planned follow-up of the rep: its call and voicemail logged once, the lead planned in the request, "
        "the answered row and the row planned under it rendered; committed"
    )
    ctx.replan([s.enrollment_id for s in subjects])
    return result


@case("log_touch_api", "Log a touch through the API", kind="page", order=30)
def log_touch_api_case(ctx: BenchContext) -> CaseResult:
    result = ctx.result()
    result.target = p95_under(50)
    url = ctx.url("api:touch-list")
    warmup, runs = ctx.runs(5, quick=1), ctx.runs(60, quick=2)
    rep = ctx.rep()
    subjects = ctx.subjects(warmup + runs + 1, owner_id=rep.pk)
    client = _api(rep)

    def body(subject: Any) -> str:
        from django.utils import timezone

        return json.dumps(
            {
                "id": str(uuid.uuid4()),
                "prospect": subject.prospect_id,
                "contact": subject.contact_id,
                "channel": "call",
                "outcome": "no_answer",
                "occurred_at": timezone.now().isoformat(),
            }
        )

    result.main = measure(
        f"POST {url}",
        lambda data: _ok(client.post(url, data, content_type="application/json"), 201),
        prepare=lambda i: body(subjects[i]),
        warmup=warmup,
        runs=runs,
    )
    result.facts["each run"] = "a new touch (client UUID) on a fresh prospect of the rep; committed"
    ctx.replan([s.enrollment_id for s in subjects])
    return result


@case("api_bulk_sync", "API bulk sync of 500 touches vs raw multi-row INSERT", kind="page", order=30)
def api_bulk_sync_case(ctx: BenchContext) -> CaseResult:
    result = ctx.result()
    result.target = raw_ratio_at_least(0.25)
    url = ctx.url("api:touch-bulk")
    warmup, runs = ctx.runs(2, quick=1), ctx.runs(8, quick=2)
    count = BULK if not ctx.quick else 50
    inputs = [bulk_rows(ctx, 1000 + n, count) for n in range(warmup + runs + 1)]
    client = _api(ctx.rep())

    def body(rows: list[dict[str, Any]]) -> str:
        return json.dumps(
            {
                "touches": [
                    {
                        "id": str(r["id"]),
                        "prospect": r["prospect"],
                        "contact": r["contact"],
                        "channel": r["channel"],
                        "outcome": r["outcome"],
                        "occurred_at": r["occurred_at"].isoformat(),
                    }
                    for r in rows
                ]
            }
        )

    result.main = measure(
        f"POST {url} with {count} touches",
        rolled_back(lambda data: _ok(client.post(url, data, content_type="application/json"))),
        prepare=lambda i: body(inputs[i]),
        warmup=warmup,
        runs=runs,
        units=count,
        budget_s=BUDGET_S,
        min_runs=5,
    )
    result.raw = measure(
        f"raw multi-row INSERT of the same {count}",
        rolled_back(raw_insert),
        prepare=lambda i: inputs[i],
        warmup=warmup,
        runs=runs,
        units=count,
    )
    result.facts["each run"] = "new touches of one rep, in a transaction rolled back afterwards (both variants)"
    return result


@case("api_changes_feed", "API changes feed: a day of changes, first page", kind="page", order=30)
def changes_feed_case(ctx: BenchContext) -> CaseResult:
    url = ctx.url("api:touch-changes")
    from api.changes import Cursor

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xid, id FROM api_touchchange WHERE changed_at >= now() - interval '1 day' ORDER BY xid, id LIMIT 1"
        )
        row = cursor.fetchone()
    query = f"?cursor={Cursor(row[0], row[1] - 1).encode()}" if row else ""
    result = _page_case(ctx, url + query, _api(ctx.rep()))
    return result
