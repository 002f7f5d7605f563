"""Logging touches: one click on My day, or the full form on the prospect page."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from cadence.models import FollowUp
from cadence.services import touch_log_with_next_step
from crm.once import submission_token
from crm.zones import zone
from touches.models import Touch
from web.access import follow_up_get_for_user, prospect_get_for_user
from web.http import HtmxHttpRequest
from workspace.selectors import (
    contact_notes_earlier,
    contacts_for_prospect,
    day_row,
    follow_up_next,
    follow_up_when,
    follow_up_zone,
)
from workspace.touch_forms import QUICK_OUTCOMES, QuickLogForm, TouchForm, channel_for

ROW_TEMPLATE = "workspace/my_day.html#follow-up-row"


def _row_context(follow_up: FollowUp, **extra: object) -> dict[str, object]:
    """What the row shows: the planned attempt with its buttons, or once answered, the touch and what's next."""
    now = timezone.now()
    context: dict[str, object] = {"row": day_row(follow_up, now=now), "outcomes": QUICK_OUTCOMES, **extra}
    if follow_up.status != FollowUp.Status.PLANNED:
        following = follow_up_next(enrollment_id=follow_up.enrollment_id)
        context["logged"] = follow_up.touch if follow_up.touch_id else None
        context["following"] = following
        context["following_when"] = follow_up_when(following, follow_up_zone(following)) if following else ""
        # The re-plan runs on commit in a worker; until it lands, the row asks again in a moment.
        context["planning"] = following is None and follow_up.enrollment.replan_requested_at is not None
    return context


@require_GET
@login_required
def follow_up_row(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    follow_up = follow_up_get_for_user(request, pk)
    return render(request, ROW_TEMPLATE, _row_context(follow_up))


@require_http_methods(["GET", "POST"])
@login_required
def follow_up_log(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Log what happened on a planned follow-up. A conversation asks for the next step before it is saved;
    a note that repeats an earlier message to the same contact asks once for confirmation."""
    follow_up = follow_up_get_for_user(request, pk)
    if follow_up.status != FollowUp.Status.PLANNED:
        if request.htmx:
            return render(request, ROW_TEMPLATE, _row_context(follow_up))
        messages.info(request, "That follow-up was already logged.")
        return redirect("home")
    now = timezone.now()
    notes = contact_notes_earlier(contact_id=follow_up.contact_id) if follow_up.contact_id else []
    data = request.POST if request.method == "POST" else None
    form = QuickLogForm(data, earlier_notes=notes, tz=follow_up_zone(follow_up), now=now)
    if data is not None and form.is_valid() and not form.needs_confirmation:
        try:
            touch, _ = _log(request, follow_up, form, now=now)
        except ValidationError as exc:
            form.add_error(None, ValidationError(exc.messages))
        else:
            follow_up.refresh_from_db()
            if request.htmx:
                return render(request, ROW_TEMPLATE, _row_context(follow_up, just_logged=touch))
            messages.success(request, f"Logged {touch.get_outcome_display().lower()} for {follow_up.prospect}.")
            return redirect("home")
    context = _row_context(follow_up, form=form)
    if request.htmx:
        return render(request, ROW_TEMPLATE, context)
    return render(request, "workspace/follow_up_log.html", context)


def _log(request: HtmxHttpRequest, follow_up: FollowUp, form: QuickLogForm, *, now: dt.datetime) -> tuple[Touch, bool]:
    quick = form.quick
    return touch_log_with_next_step(
        touch_id=submission_token(request) or uuid.uuid4(),
        rep=request.user,
        prospect=follow_up.prospect,
        contact=follow_up.contact,
        channel=channel_for(quick, follow_up.channel),
        outcome=quick.outcome,
        kind=follow_up.kind,
        theme=follow_up.theme,
        note=form.cleaned_data["note"],
        duration_seconds=form.duration_seconds,
        occurred_at=now,
        now=now,
        next_step_what=form.cleaned_data.get("next_step_what", ""),
        next_step_due_at=form.cleaned_data.get("next_step_when"),
    )


@require_http_methods(["GET", "POST"])
@login_required
def touch_new(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Any touch on the prospect page: what channel, with whom, what happened and what was said."""
    prospect = prospect_get_for_user(request, pk)
    now = timezone.now()
    rep_tz = zone(request.user.timezone, fallback="UTC")
    contacts = contacts_for_prospect(prospect=prospect)
    form = TouchForm(
        request.POST or None,
        contacts=contacts,
        earlier_notes_for=lambda contact_id: contact_notes_earlier(contact_id=contact_id),
        rep_tz=rep_tz,
        tz=zone(prospect.timezone, fallback="UTC"),
        now=now,
        initial={
            "occurred_at": now.astimezone(rep_tz).strftime("%Y-%m-%dT%H:%M"),
            "contact": request.GET.get("contact"),
        },
    )
    if request.method == "POST" and form.is_valid() and not form.needs_confirmation:
        data = form.cleaned_data
        try:
            touch_log_with_next_step(
                touch_id=submission_token(request) or uuid.uuid4(),
                rep=request.user,
                prospect=prospect,
                contact=data["contact"],
                channel=data["channel"],
                outcome=data["outcome"],
                kind=data["kind"],
                theme=data["theme"],
                note=data["note"],
                duration_seconds=form.duration_seconds,
                occurred_at=data["occurred_at"],
                now=now,
                next_step_what=data.get("next_step_what", ""),
                next_step_due_at=data.get("next_step_when"),
            )
        except ValidationError as exc:
            form.add_error(None, ValidationError(exc.messages))
        else:
            messages.success(request, "Touch logged.")
            return redirect("prospect_detail", pk=prospect.pk)
    return render(request, "workspace/touch_form.html", {"prospect": prospect, "form": form})
