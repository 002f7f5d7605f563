"""Logging touches: one click on My day, or the full form on the prospect page."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from cadence.models import Enrollment, FollowUp
from cadence.services import (
    NextStep,
    prospect_plan_now,
    touch_log,
    touches_undo,
)
from crm.once import submission_token
from crm.zones import zone
from mailroom.services.outbox import Answer, FollowUpAlreadyAnswered, follow_up_answer
from touches.data import TouchData
from touches.models import Touch
from web.access import follow_up_get_for_user, prospect_get_for_user
from web.http import HtmxHttpRequest, errors_text, safe_next
from workspace.day import PANELS, day_row, focus_next, follow_up_zone, when_both
from workspace.focus import focus_context, focus_skips
from workspace.mail_compose import email_compose
from workspace.rows import row_html
from workspace.selectors import contact_notes_earlier, contacts_for_prospect, follow_up_next
from workspace.touch_forms import QuickLogForm, QuickOutcome, TouchForm, channel_for
from workspace.undo import undo_offer_keep, undo_offer_make

# A follow-up planned within this of the log (the voicemail or email of the same attempt) shows up as a new row.
SAME_DAY = dt.timedelta(hours=12)

ROW_ID = re.compile(r"follow-up-\d{1,12}")
LOGGED_TEMPLATE = "workspace/my_day.html#logged"
FOCUS_TEMPLATE = "workspace/focus.html#focus-lead"


def _row_context(follow_up: FollowUp, *, now: dt.datetime, **extra: object) -> dict[str, object]:
    return {"row": day_row(follow_up, now=now), **extra}


@require_GET
@login_required
def follow_up_why(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A row's details, loaded when opened: the planner's reason, the ready message and the ready email."""
    follow_up = follow_up_get_for_user(request, pk)
    row = day_row(follow_up, now=timezone.now())
    compose = email_compose(follow_up, user=request.user, subject=row.email_subject, body=row.email_body)
    return render(request, "workspace/my_day.html#why", {"row": row, "compose": compose})


@require_GET
@login_required
def follow_up_panel(request: HtmxHttpRequest, pk: int, panel: str) -> HttpResponse:
    """A queue row's More (the rarer outcomes, a note, minutes) or Snooze (the presets), loaded when opened into the
    row's own form. Without JavaScript the row links to the follow-up's page, which has them all."""
    if panel not in PANELS:
        raise Http404("No such part of a row.")
    follow_up = follow_up_get_for_user(request, pk)
    if not request.htmx:
        return redirect("follow_up_log", pk=follow_up.pk)
    return render(request, PANELS[panel], _row_context(follow_up, now=timezone.now()))


@require_GET
@login_required
def follow_up_row(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The row as it stands (Cancel on a confirmation, or a row coming back after an undo)."""
    follow_up = follow_up_get_for_user(request, pk)
    now = timezone.now()
    if follow_up.status != FollowUp.Status.PLANNED:
        return render(request, LOGGED_TEMPLATE, _logged_context(follow_up, now=now, quick=None))
    return HttpResponse(row_html(request, day_row(follow_up, now=now)))


def _logged_context(
    follow_up: FollowUp,
    *,
    now: dt.datetime,
    quick: QuickOutcome | None,
    logged: Touch | None = None,
    **extra: object,
) -> dict:
    """The answered row: what was logged, what comes next and, if it is due today (the voicemail or email of the
    same attempt), that follow-up as a row of its own right under it."""
    following = follow_up_next(after=follow_up)
    if following is None:
        # Ended or waiting: the row says which, as the enrollment is now (read now, after the plan).
        follow_up.enrollment = Enrollment.objects.get(pk=follow_up.enrollment_id)
    rep_tz = zone(follow_up.rep.timezone, fallback="UTC")
    # Neither row shows a ready message here (the answered one is done; the new one loads it when opened, as the
    # queue's rows do), so the message library is not read on the log path.
    following_row = None
    if following is not None and following.rep_id == follow_up.rep_id and following.due_start < now + SAME_DAY:
        following_row = day_row(following, now=now, rep_tz=rep_tz, messages=False)
    if logged is None and follow_up.touch_id:
        logged = follow_up.touch
    label = quick.label if quick is not None else (logged.get_outcome_display() if logged else "Logged")
    return {
        "row": day_row(follow_up, now=now, rep_tz=rep_tz, messages=False),
        "logged": logged,
        "logged_label": label,
        "following": following,
        "following_when": when_both(following.due_start, theirs=follow_up_zone(following), yours=rep_tz, now=now)
        if following
        else "",
        "following_row": following_row,
        **extra,
    }


@require_http_methods(["GET", "POST"])
@login_required
def follow_up_log(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Log what happened on a planned follow-up, in one click. A conversation asks for the next step, a stop asks
    to confirm what it ends, and a note that repeats an earlier message asks once; then the lead is planned at once
    so the row shows what comes next, and the log can be undone for a while."""
    follow_up = follow_up_get_for_user(request, pk)
    focus_mode = request.POST.get("focus") == "1"
    now = timezone.now()
    if follow_up.status != FollowUp.Status.PLANNED:
        if request.htmx:
            return render(request, LOGGED_TEMPLATE, _logged_context(follow_up, now=now, quick=None))
        messages.info(request, "That follow-up was already logged.")
        return redirect("focus" if focus_mode else "home")
    # Only a note can repeat an earlier one: without one, the check (and its query) is skipped.
    has_note = bool(request.POST.get("note", "").strip())
    notes = contact_notes_earlier(contact_id=follow_up.contact_id) if follow_up.contact_id and has_note else []
    data = request.POST if request.method == "POST" else None
    form = QuickLogForm(
        data,
        earlier_notes=notes,
        tz=follow_up_zone(follow_up),
        rep_tz=zone(request.user.timezone, fallback="UTC"),
        now=now,
        auto_id=f"fu{follow_up.pk}_%s",
    )
    if data is not None and form.is_valid() and not form.needs_confirmation and not form.asks_stop_confirmation:
        quick = form.quick
        answer = Answer(
            label=quick.label,
            channel=channel_for(quick, follow_up.channel),
            outcome=quick.outcome,
            note=form.cleaned_data["note"],
            duration_seconds=form.duration_seconds,
            with_voicemail=quick.with_voicemail,
            next_step=_next_step(form.cleaned_data),
        )
        touch_id = submission_token(request) or uuid.uuid4()
        try:
            answered = follow_up_answer(
                follow_up=follow_up, rep=request.user, touch_id=touch_id, answer=answer, now=now
            )
        except FollowUpAlreadyAnswered:
            follow_up.refresh_from_db()
            if request.htmx:
                return render(request, LOGGED_TEMPLATE, _logged_context(follow_up, now=now, quick=None))
            messages.info(request, "That follow-up was already logged.")
            return redirect("focus" if focus_mode else "home")
        except ValidationError as exc:
            form.add_error(None, ValidationError(exc.messages))
        else:
            touches, cancelled = answered.touches, answered.email_cancelled_to
            # Answered by the first touch (the call of "no answer, left voicemail"); the relations loaded stay.
            follow_up.status, follow_up.touch_id = FollowUp.Status.DONE, touches[0].pk
            text = f"✓ {quick.label}: {follow_up.prospect.name}"
            if cancelled:
                text += f" · its queued email to {cancelled} was not sent"
            context = _logged_context(
                follow_up, now=now, quick=quick, logged=touches[-1], toast=text, email_cancelled=cancelled
            )
            following_row = context["following_row"]
            offer = None
            if not quick.stops:
                offer = undo_offer_make(
                    touch_id=touches[0].pk,
                    text=text,
                    row="focus" if focus_mode else f"follow-up-{follow_up.pk}",
                    following=f"follow-up-{following_row.pk}" if following_row and not focus_mode else "",
                    now=now,
                )
            if request.htmx and focus_mode:
                # Focus mode moves on in place: the next lead, this one's voicemail first if the call went unanswered.
                found = focus_next(user=request.user, now=now, skip=focus_skips(request), prefer=follow_up.prospect_id)
                extra = {"toast": text, "undo": offer}
                return render(request, FOCUS_TEMPLATE, {**focus_context(request, found), **extra})
            if request.htmx and not focus_mode:
                request.session.pop("undo", None)  # an earlier offer is over: the toast below carries this one
                return render(request, LOGGED_TEMPLATE, {**context, "undo": offer})
            if offer is not None:
                undo_offer_keep(request, offer)
            if quick.stops:
                messages.success(request, f"{text}: nothing more is planned.")
            return redirect("focus" if focus_mode else "home")
    if request.htmx and focus_mode:
        # A question (the next step, a confirmation) is asked in place, on the lead shown.
        found = focus_next(user=request.user, now=now, skip=focus_skips(request), prefer=follow_up.prospect_id)
        if found.row is not None and found.row.pk == follow_up.pk:
            return render(request, FOCUS_TEMPLATE, {**focus_context(request, found), "form": form})
    row = day_row(follow_up, now=now)
    if request.htmx:
        return HttpResponse(row_html(request, row, form=form, focus_mode=focus_mode))
    return render(request, "workspace/follow_up_log.html", {"row": row, "form": form, "focus_mode": focus_mode})


def _next_step(cleaned: dict[str, Any]) -> NextStep | None:
    """The next step a log form asked for, when it has both what and when."""
    what, when = cleaned.get("next_step_what", ""), cleaned.get("next_step_when")
    return NextStep(what=what, due_at=when) if what and when is not None else None


@require_POST
@login_required
def touch_undo(request: HtmxHttpRequest) -> HttpResponse:
    """Take back what was just logged: the touch (and its voicemail) deleted, the lead planned again, the row back."""
    try:
        touch_id = uuid.UUID(request.POST.get("touch", ""))
    except ValueError:
        raise Http404("No such touch.") from None
    now = timezone.now()
    try:
        undone, restored = touches_undo(rep=request.user, touch_id=touch_id, now=now)
    except ValidationError as exc:
        if request.htmx:
            return reswap(
                retarget(render(request, "base.html#toast", {"toast": errors_text(exc)}), "#toast"), "outerHTML"
            )
        messages.error(request, errors_text(exc))
        return redirect(safe_next(request, default=reverse("home")))
    if not undone:
        raise Http404("Nothing to undo.")
    prospect_plan_now(prospect_id=undone[0].prospect_id, now=now)
    request.session.pop("undo", None)
    revived = FollowUp.objects.filter(touch_id=None, prospect_id=undone[0].prospect_id, status=FollowUp.Status.PLANNED)
    follow_up = revived.select_related("prospect", "contact", "rep").first()
    said = f" ({'; '.join(restored)})" if restored else ""
    text = f"Undone: {undone[0].prospect.name} is as it was before{said}."
    if request.htmx and request.POST.get("row") == "focus":
        found = focus_next(user=request.user, now=now, skip=focus_skips(request), prefer=undone[0].prospect_id)
        return render(request, "workspace/focus.html#focus-box", {**focus_context(request, found), "toast": text})
    if request.htmx and follow_up is not None and request.POST.get("row"):
        following = request.POST.get("following", "")
        remove = following if ROW_ID.fullmatch(following) and following != f"follow-up-{follow_up.pk}" else ""
        context = _row_context(follow_up, now=now, toast=text, remove=remove)
        return render(request, "workspace/my_day.html#undone", context)
    messages.success(request, text)
    return redirect(safe_next(request, default=reverse("home")))


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
        touch = TouchData(
            id=submission_token(request) or uuid.uuid4(),
            prospect=prospect,
            contact=data["contact"],
            channel=data["channel"],
            outcome=data["outcome"],
            kind=data["kind"],
            theme=data["theme"],
            note=data["note"],
            duration_seconds=form.duration_seconds,
            occurred_at=data["occurred_at"],
        )
        try:
            touch_log(rep=request.user, data=touch, now=now, next_step=_next_step(data))
        except ValidationError as exc:
            form.add_error(None, ValidationError(exc.messages))
        else:
            messages.success(request, "Touch logged.")
            return redirect("prospect_detail", pk=prospect.pk)
    return render(request, "workspace/touch_form.html", {"prospect": prospect, "form": form})
