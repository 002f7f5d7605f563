"""Shared by the team setup pages: which team, and the team's own pages only."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from crm.models import Team
from crm.selectors import team_list_managed
from web.access import manager_required
from web.http import HtmxHttpRequest


def team_get_for_manager(request: HtmxHttpRequest, team_id: int) -> Team:
    """A team the user manages (any, for a superuser), or a 404: another team's setup does not exist for them."""
    team = team_list_managed(user=request.user).filter(pk=team_id).first()
    if team is None:
        raise Http404("No such team.")
    return team


def teams_for(request: HtmxHttpRequest) -> QuerySet[Team]:
    """The teams whose setup the user may open, for the team switcher."""
    return team_list_managed(user=request.user).order_by("name")


@require_GET
@manager_required
def setup_home(request: HtmxHttpRequest) -> HttpResponse:
    """The first team the manager manages; a manager of several switches teams on each page."""
    team = team_list_managed(user=request.user).order_by("name").first()
    if team is None:
        raise Http404("You manage no team yet.")
    return redirect("cadence_list", team_id=team.pk)
