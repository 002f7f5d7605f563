"""Team setup's Webhooks page: the URLs the team's events go to, their secrets, and the delivery log with replay."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from crm.models import Team
from dashboard.views.setup import team_get_for_manager, teams_for
from dashboard.webhook_forms import EndpointForm
from web.access import manager_required
from web.http import HtmxHttpRequest
from web.once import action_once, write_once
from webhooks.models import Delivery, Endpoint
from webhooks.services import delivery_replay, endpoint_add, endpoint_remove, endpoint_secret_rotate
from webhooks.signing import endpoint_secret

LOG_SHOWN = 50


def _page(request: HtmxHttpRequest, team: Team, form: EndpointForm | None = None) -> HttpResponse:
    endpoints = [
        {"endpoint": endpoint, "secret": endpoint_secret(endpoint)}
        for endpoint in Endpoint.objects.filter(team=team).order_by("pk")
    ]
    log = list(Delivery.objects.filter(endpoint__team=team).select_related("endpoint").order_by("-pk")[:LOG_SHOWN])
    context = {
        "team": team,
        "teams": teams_for(request),
        "section": "webhooks",
        "endpoints": endpoints,
        "log": log,
        "form": form or EndpointForm(),
    }
    return render(request, "dashboard/webhooks.html", context)


@require_GET
@manager_required
def webhook_list(request: HtmxHttpRequest, team_id: int) -> HttpResponse:
    return _page(request, team_get_for_manager(request, team_id))


@require_POST
@manager_required
def webhook_add(request: HtmxHttpRequest, team_id: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    form = EndpointForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        written = write_once(
            request,
            lambda: endpoint_add(team=team, url=data["url"], description=data["description"], events=data["events"]),
            form=form,
        )
        if written.ok:
            messages.success(request, written.said(f"{data['url']} added: it hears events from now on."))
            return redirect("webhook_list", team_id=team.pk)
    return _page(request, team, form)


def _endpoint(team: Team, pk: int) -> Endpoint:
    return get_object_or_404(Endpoint, pk=pk, team=team)


@require_POST
@manager_required
def webhook_rotate(request: HtmxHttpRequest, team_id: int, pk: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    endpoint = _endpoint(team, pk)
    action_once(
        request,
        lambda: endpoint_secret_rotate(endpoint=endpoint, now=timezone.now()),
        done="New secret made. For a day, deliveries are signed with both: switch your receiver to the new one.",
    )
    return redirect("webhook_list", team_id=team.pk)


@require_POST
@manager_required
def webhook_remove(request: HtmxHttpRequest, team_id: int, pk: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    endpoint = _endpoint(team, pk)
    action_once(request, lambda: endpoint_remove(endpoint=endpoint), done=f"{endpoint.url} removed.")
    return redirect("webhook_list", team_id=team.pk)


@require_POST
@manager_required
def webhook_replay(request: HtmxHttpRequest, team_id: int, pk: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    delivery = get_object_or_404(Delivery, pk=pk, endpoint__team=team)
    action_once(
        request,
        lambda: delivery_replay(delivery=delivery, now=timezone.now()),
        done=f"{delivery.event_type} queued again (same id {delivery.msg_id}): it goes within seconds.",
    )
    return redirect("webhook_list", team_id=team.pk)
