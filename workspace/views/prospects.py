"""The prospects list and the prospect page with its actions: markers, contacts, enrolling, closing, reopening,
lifting a do-not-contact, pausing, resuming and giving up.

Every object comes through a scoped lookup (web.access): someone else's id is a 404. Forms post to one URL per
action and redirect back; with htmx the same view answers with the partial it swaps.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import available_timezones

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from cadence.services import (
    GiveUpTooEarly,
    enrollment_create,
    enrollment_give_up,
    enrollment_pause,
    enrollment_resume,
    lead_close,
    lead_contact_add,
    lead_contact_update,
    lead_place_set,
    prospect_do_not_contact_lift,
    prospect_reopen,
    prospects_reassign,
)
from cadence.services.leads import MAX_BULK_REASSIGN
from crm.models import ClockSource, Prospect
from crm.services import MARKER_FIELDS, prospect_update_markers
from crm.text import sentence
from crm.zones import zone
from mailroom.models import InboundEmail
from mailroom.selectors import inbound_for_prospect
from web.access import enrollment_get_for_user, prospect_get_for_user
from web.http import ALREADY_SAVED, HtmxHttpRequest, errors_text
from web.once import action_once, write_once
from workspace.day import clock_guess_note
from workspace.forms import (
    CloseForm,
    ContactClockForm,
    ContactForm,
    GiveUpForm,
    MarkersForm,
    PauseForm,
    PlaceForm,
    ProspectFilterForm,
    ReassignForm,
)
from workspace.selectors import (
    contacts_for_prospect,
    enrollment_last,
    enrollment_view,
    imports_visible,
    owners_visible,
    prospect_list_page,
    prospect_search,
    reps_for_handover,
    team_field_names,
    timeline_cursor_parse,
    timeline_page,
    timeline_with_events,
)

PAGE_SIZE = 25
# The names the time zone fields suggest as a person types (one datalist per page), written once: some 600 options
# looped over in the template on every prospect page cost more than the rest of its side column.
ZONE_OPTIONS = mark_safe(  # noqa: S308 - IANA names are letters, digits, "/", "_", "-" and "+"
    "".join(f'<option value="{name}">' for name in sorted(available_timezones() - {"localtime", "Factory"}))
)


def _back_to_prospect(pk: int) -> HttpResponse:
    return redirect("prospect_detail", pk=pk)


def _filter_form(request: HtmxHttpRequest, data: QueryDict | None) -> ProspectFilterForm:
    user = request.user
    return ProspectFilterForm(
        data,
        owners=list(owners_visible(user=user)),
        imports=imports_visible(user=user),
        fields=team_field_names(user=user),
    )


def _manages(request: HtmxHttpRequest) -> bool:
    return bool(request.user.is_superuser or request.user.is_manager)


@require_GET
@login_required
def prospect_list(request: HtmxHttpRequest) -> HttpResponse:
    form = _filter_form(request, request.GET or None)
    prospects = prospect_list_page(user=request.user, filters=form.filters())
    page = Paginator(prospects, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "reassign_form": ReassignForm(initial={"query": query.urlencode()}, reps=reps_for_handover(user=request.user))
        if _manages(request)
        else None,
        "max_bulk": MAX_BULK_REASSIGN,
    }
    if request.htmx and request.htmx.target == "prospect-results":
        return render(request, "workspace/prospect_list.html#prospect-results", context)
    return render(request, "workspace/prospect_list.html", context)


@require_POST
@login_required
def prospects_reassign_view(request: HtmxHttpRequest) -> HttpResponse:
    """Hand the ticked leads (or every lead the list's filters match, up to MAX_BULK_REASSIGN) to one rep, with a
    result per lead. Managers only."""
    if not _manages(request):
        raise PermissionDenied("Only a manager hands leads over.")
    reps = reps_for_handover(user=request.user)
    form = ReassignForm(request.POST, reps=reps)
    results = []
    if form.is_valid():
        data = form.cleaned_data
        ids: list[int] = list(data["ids"])
        if data["all_matching"]:
            filters = _filter_form(request, QueryDict(data["query"])).filters()
            ids = list(
                prospect_search(user=request.user, filters=filters).values_list("pk", flat=True)[
                    : MAX_BULK_REASSIGN + 1
                ]
            )
        to = next(rep for rep in reps if rep.pk == data["to"])
        written = write_once(
            request,
            lambda: prospects_reassign(
                actor=request.user, prospect_ids=ids, to=to, reason=data["reason"], now=timezone.now()
            ),
            form=form,
        )
        if written.ok and not written.first:
            messages.info(request, ALREADY_SAVED)
            return redirect(f"{reverse('prospect_list')}?{data['query']}")
        results = written.value or []
    counts = {outcome: sum(1 for r in results if r.outcome == outcome) for outcome in ("handed", "already", "refused")}
    context = {"form": form, "results": results, "counts": counts, "query": request.POST.get("query", "")}
    return render(request, "workspace/prospects_reassign.html", context, status=200 if form.is_valid() else 400)


def _prospect_context(request: HtmxHttpRequest, prospect: Prospect, **extra: object) -> dict[str, object]:
    now = timezone.now()
    touches, cursor = timeline_page(prospect=prospect)
    entries = timeline_with_events(prospect=prospect, touches=touches, before=None, cursor=cursor)
    contacts = contacts_for_prospect(prospect=prospect)
    current = enrollment_view(prospect=prospect, contacts=contacts, now=now)
    return {
        "prospect": prospect,
        "contacts": contacts,
        "touches": touches,
        "entries": entries,
        "cursor": cursor,
        "current": current,
        "last_enrollment": None if current else enrollment_last(prospect=prospect),
        "markers_form": MarkersForm(initial={f: getattr(prospect, f) for f in MARKER_FIELDS}, auto_id="markers_%s"),
        "place_form": _place_form(prospect),
        "clock_note": clock_guess_note(prospect),
        "zone_options": ZONE_OPTIONS,
        "rep_tz": zone(request.user.timezone, fallback="UTC"),
        "mail_read": inbound_for_prospect(prospect=prospect),
        "reclassify_choices": InboundEmail.Verdict.choices,
        "can_lift_dnc": request.user.is_superuser
        or (request.user.is_manager and request.user.managed_teams.filter(pk=prospect.team_id).exists()),
        **extra,
    }


@require_GET
@login_required
def prospect_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    prospect = prospect_get_for_user(request, pk)
    return render(request, "workspace/prospect_detail.html", _prospect_context(request, prospect))


@require_GET
@login_required
def prospect_timeline(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The next page of the timeline: rows appended by htmx on scroll, or a page of its own without JS."""
    prospect = prospect_get_for_user(request, pk)
    before = timeline_cursor_parse(request.GET.get("before", ""))
    if before is None:
        return _back_to_prospect(pk)
    touches, cursor = timeline_page(prospect=prospect, before=before)
    entries = timeline_with_events(prospect=prospect, touches=touches, before=before, cursor=cursor)
    context = {"prospect": prospect, "touches": touches, "entries": entries, "cursor": cursor}
    if request.htmx:
        return render(request, "workspace/prospect_detail.html#timeline-page", context)
    return render(request, "workspace/timeline.html", context)


@require_POST
@login_required
def prospect_markers(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    prospect = prospect_get_for_user(request, pk)
    form = MarkersForm(request.POST, auto_id="markers_%s")
    if form.is_valid():
        write_once(request, lambda: prospect_update_markers(prospect=prospect, **form.cleaned_data, now=timezone.now()))
        if not request.htmx:
            messages.success(request, "Markers saved.")
    if request.htmx:
        context = {"prospect": prospect, "markers_form": form, "saved": form.is_valid()}
        return render(request, "workspace/prospect_detail.html#markers", context)
    if not form.is_valid():
        messages.error(request, "Choose yes, no or unknown for each marker.")
    return _back_to_prospect(pk)


def _place_form(prospect: Prospect) -> PlaceForm:
    initial = {"country": prospect.country, "region": prospect.region, "city": prospect.city, "timezone": ""}
    if prospect.timezone_source == ClockSource.EXPLICIT:
        initial["timezone"] = prospect.timezone
    return PlaceForm(initial=initial, auto_id="place_%s")


@require_POST
@login_required
def prospect_place(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Where the prospect is and its clock, confirmed or corrected by a person; the lead is planned again at once."""
    prospect = prospect_get_for_user(request, pk)
    form = PlaceForm(request.POST, auto_id="place_%s")
    if not form.is_valid():
        if request.htmx:
            context = {"prospect": prospect, "place_form": form, "clock_note": clock_guess_note(prospect)}
            return render(request, "workspace/prospect_detail.html#place", context)
        return render(request, "workspace/prospect_detail.html", _prospect_context(request, prospect, place_form=form))
    prospect = (
        write_once(request, lambda: lead_place_set(prospect=prospect, **form.cleaned_data, now=timezone.now())).value
        or prospect
    )
    messages.success(request, f"{prospect} is on {prospect.timezone}: the plan follows its clock.")
    # The whole page again, not the form alone: its clock, its next call and its preview all moved.
    if request.htmx:
        return HttpResponseClientRedirect(reverse("prospect_detail", args=[pk]))
    return _back_to_prospect(pk)


@require_POST
@login_required
def contact_clock(request: HtmxHttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    """A contact's own country and clock, corrected on the prospect's page; the lead is planned again at once."""
    prospect = prospect_get_for_user(request, pk)
    contact = get_object_or_404(prospect.contacts, pk=contact_pk)
    form = ContactClockForm(request.POST, auto_id=f"contact-{contact.pk}-%s")
    if not form.is_valid():
        messages.error(request, f"{contact.name}: {errors_text(ValidationError(form.errors))}")
        return _back_to_prospect(pk)
    written = write_once(
        request,
        lambda: lead_contact_update(
            user=request.user, contact_id=contact.pk, changes=form.cleaned_data, if_match=None, now=timezone.now()
        ),
    )
    contact = written.value or contact
    messages.success(request, f"{contact.name} is on {contact.timezone or 'the prospect’s clock'}.")
    return _back_to_prospect(pk)


@require_http_methods(["GET", "POST"])
@login_required
def contact_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    prospect = prospect_get_for_user(request, pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        written = write_once(request, lambda: lead_contact_add(prospect=prospect, **form.cleaned_data), form=form)
        if written.ok:
            messages.success(request, f"{written.value.name} added." if written.value else ALREADY_SAVED)
            return _back_to_prospect(pk)
    return render(request, "workspace/contact_form.html", {"prospect": prospect, "form": form})


@require_POST
@login_required
def prospect_enroll(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    prospect = prospect_get_for_user(request, pk)
    action_once(
        request,
        lambda: enrollment_create(prospect=prospect, now=timezone.now()),
        done=f"{prospect} is enrolled; the first attempt is being planned.",
    )
    return _back_to_prospect(pk)


@require_POST
@login_required
def prospect_close(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    prospect = prospect_get_for_user(request, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose won or lost.")
        return _back_to_prospect(pk)
    action_once(
        request,
        lambda: lead_close(prospect=prospect, status=form.cleaned_data["status"], now=timezone.now()),
        done=lambda: sentence(f"{prospect} marked {prospect.get_status_display().lower()}"),
    )
    return _back_to_prospect(pk)


@require_POST
@login_required
def prospect_reopen_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _with_reason(request, pk, prospect_reopen, done="{} is open again; enroll it to plan its next attempt.")


@require_POST
@login_required
def prospect_dnc_lift_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _with_reason(
        request, pk, prospect_do_not_contact_lift, done="Do-not-contact lifted and recorded in the history."
    )


def _with_reason(request: HtmxHttpRequest, pk: int, write: Callable[..., object], *, done: str) -> HttpResponse:
    """A manager's change to a closed prospect that needs a reason (reopen, lift a do-not-contact), once."""
    prospect = prospect_get_for_user(request, pk)
    reason = request.POST.get("reason", "")
    action_once(
        request,
        lambda: write(prospect=prospect, actor=request.user, reason=reason, now=timezone.now()),
        done=done.format(prospect),
    )
    return _back_to_prospect(pk)


@require_POST
@login_required
def enrollment_pause_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    enrollment = enrollment_get_for_user(request, pk)
    now = timezone.now()
    form = PauseForm(request.POST, tz=zone(request.user.timezone, fallback="UTC"), now=now)
    if not form.is_valid():
        messages.error(request, errors_text(ValidationError(form.errors["until"])))
    else:
        action_once(
            request,
            lambda: enrollment_pause(enrollment=enrollment, now=now, until=form.cleaned_data["until"]),
            done="Cadence paused.",
        )
    return _back_to_prospect(enrollment.prospect_id)


@require_POST
@login_required
def enrollment_resume_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    enrollment = enrollment_get_for_user(request, pk)
    action_once(
        request,
        lambda: enrollment_resume(enrollment=enrollment, now=timezone.now()),
        done="Cadence resumed; the next attempt is being planned.",
    )
    return _back_to_prospect(enrollment.prospect_id)


@require_http_methods(["GET", "POST"])
@login_required
def enrollment_give_up_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Give up on a lead. Before the cadence's minimum the rep sees why that is early and must confirm."""
    enrollment = enrollment_get_for_user(request, pk)
    form = GiveUpForm(request.POST or None)
    warning = ""
    if request.method == "POST" and form.is_valid():
        written = write_once(
            request,
            lambda: enrollment_give_up(
                enrollment=enrollment,
                now=timezone.now(),
                reason=form.cleaned_data["reason"],
                confirm_early=form.cleaned_data["confirm_early"],
            ),
        )
        if isinstance(written.error, GiveUpTooEarly):
            warning = errors_text(written.error)
        else:
            if written.error is not None:
                messages.error(request, errors_text(written.error))
            else:
                messages.success(
                    request, "Given up" + (" early" if written.value else "") + ": the prospect is dormant."
                )
            return _back_to_prospect(enrollment.prospect_id)
    context = {"enrollment": enrollment, "prospect": enrollment.prospect, "form": form, "warning": warning}
    return render(request, "workspace/give_up.html", context)
