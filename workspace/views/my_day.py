"""My day: the rep's follow-ups, most urgent first, and snoozing one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from cadence.services import (
    follow_up_snooze,
)
from crm.once import submitted_once
from crm.zones import zone
from web.access import follow_up_get_for_user
from web.http import HtmxHttpRequest, safe_next
from workspace.forms import (
    SnoozeForm,
)
from workspace.selectors import (
    my_day_build,
)
from workspace.touch_forms import QUICK_OUTCOMES


@require_GET
@login_required
def home(request: HtmxHttpRequest) -> HttpResponse:
    """My day: the rep's follow-ups, most urgent first."""
    groups = my_day_build(user=request.user, now=timezone.now())
    context = {"groups": groups, "outcomes": QUICK_OUTCOMES, "total": sum(len(g.rows) for g in groups)}
    return render(request, "workspace/my_day.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def follow_up_snooze_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    follow_up = follow_up_get_for_user(request, pk)
    now = timezone.now()
    form = SnoozeForm(request.POST or None, tz=zone(request.user.timezone, fallback="UTC"), now=now)
    if request.method == "POST" and form.is_valid():
        try:
            with submitted_once(request) as first:
                if first:
                    follow_up_snooze(
                        follow_up=follow_up,
                        now=now,
                        until=form.cleaned_data["until"],
                        reason=form.cleaned_data["reason"],
                    )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Snoozed {follow_up.prospect}.")
            return redirect(safe_next(request, default=reverse("home")))
    context = {"follow_up": follow_up, "form": form, "next": safe_next(request, default=reverse("home"))}
    return render(request, "workspace/snooze_form.html", context)
