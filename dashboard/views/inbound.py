"""Team setup's Inbound page: how leads come in (the form's address, the webhook's secret, the sites allowed), the
time a rep has to try one, the routing rules in order, and a preview of where a lead would go."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cadence import routing
from cadence.services.inbound import InboundFields, route_preview, routing_team_for
from cadence.services.routing_rules import routing_rule_add, routing_rule_delete, routing_rule_move
from crm.inbound_keys import inbound_form_url, webhook_secret
from crm.models import Team
from crm.services import team_inbound_key_new, team_inbound_set
from dashboard.inbound_forms import InboundSettingsForm, PreviewForm, RuleForm
from dashboard.views.setup import team_get_for_manager, teams_for
from web.access import manager_required
from web.http import HtmxHttpRequest
from web.once import action_once, write_once


def _page(request: HtmxHttpRequest, team: Team, **forms: object) -> HttpResponse:
    snapshot = routing_team_for(team=team, now=timezone.now(), with_load=True)
    names = {rep.id: rep.name for rep in snapshot.reps}
    rules = [
        {
            "rule": rule,
            "position": position,
            "conditions": rule.conditions(),
            "reps": ", ".join(names.get(pk, "a former rep") for pk in rule.rep_ids)
            or "the reps who speak the language",
        }
        for position, rule in enumerate(snapshot.rules, start=1)
    ]
    reps = [{"rep": rep, "why_not": routing.why_not(rep, team=snapshot)} for rep in snapshot.reps]
    preview_form = forms.get("preview_form") or PreviewForm()
    context = {
        "team": team,
        "teams": teams_for(request),
        "section": "inbound",
        "form_url": inbound_form_url(team=team),
        "secret": webhook_secret(team=team),
        "rules": rules,
        "reps": reps,
        "settings_form": forms.get("settings_form") or InboundSettingsForm.for_team(team),
        "rule_form": forms.get("rule_form") or RuleForm(team=team),
        "preview_form": preview_form,
        "preview": forms.get("preview"),
    }
    return render(request, "dashboard/inbound.html", context)


@require_GET
@manager_required
def inbound_setup(request: HtmxHttpRequest, team_id: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    if "company" not in request.GET:
        return _page(request, team)
    form = PreviewForm(request.GET)
    preview = None
    if form.is_valid():
        data = form.cleaned_data
        placement = route_preview(
            team=team,
            fields=InboundFields(
                name=data["company"] or "A new company",
                estimated_value=data["value"],
                country=data["country"],
                region=data["region"],
                language=data["language"],
            ),
            email=data["email"] or "",
            now=timezone.now(),
        )
        preview = {"placement": placement, "rep": _rep_name(team, placement)}
    if request.htmx:
        return render(
            request, "dashboard/inbound.html#preview", {"preview_form": form, "preview": preview, "team": team}
        )
    return _page(request, team, preview_form=form, preview=preview)


def _rep_name(team: Team, placement: routing.Placement | None) -> str:
    if placement is None:
        return ""
    return str(team.reps.get(pk=placement.rep_id))


@require_POST
@manager_required
def inbound_settings_save(request: HtmxHttpRequest, team_id: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    form = InboundSettingsForm(request.POST, auto_id="inbound-%s")
    if form.is_valid():
        data = form.cleaned_data
        written = write_once(
            request,
            lambda: team_inbound_set(
                team=team,
                origins=data["origins"],
                sla_minutes=data["sla_minutes"],
                workday_start=data["workday_start"],
                workday_end=data["workday_end"],
                route_to_account_owner=data["route_to_account_owner"],
                rep_capacity=data["rep_capacity"],
            ),
            form=form,
        )
        if written.ok:
            messages.success(request, written.said("Inbound settings saved."))
            return redirect("inbound_setup", team_id=team.pk)
    return _page(request, team, settings_form=form)


@require_POST
@manager_required
def inbound_key_new(request: HtmxHttpRequest, team_id: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    action_once(
        request,
        lambda: team_inbound_key_new(team=team),
        done="New address and secret made: the old ones stop working now. Update your site's form and form tools.",
    )
    return redirect("inbound_setup", team_id=team.pk)


@require_POST
@manager_required
def routing_rule_add_view(request: HtmxHttpRequest, team_id: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    form = RuleForm(request.POST, team=team)
    if form.is_valid():
        data = form.cleaned_data
        written = write_once(
            request,
            lambda: routing_rule_add(
                team=team,
                name=data["name"],
                rep_ids=[rep.pk for rep in data["reps"]],
                countries=data["countries"],
                regions=data["regions"],
                timezones=data["timezones"],
                languages=data["languages"],
                min_value=data["min_value"],
                max_value=data["max_value"],
            ),
            form=form,
        )
        if written.ok:
            messages.success(request, written.said(f"Rule “{data['name']}” added at the end."))
            return redirect("inbound_setup", team_id=team.pk)
    return _page(request, team, rule_form=form)


@require_POST
@manager_required
def routing_rule_delete_view(request: HtmxHttpRequest, team_id: int, pk: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    action_once(request, lambda: routing_rule_delete(team=team, rule_id=pk), done="Rule removed.")
    return redirect("inbound_setup", team_id=team.pk)


@require_POST
@manager_required
def routing_rule_move_view(request: HtmxHttpRequest, team_id: int, pk: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    up = request.POST.get("direction") == "up"
    action_once(request, lambda: routing_rule_move(team=team, rule_id=pk, up=up), done="Rule moved.")
    return redirect("inbound_setup", team_id=team.pk)
