"""The manager dashboard: stalled leads and what to do about them, rep results, the charts, and their CSVs.

Only managers get in (a rep gets 403), and every read goes through `team_list_managed`/`prospect_list_visible`:
a lead of another team is a 404. Actions post to one URL, go through the cadence services with the manager as
actor (so each is recorded in the lead's history), and either all succeed or nothing changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cadence.services.leads import LeadAction, leads_act
from crm.models import Prospect, User
from crm.zones import zone
from dashboard import charts, metrics, scope, stalled
from dashboard.forms import DashboardFilterForm, StalledActionForm
from dashboard.speed import speed_to_lead
from web.access import manager_required
from web.csv_export import csv_response
from web.http import HtmxHttpRequest
from web.jinja import drawn
from web.once import write_once

PAGE_SIZE = 25


def _filter_form(request: HtmxHttpRequest, data: QueryDict) -> DashboardFilterForm:
    teams = scope.dashboard_teams(user=request.user)
    reps = User.objects.filter(team__in=teams, role=User.Role.REP).order_by("first_name", "username")
    return DashboardFilterForm(data or None, teams=teams, reps=reps)


def _get_leads_for_manager(request: HtmxHttpRequest, ids: list[int]) -> list[Prospect]:
    """The selected leads, all of them in the manager's teams, or a 404."""
    leads = list(scope.dashboard_prospects(user=request.user).filter(pk__in=ids).select_related("team", "owner"))
    if len(leads) != len(ids):
        raise Http404("No such lead.")
    return leads


def _stalled_context(
    request: HtmxHttpRequest,
    form: DashboardFilterForm,
    now: dt.datetime,
    page_number: str | None,
    reps: list[User] | None = None,
) -> dict[str, Any]:
    """The stalled list and its action form; `reps` (`metrics.reps_with_load`), when the page reads them anyway,
    lists the available ones to reassign to."""
    filters = form.filters()
    number = int(page_number) if (page_number or "").isdigit() and int(page_number) > 0 else 1
    found = stalled.stalled_page(
        user=request.user, now=now, filters=filters, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    page = Paginator(range(found.total), PAGE_SIZE).get_page(number)
    if page.number != number:  # past the last page (the list shrank): show the last one
        offset = (page.number - 1) * PAGE_SIZE
        found = stalled.stalled_page(user=request.user, now=now, filters=filters, offset=offset, limit=PAGE_SIZE)
    query = form.data.copy() if form.is_bound else QueryDict(mutable=True)
    query.pop("page", None)
    # Only reps who can take a lead: available and joined (an invited rep who never logged in gets none).
    available = scope.dashboard_reps(user=request.user).filter(is_available=True, last_login__isnull=False)
    shown = None if reps is None else [rep for rep in reps if rep.is_available and rep.has_joined]
    return {
        "filters": filters,
        "summary": [(r, found.summary[r.key]) for r in scope.REASONS],
        "total": found.total,
        "page": page,
        "rows": found.rows,
        "query": query.urlencode(),
        "without": {key: _without(query, key) for key in ("reason", "sort")},
        "action_form": StalledActionForm(reps=available, shown=shown, today=_today(request, now)),
    }


def _without(query: QueryDict, key: str) -> str:
    """The query string minus one parameter, for links that set it."""
    rest = query.copy()
    rest.pop(key, None)
    return rest.urlencode()


def _results_context(
    request: HtmxHttpRequest, form: DashboardFilterForm, now: dt.datetime, reps: list[User]
) -> dict[str, Any]:
    team_id, tz = form.filters().team_id, _zone_of(request)
    period = metrics.Period.ending(now, form.period_days)
    found = metrics.persistence(user=request.user, period=period, team_id=team_id)
    rep_ids = metrics.team_rep_ids(user=request.user, team_id=team_id)
    done = metrics.activity(user=request.user, period=period, tz=tz, team_id=team_id, rep_ids=rep_ids)
    daily = charts.attempts_per_day(user=request.user, period=period, tz=tz, team_id=team_id, done=done)
    curve = charts.persistence_curve(found)
    team_reps = [rep for rep in reps if team_id is None or rep.team_id == team_id]
    stats = metrics.rep_stats(
        user=request.user, now=now, period=period, team_id=team_id, found=found, done=done, reps=team_reps
    )
    heatmap = charts.when_to_call(user=request.user, period=period, team_id=team_id, rep_ids=rep_ids)
    return {
        "period": period,
        "stats": stats,
        "daily": daily,
        # The two big number tables, drawn by Jinja2: their few hundred cells were a third of the page's time.
        "daily_rows": drawn("dashboard/daily_rows.html", {"daily": daily}),
        "curve": curve,
        "reached": found.reached,
        "heatmap": heatmap,
        "heatmap_rows": drawn("dashboard/heatmap_rows.html", {"heatmap": heatmap, "few_dials": charts.FEW_DIALS}),
        "studies": scope.STUDY_CONNECT_RATE,
        "chart_data": _chart_data(daily, curve),
        "speed": speed_to_lead(user=request.user, period=period, now=now, team_id=team_id),
    }


def _chart_data(daily: charts.DailySeries, curve: list[charts.AttemptBar]) -> dict[str, Any]:
    return {
        "attempts": {
            "labels": [f"{day:%a %d %b}" for day in daily.days],
            "datasets": [{"label": name, "data": values} for name, values in daily.reps],
        },
        "persistence": {
            "labels": [bar.label for bar in curve],
            "share": [round(bar.share, 1) for bar in curve],
            "cumulative": [round(bar.cumulative, 1) for bar in curve],
            "study": [bar.study for bar in curve],
        },
    }


def _today(request: HtmxHttpRequest, now: dt.datetime) -> dt.date:
    return now.astimezone(_zone_of(request)).date()


@require_GET
@manager_required
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """Stalled leads first (where to step in), then the reps' results and the charts for the period."""
    now = timezone.now()
    form = _filter_form(request, request.GET)
    stalled_only = bool(request.htmx and request.htmx.target == "stalled")
    reps = None if stalled_only else metrics.reps_with_load(user=request.user, now=now)
    context: dict[str, Any] = {
        "form": form,
        **_stalled_context(request, form, now, request.GET.get("page"), reps),
        "plan_failures": scope.plan_failures(user=request.user, team_id=form.filters().team_id),
    }
    if stalled_only:
        return render(request, "dashboard/dashboard.html#stalled", context)
    context.update(_results_context(request, form, now, reps))
    if request.htmx and request.htmx.target == "dashboard":
        return render(request, "dashboard/dashboard.html#dashboard", context)
    return render(request, "dashboard/dashboard.html", context)


@require_POST
@manager_required
def stalled_action(request: HtmxHttpRequest) -> HttpResponse:
    """Reassign, extend, pause or give up the selected leads, all or none."""
    now = timezone.now()
    query = QueryDict(request.POST.get("query", ""))
    reps = scope.dashboard_reps(user=request.user).filter(is_available=True, last_login__isnull=False)
    action_form = StalledActionForm(request.POST, reps=reps, today=_today(request, now))
    notice, ok = "", False
    if action_form.is_valid():
        leads = _get_leads_for_manager(request, action_form.cleaned_data["leads"])
        written = write_once(
            request, lambda: _act(leads, action_form.cleaned_data, actor=request.user, now=now, tz=_zone_of(request))
        )
        ok = written.ok
        if written.error is not None:
            notice = "Nothing was changed. " + " ".join(written.error.messages)
        else:
            notice = written.value or "Already done: that action was sent twice, and carried out once."
    else:
        notice = "Nothing was changed. " + " ".join(e for errors in action_form.errors.values() for e in errors)
    if not request.htmx:
        (messages.success if ok else messages.error)(request, notice)
        return redirect(reverse("dashboard") + (f"?{query.urlencode()}" if query else ""))
    form = _filter_form(request, query)
    context = {**_stalled_context(request, form, now, query.get("page")), "form": form, "notice": notice, "ok": ok}
    if not ok:
        context["action_form"], context["selected"] = action_form, set(map(str, request.POST.getlist("leads")))
    return render(request, "dashboard/dashboard.html#stalled", context)


def _zone_of(request: HtmxHttpRequest) -> ZoneInfo:
    return zone(request.user.timezone, fallback="UTC")


def _act(leads: list[Prospect], data: dict[str, Any], *, actor: User, now: dt.datetime, tz: ZoneInfo) -> str:
    """The form's choice as the service's arguments: a pause ends at 08:00 on the manager's clock of the day chosen."""
    until = data.get("pause_until")
    return leads_act(
        leads=leads,
        action=LeadAction(data["action"]),
        actor=actor,
        now=now,
        note=data["reason"].strip(),
        to=data.get("to"),
        extra_touches=data.get("extra_touches") or 0,
        pause_until=dt.datetime.combine(until, dt.time(8), tzinfo=tz) if until else None,
    )


# ---------------------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------------------

STALLED_HEADER = [
    "Lead",
    "Lead id",
    "Team",
    "Owner",
    "Value",
    "Status",
    "Stalled for (days)",
    "Stalled since",
    "Reasons",
]


@require_GET
@manager_required
def stalled_csv(request: HtmxHttpRequest) -> HttpResponse:
    """Every stalled lead under the filters (not just a page), streamed."""
    now = timezone.now()
    filters = _filter_form(request, request.GET).filters()
    found = stalled.stalled_page(user=request.user, now=now, filters=filters, limit=None)

    def rows() -> Iterator[list[object]]:
        for row in found.rows:
            p, enrollment = row.prospect, row.enrollment
            reasons = " | ".join(r.detail for r in row.reasons)
            since = row.stalled_since.isoformat() if row.stalled_since else ""
            yield [
                p.name,
                p.pk,
                p.team,
                enrollment.owner,
                p.estimated_value,
                p.get_status_display(),
                row.age_days,
                since,
                reasons,
            ]

    return csv_response(f"stalled-leads-{now:%Y-%m-%d}.csv", STALLED_HEADER, rows())


REP_HEADER = [
    "Rep or team",
    "Team",
    "Days",
    "Attempts",
    "Attempts per day",
    "Dials",
    "Connects",
    "Connect rate %",
    "Leads first reached",
    "Median attempts to first connect",
    "Given up",
    "Given up early",
    "Given up early %",
    "Time spent (hours)",
    "Overdue follow-ups now",
]


def _num(value: float | None, places: int = 1) -> str:
    return "" if value is None else f"{value:.{places}f}"


@require_GET
@manager_required
def reps_csv(request: HtmxHttpRequest) -> HttpResponse:
    now = timezone.now()
    form = _filter_form(request, request.GET)
    period = metrics.Period.ending(now, form.period_days)
    stats = metrics.rep_stats(user=request.user, now=now, period=period, team_id=form.filters().team_id)
    rows = (
        [
            s.label, s.team_name, s.days, s.attempts, _num(s.attempts_per_day), s.dials, s.connects,
            _num(s.connect_rate), s.reached, _num(s.median_to_connect), s.gave_up, s.gave_up_early,
            _num(s.early_share), _num(s.hours), s.overdue,
        ]
        for s in stats
    )  # fmt: skip
    return csv_response(f"rep-results-{period.days}d-{now:%Y-%m-%d}.csv", REP_HEADER, rows)


@require_GET
@manager_required
def chart_csv(request: HtmxHttpRequest, chart: str) -> HttpResponse:
    """The numbers behind each chart."""
    now = timezone.now()
    form = _filter_form(request, request.GET)
    period, team_id = metrics.Period.ending(now, form.period_days), form.filters().team_id
    name = f"{chart}-{period.days}d-{now:%Y-%m-%d}.csv"
    if chart == "attempts":
        daily = charts.attempts_per_day(user=request.user, period=period, tz=_zone_of(request), team_id=team_id)
        rows = ([day.isoformat(), rep, values[n]] for rep, values in daily.reps for n, day in enumerate(daily.days))
        return csv_response(name, ["Day", "Rep", "Attempts"], rows)
    if chart == "persistence":
        curve = charts.persistence_curve(metrics.persistence(user=request.user, period=period, team_id=team_id))
        header = ["Reached on attempt", "Leads", "Share %", "Reached by then %", "Studies: reached by then %"]
        rows = ([b.label, b.reached, _num(b.share), _num(b.cumulative), b.study or ""] for b in curve)
        return csv_response(name, header, rows)
    if chart == "when-to-call":
        heat = charts.when_to_call(user=request.user, period=period, team_id=team_id)
        header = ["Weekday", "Local time", "Dials", "Connects", "Connect rate %"]
        rows = (
            [day, heat.columns[n], cell.dials, cell.connects, _num(cell.rate)]
            for day, cells in heat.rows
            for n, cell in enumerate(cells)
        )
        return csv_response(name, header, rows)
    raise Http404("No such chart.")
