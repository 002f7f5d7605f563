"""A team's cadences, for its managers: the list, a cadence built or changed with the planner's live preview beside
it, copies and retirement. Only managers of the team get in; another team's ids are a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cadence.models import Cadence, CadenceChange, Enrollment
from cadence.preview import cadence_preview
from cadence.services.setup import cadence_copy, cadence_retire, cadence_save
from crm.models import Prospect, Team
from crm.zones import zone
from dashboard.cadence_forms import CadenceForm, PreviewForm, WindowFormSet
from dashboard.views.setup import team_get_for_manager, teams_for
from touches.selectors import message_templates_for_teams, themes_offered
from web.access import manager_required
from web.http import ALREADY_SAVED, HtmxHttpRequest, errors_text
from web.once import action_once, write_once

FORM_TEMPLATE = "dashboard/cadence_form.html"
NEW_CADENCE = Cadence(name="", gaps_days=[2], min_touches=5, max_touches=8)


def _cadence_for_manager(team: Team, pk: int) -> Cadence:
    return get_object_or_404(Cadence, pk=pk, team=team)


@require_GET
@manager_required
def cadence_list(request: HtmxHttpRequest, team_id: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    open_leads = Count("enrollments", filter=Q(enrollments__status__in=Enrollment.OPEN_STATUSES))
    cadences = list(Cadence.objects.filter(team=team).annotate(open_leads=open_leads).order_by("is_retired", "name"))
    changes = CadenceChange.objects.filter(cadence__team=team).select_related("cadence", "actor")[:10]
    context = {"team": team, "cadences": cadences, "changes": changes, "teams": teams_for(request)}
    return render(request, "dashboard/cadences.html", context)


def _forms(request: HtmxHttpRequest, team: Team, cadence: Cadence) -> tuple[CadenceForm, Any, PreviewForm]:
    """The cadence form, its windows and the preview's sample, bound to the POST or started from the cadence."""
    today = timezone.now().astimezone(zone(request.user.timezone, fallback="UTC")).date()
    prospects = Prospect.objects.filter(team=team).order_by("-updated_at")[:50]
    if request.method == "POST":
        data = request.POST.copy()
        if "add_window" in data:
            # Without JavaScript, "Add a window" posts the form back with one more (empty) row.
            total = int(data.get("windows-TOTAL_FORMS") or 0)
            data["windows-TOTAL_FORMS"] = str(min(total + 1, 8))
        form = CadenceForm(data)
        windows = WindowFormSet(data, prefix="windows")
        sample = PreviewForm(data, prospects=Prospect.objects.filter(team=team), today=today)
    else:
        initial_windows = [{"start": start, "end": end} for start, end in cadence.windows]
        form = CadenceForm(initial=CadenceForm.initial_for(cadence))
        windows = WindowFormSet(initial=initial_windows, prefix="windows")
        sample = PreviewForm(prospects=Prospect.objects.filter(team=team), today=today, initial={"start": today})
    sample.fields["prospect"].queryset = prospects if request.method != "POST" else Prospect.objects.filter(team=team)
    return form, windows, sample


def _preview(request: HtmxHttpRequest, team: Team, form: CadenceForm, windows: Any, sample: PreviewForm) -> dict:
    """The planner's decisions for the form as it stands, or why there are none yet."""
    if not (form.is_valid() and windows.is_valid() and sample.is_valid()):
        return {"preview_rows": None, "preview_problem": "Fix the fields marked in red to see the plan."}
    values = form.values(windows.windows())
    values.pop("is_default"), values.pop("is_high_value"), values.pop("name")
    try:
        Cadence(team=team, name="preview", **values).clean()
    except ValidationError as exc:
        return {"preview_rows": None, "preview_problem": errors_text(exc)}
    viewer_tz = zone(request.user.timezone, fallback="UTC")
    data = sample.cleaned_data
    themes = themes_offered(message_templates_for_teams(team_ids=[team.pk])[team.pk])
    rows = cadence_preview(
        values=values,
        themes=themes,
        now=timezone.now(),
        start=data["start"],
        viewer_tz=viewer_tz,
        prospect=data.get("prospect"),
        country=data.get("country") or "US",
        timezone=data.get("timezone") or "America/New_York",
    )
    return {"preview_rows": rows, "preview_problem": "", "viewer_tz": viewer_tz}


def _form_page(request: HtmxHttpRequest, team: Team, cadence: Cadence | None) -> HttpResponse:
    form, windows, sample = _forms(request, team, cadence or NEW_CADENCE)
    if request.method == "POST" and "save" in request.POST and form.is_valid() and windows.is_valid():
        written = write_once(
            request,
            lambda: cadence_save(
                team=team,
                actor=request.user,
                values=form.values(windows.windows()),
                now=timezone.now(),
                cadence=cadence,
                high_value_threshold=form.threshold,
            ),
        )
        if written.error is not None:
            _errors_onto(form, written.error)
        else:
            messages.success(request, _saved_message(*written.value) if written.value else ALREADY_SAVED)
            return redirect("cadence_list", team_id=team.pk)
    context = {
        "team": team,
        "teams": teams_for(request),
        "cadence": cadence,
        "form": form,
        "windows": windows,
        "sample": sample,
        **_preview(request, team, form, windows, sample),
    }
    return render(request, FORM_TEMPLATE, context)


def _errors_onto(form: CadenceForm, exc: ValidationError) -> None:
    """The model's errors next to the form's own fields (a window error goes on top: the windows are a formset)."""
    names = {"gaps_days": "gaps", "working_weekdays": "working_weekdays"}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        target = names.get(field, field)
        form.add_error(target if target in form.fields else None, errors)


def _saved_message(cadence: Cadence, change: CadenceChange | None) -> str:
    if change is None:
        return f"{cadence.name}: nothing changed."
    if change.open_leads:
        leads = f"{change.open_leads} open lead{'s' if change.open_leads != 1 else ''}"
        return (
            f"{cadence.name} saved. {leads} use{'s' if change.open_leads == 1 else ''} it: each picks up the change at "
            "its next re-plan, within a minute."
        )
    return f"{cadence.name} saved. No lead uses it yet."


@require_http_methods(["GET", "POST"])
@manager_required
def cadence_new(request: HtmxHttpRequest, team_id: int) -> HttpResponse:
    return _form_page(request, team_get_for_manager(request, team_id), None)


@require_http_methods(["GET", "POST"])
@manager_required
def cadence_edit(request: HtmxHttpRequest, team_id: int, pk: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    return _form_page(request, team, _cadence_for_manager(team, pk))


@require_POST
@manager_required
def cadence_preview_view(request: HtmxHttpRequest, team_id: int) -> HttpResponse:
    """The preview region alone, as the form changes (htmx)."""
    team = team_get_for_manager(request, team_id)
    form, windows, sample = _forms(request, team, NEW_CADENCE)
    context = {"team": team, "sample": sample, **_preview(request, team, form, windows, sample)}
    return render(request, f"{FORM_TEMPLATE}#preview", context)


@require_POST
@manager_required
def cadence_copy_view(request: HtmxHttpRequest, team_id: int, pk: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    cadence = _cadence_for_manager(team, pk)
    copy = write_once(request, lambda: cadence_copy(cadence=cadence, actor=request.user, now=timezone.now())).value
    if copy is not None:
        messages.success(request, f"Copied as {copy.name}: change it without touching the leads in the original.")
        return redirect("cadence_edit", team_id=team.pk, pk=copy.pk)
    messages.info(request, ALREADY_SAVED)
    return redirect("cadence_list", team_id=team.pk)


@require_POST
@manager_required
def cadence_retire_view(request: HtmxHttpRequest, team_id: int, pk: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    cadence = _cadence_for_manager(team, pk)
    action_once(
        request,
        lambda: cadence_retire(cadence=cadence, actor=request.user, now=timezone.now()),
        done=f"{cadence.name} retired: it takes no new leads.",
    )
    return redirect("cadence_list", team_id=team.pk)
