"""A team's reps, for its managers: who they are, their load and absences; inviting, editing and deactivating a
rep; how the team covers absences. A rep sets their own absences on their absences page (workspace)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cadence.selectors import coverage_for_reps
from cadence.services.absences import absence_cancel, rep_deactivate
from crm.models import Absence, Prospect, Team, User
from crm.services import absence_add, rep_invite, rep_invite_send, rep_update, team_coverage_set, team_money_set
from crm.zones import zone
from dashboard.rep_forms import CoverageForm, CurrencyForm, InviteForm, RepForm
from dashboard.views.setup import team_get_for_manager, teams_for
from web.access import manager_required
from web.forms import AbsenceForm
from web.http import ALREADY_SAVED, HtmxHttpRequest, errors_text
from web.once import action_once, write_once

OPEN_LEAD = Q(owned_prospects__status__in=[Prospect.Status.ACTIVE, Prospect.Status.ENGAGED])


def _rep_for_manager(team: Team, pk: int) -> User:
    return get_object_or_404(User, pk=pk, team=team, role=User.Role.REP)


def _today(request: HtmxHttpRequest) -> dt.date:
    return timezone.now().astimezone(zone(request.user.timezone, fallback="UTC")).date()


def _page(request: HtmxHttpRequest, team: Team, **forms: object) -> HttpResponse:
    reps = list(
        User.objects.filter(team=team, role=User.Role.REP)
        .annotate(
            open_leads=Count("owned_prospects", filter=OPEN_LEAD), mailbox_reconnect=F("mailbox__reconnect_since")
        )
        .order_by("-is_active", "first_name", "username")
    )
    failed, failed_rep = forms.get("absence_form"), forms.get("absence_rep")
    for rep in reps:
        # One form per rep, with ids of its own: two forms on a page never share an element id.
        rep.absence_form = (
            failed
            if failed_rep is not None and failed_rep.pk == rep.pk
            else AbsenceForm(auto_id=f"absence-{rep.pk}-%s")
        )
    by_pk = {rep.pk: rep for rep in reps}
    for rep_id, pairs in coverage_for_reps(rep_ids=list(by_pk)).items():
        if rep_id in by_pk:
            by_pk[rep_id].coverage = [(str(by_pk.get(other, "a former teammate")), n) for other, n in pairs]
    absences = list(
        Absence.objects.filter(user__team=team, ends_on__gte=_today(request))
        .select_related("user")
        .order_by("starts_on")
    )
    context = {
        "team": team,
        "teams": teams_for(request),
        "reps": reps,
        "absences": absences,
        "invite_form": forms.get("invite_form") or InviteForm(),
        "coverage_form": CoverageForm(initial={"absence_coverage": team.absence_coverage}),
        "currency_form": forms.get("currency_form")
        or CurrencyForm(
            initial={
                "currency": team.currency,
                "rates": "\n".join(f"{code} {rate}" for code, rate in sorted((team.exchange_rates or {}).items())),
            },
            auto_id="currency-%s",
        ),
    }
    return render(request, "dashboard/reps.html", context)


@require_GET
@manager_required
def rep_list(request: HtmxHttpRequest, team_id: int) -> HttpResponse:
    return _page(request, team_get_for_manager(request, team_id))


@require_POST
@manager_required
def rep_invite_view(request: HtmxHttpRequest, team_id: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    form = InviteForm(request.POST)
    if form.is_valid():
        written = write_once(
            request, lambda: _invite_send(request, rep_invite(team=team, **form.cleaned_data)), form=form
        )
        if written.ok:
            messages.success(request, written.said(f"Invitation sent to {form.cleaned_data['email']}."))
            return redirect("rep_list", team_id=team.pk)
    return _page(request, team, invite_form=form)


@require_POST
@manager_required
def rep_invite_again_view(request: HtmxHttpRequest, team_id: int, pk: int) -> HttpResponse:
    """A rep who never logged in gets a new link (the old one may have expired); they get no leads until they do."""
    team = team_get_for_manager(request, team_id)
    rep = _rep_for_manager(team, pk)
    if rep.has_joined or not rep.is_active:
        messages.info(request, f"{rep} has already joined." if rep.has_joined else f"{rep} is deactivated.")
        return redirect("rep_list", team_id=team.pk)
    action_once(request, lambda: _invite_send(request, rep), done=f"Invitation sent to {rep.email} again.")
    return redirect("rep_list", team_id=team.pk)


def _invite_send(request: HtmxHttpRequest, rep: User) -> None:
    rep_invite_send(
        user=rep,
        invited_by=request.user,
        set_password_url=lambda uid, token: request.build_absolute_uri(
            reverse("password_reset_confirm", args=[uid, token])
        ),
    )


@require_http_methods(["GET", "POST"])
@manager_required
def rep_edit(request: HtmxHttpRequest, team_id: int, pk: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    rep = _rep_for_manager(team, pk)
    initial = {
        "first_name": rep.first_name,
        "last_name": rep.last_name,
        "timezone": rep.timezone,
        "is_available": rep.is_available,
        "routing_weight": rep.routing_weight,
        "languages": ", ".join(rep.languages or []),
    }
    form = RepForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rep_update(rep=rep, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{rep} saved.")
            return redirect("rep_list", team_id=team.pk)
    return render(
        request, "dashboard/rep_form.html", {"team": team, "teams": teams_for(request), "rep": rep, "form": form}
    )


@require_POST
@manager_required
def rep_deactivate_view(request: HtmxHttpRequest, team_id: int, pk: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    rep = _rep_for_manager(team, pk)
    written = write_once(request, lambda: rep_deactivate(rep=rep, actor=request.user, now=timezone.now()))
    if written.error is not None:
        messages.error(request, errors_text(written.error))
    elif written.value is None:
        messages.info(request, ALREADY_SAVED)
    else:
        handed = written.value
        messages.success(request, f"{rep} deactivated; {handed} open lead{'s' if handed != 1 else ''} handed over.")
    return redirect("rep_list", team_id=team.pk)


@require_POST
@manager_required
def absence_add_view(request: HtmxHttpRequest, team_id: int, pk: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    rep = _rep_for_manager(team, pk)
    form = AbsenceForm(request.POST, auto_id=f"absence-{rep.pk}-%s")
    if form.is_valid():
        written = write_once(
            request,
            lambda: absence_add(user=rep, actor=request.user, today=_today(request), **form.cleaned_data),
            form=form,
        )
        if written.ok:
            messages.success(request, written.said(f"{rep} is marked away."))
            return redirect("rep_list", team_id=team.pk)
    return _page(request, team, absence_form=form, absence_rep=rep)


@require_POST
@manager_required
def absence_delete_view(request: HtmxHttpRequest, team_id: int, pk: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    absence = get_object_or_404(Absence, pk=pk, user__team=team)
    action_once(
        request,
        lambda: absence_cancel(absence=absence, now=timezone.now()),
        done="Absence removed; any held or covered leads are back with their rep.",
    )
    return redirect("rep_list", team_id=team.pk)


@require_POST
@manager_required
def team_coverage_view(request: HtmxHttpRequest, team_id: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    form = CoverageForm(request.POST)
    if form.is_valid():
        action_once(
            request,
            lambda: team_coverage_set(team=team, coverage=form.cleaned_data["absence_coverage"]),
            done="Saved: it applies to absences that start from now on.",
        )
    else:
        messages.error(request, "Choose how absences are covered.")
    return redirect("rep_list", team_id=team.pk)


@require_POST
@manager_required
def team_currency_view(request: HtmxHttpRequest, team_id: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    form = CurrencyForm(request.POST, auto_id="currency-%s")
    if not form.is_valid():
        return _page(request, team, currency_form=form)
    team_money_set(team=team, currency=form.cleaned_data["currency"], rates=form.cleaned_data["rates"])
    messages.success(request, "Saved: imports from now on compare values in the team's currency at these rates.")
    return redirect("rep_list", team_id=team.pk)
