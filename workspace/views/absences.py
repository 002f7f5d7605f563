"""A rep's own absences: "away from .. to ..", set ahead, and removed if plans change."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from cadence.services.absences import absence_cancel
from crm.models import Absence
from crm.services import absence_add
from crm.zones import zone
from web.forms import AbsenceForm
from web.http import HtmxHttpRequest
from web.once import action_once, write_once


@require_http_methods(["GET", "POST"])
@login_required
def my_absences(request: HtmxHttpRequest) -> HttpResponse:
    today = timezone.now().astimezone(zone(request.user.timezone, fallback="UTC")).date()
    form = AbsenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        written = write_once(
            request,
            lambda: absence_add(user=request.user, actor=request.user, today=today, **form.cleaned_data),
            form=form,
        )
        if written.ok:
            messages.success(request, written.said("Saved: your leads are looked after while you are away."))
            return redirect("my_absences")
    absences = Absence.objects.filter(user=request.user, ends_on__gte=today).order_by("starts_on")
    coverage = request.user.team.get_absence_coverage_display() if request.user.team else ""
    return render(request, "workspace/absences.html", {"form": form, "absences": absences, "coverage": coverage})


@require_POST
@login_required
def my_absence_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    absence = get_object_or_404(Absence, pk=pk, user=request.user)
    action_once(request, lambda: absence_cancel(absence=absence, now=timezone.now()), done="Absence removed.")
    return redirect("my_absences")
