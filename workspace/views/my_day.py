"""My day: the rep's queue, focus mode (one lead at a time), snoozing and recording a missing next step."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cadence.services import enrollment_set_next_step, follow_up_snooze, prospect_plan_now
from crm.text import sentence
from crm.zones import zone
from web.access import enrollment_get_for_user, follow_up_get_for_user
from web.http import HtmxHttpRequest, errors_text, safe_next
from web.once import write_once
from workspace.day import CHANNEL_FILTERS, GROUPS, KIND_FILTERS, QueueFilters, focus_next, my_day_build, snooze_presets
from workspace.focus import focus_context, focus_skips
from workspace.forms import NextStepForm, SnoozeForm
from workspace.rows import day_rows_render
from workspace.undo import undo_offer_pop


def _filters(request: HtmxHttpRequest) -> QueueFilters:
    get = request.GET
    page = get.get("page", "1")
    return QueueFilters(
        channel=get.get("channel", "") if get.get("channel") in CHANNEL_FILTERS else "",
        kind=get.get("kind", "") if get.get("kind") in KIND_FILTERS else "",
        group=get.get("group", "") if get.get("group") in GROUPS else "",
        page=min(int(page), 10_000) if page.isdigit() and int(page) > 0 else 1,
    )


@require_GET
@login_required
def home(request: HtmxHttpRequest) -> HttpResponse:
    """My day: the rep's follow-ups, most urgent first, filtered by channel and kind, a group opened page by page."""
    day = my_day_build(user=request.user, now=timezone.now(), filters=_filters(request))
    day_rows_render(day, request)
    context = {
        "day": day,
        "channels": [(key, label) for key, (label, _) in CHANNEL_FILTERS.items()],
        "kinds": [(key, label) for key, (label, _) in KIND_FILTERS.items()],
        "undo": undo_offer_pop(request),
        "form": None,
        "focus_mode": False,
    }
    template = "workspace/my_day.html#queue" if request.htmx and request.htmx.target == "queue" else None
    return render(request, template or "workspace/my_day.html", context)


@require_GET
@login_required
def focus(request: HtmxHttpRequest) -> HttpResponse:
    """Focus mode: one lead at a time, with everything needed to work it; logging goes straight to the next. What
    the rep skips comes last for the rest of their session (`?skip=<id>` adds one, `?again=1` forgets them)."""
    skipped = focus_skips(request, add=request.GET.get("skip", ""), forget=bool(request.GET.get("again")))
    found = focus_next(user=request.user, now=timezone.now(), skip=skipped)
    context = {**focus_context(request, found), "undo": undo_offer_pop(request)}
    if request.htmx:
        return render(request, "workspace/focus.html#focus-lead", context)
    return render(request, "workspace/focus.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def follow_up_snooze_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Snooze one follow-up: a preset in one click from the row (later today, tomorrow, next week), or a time."""
    follow_up = follow_up_get_for_user(request, pk)
    now = timezone.now()
    presets = snooze_presets(follow_up, now=now)
    preset = presets.get(request.POST.get("preset", ""))
    form = SnoozeForm(request.POST or None, tz=zone(request.user.timezone, fallback="UTC"), now=now)
    if request.method == "POST" and (preset is not None or form.is_valid()):
        until = preset.until if preset is not None else form.cleaned_data["until"]
        reason = request.POST.get("reason", "").strip()[:200]
        written = write_once(
            request,
            lambda: follow_up_snooze(follow_up=follow_up, now=now, until=until, reason=reason, actor=request.user),
            form=form,
        )
        if written.ok:
            prospect_plan_now(prospect_id=follow_up.prospect_id, now=now)
            label = preset.label.lower() if preset is not None else "later"
            if request.htmx:
                return render(request, "workspace/my_day.html#snoozed", {"follow_up": follow_up, "label": label})
            messages.success(request, f"Snoozed {follow_up.prospect.name} until {label}.")
            return redirect(safe_next(request, default=reverse("home")))
    context = {
        "follow_up": follow_up,
        "form": form,
        "presets": presets,
        "next": safe_next(request, default=reverse("home")),
    }
    return render(request, "workspace/snooze_form.html", context)


@require_POST
@login_required
def enrollment_next_step_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Record the next step of a lead that talked to us and has none: it becomes its next follow-up."""
    enrollment = enrollment_get_for_user(request, pk)
    now = timezone.now()
    form = NextStepForm(
        request.POST, tz=zone(enrollment.prospect.timezone, fallback="UTC"), now=now, auto_id=f"ns{pk}_%s"
    )
    saved = form.is_valid() and (
        write_once(
            request,
            lambda: enrollment_set_next_step(
                enrollment=enrollment,
                what=form.cleaned_data["next_step_what"],
                due_at=form.cleaned_data["next_step_when"],
                now=now,
                actor=request.user,
            ),
            form=form,
        ).ok
    )
    if saved:
        prospect_plan_now(prospect_id=enrollment.prospect_id, now=now)
    if request.htmx:
        context = {"item": {"enrollment": enrollment}, "form": form, "saved": saved}
        return render(request, "workspace/my_day.html#needs-next-step", context)
    if saved:
        messages.success(request, sentence(f"Next step saved for {enrollment.prospect.name}"))
    else:
        messages.error(request, f"{enrollment.prospect.name}: {errors_text(form.errors)}")
    return redirect("home")
