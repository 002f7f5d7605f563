"""The rep workspace: My day, the prospects list, the prospect page and its actions, the import and the feed.

Every object comes through a scoped helper built on `prospect_list_visible`: someone else's id is a 404.
Forms post to one URL per action and redirect back; with htmx the same view answers with the partial it swaps.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from cadence.models import Enrollment, FollowUp
from crm.zones import zone
from cadence.services import (
    GiveUpTooEarly,
    enrollment_create,
    enrollment_give_up,
    enrollment_pause,
    enrollment_resume,
    follow_up_snooze,
    prospect_do_not_contact_lift,
    prospect_reopen,
)
from crm import calendar_feed, services
from crm.forms import (
    CloseForm,
    ContactForm,
    GiveUpForm,
    ImportUploadForm,
    MarkersForm,
    PauseForm,
    ProspectFilterForm,
    SnoozeForm,
)
from crm.imports import ImportFileError, import_preview_build, import_text_decode
from crm.models import Prospect, User
from crm.once import submitted_once
from crm.selectors import prospect_list_visible
from crm.workspace import (
    contacts_for_prospect,
    enrollment_last,
    enrollment_view,
    my_day_build,
    owners_visible,
    prospect_search,
    timeline_cursor_parse,
    timeline_page,
)
from touches.forms import QUICK_OUTCOMES

PAGE_SIZE = 25
ALREADY_SAVED = "Already saved: that form was sent twice, and written once."
IMPORT_SESSION_KEY = "prospect_import_csv"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
    user: User


def _get_prospect_for_user(request: HtmxHttpRequest, pk: int) -> Prospect:
    prospect = prospect_list_visible(user=request.user).select_related("owner", "team").filter(pk=pk).first()
    if prospect is None:
        raise Http404("No such prospect.")
    return prospect


def _get_enrollment_for_user(request: HtmxHttpRequest, pk: int) -> Enrollment:
    visible = prospect_list_visible(user=request.user)
    enrollment = Enrollment.objects.filter(pk=pk, prospect__in=visible).select_related("prospect").first()
    if enrollment is None:
        raise Http404("No such enrollment.")
    return enrollment


def _get_follow_up_for_user(request: HtmxHttpRequest, pk: int) -> FollowUp:
    visible = prospect_list_visible(user=request.user)
    follow_up = FollowUp.objects.filter(pk=pk, prospect__in=visible).select_related("prospect", "contact").first()
    if follow_up is None:
        raise Http404("No such follow-up.")
    return follow_up


def _back_to_prospect(pk: int) -> HttpResponse:
    return redirect("prospect_detail", pk=pk)


def _errors_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@require_GET
@login_required
def home(request: HtmxHttpRequest) -> HttpResponse:
    """My day: the rep's follow-ups, most urgent first."""
    groups = my_day_build(user=request.user, now=timezone.now())
    context = {"groups": groups, "outcomes": QUICK_OUTCOMES, "total": sum(len(g.rows) for g in groups)}
    return render(request, "crm/my_day.html", context)


@require_GET
@login_required
def prospect_list(request: HtmxHttpRequest) -> HttpResponse:
    form = ProspectFilterForm(request.GET or None, owners=list(owners_visible(user=request.user)))
    prospects = prospect_search(user=request.user, filters=form.filters())
    page = Paginator(prospects, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    if request.htmx and request.htmx.target == "prospect-results":
        return render(request, "crm/prospect_list.html#prospect-results", context)
    return render(request, "crm/prospect_list.html", context)


def _prospect_context(request: HtmxHttpRequest, prospect: Prospect, **extra: object) -> dict[str, object]:
    now = timezone.now()
    touches, cursor = timeline_page(prospect=prospect)
    contacts = contacts_for_prospect(prospect=prospect)
    current = enrollment_view(prospect=prospect, contacts=contacts, now=now)
    return {
        "prospect": prospect,
        "contacts": contacts,
        "touches": touches,
        "cursor": cursor,
        "current": current,
        "last_enrollment": None if current else enrollment_last(prospect=prospect),
        "markers_form": MarkersForm(
            initial={f: getattr(prospect, f) for f in services.MARKER_FIELDS}, auto_id="markers_%s"
        ),
        "rep_tz": zone(request.user.timezone, fallback="UTC"),
        "can_lift_dnc": request.user.is_superuser
        or (request.user.is_manager and request.user.managed_teams.filter(pk=prospect.team_id).exists()),
        **extra,
    }


@require_GET
@login_required
def prospect_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    prospect = _get_prospect_for_user(request, pk)
    return render(request, "crm/prospect_detail.html", _prospect_context(request, prospect))


@require_GET
@login_required
def prospect_timeline(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The next page of the timeline: rows appended by htmx on scroll, or a page of its own without JS."""
    prospect = _get_prospect_for_user(request, pk)
    before = timeline_cursor_parse(request.GET.get("before", ""))
    if before is None:
        return _back_to_prospect(pk)
    touches, cursor = timeline_page(prospect=prospect, before=before)
    context = {"prospect": prospect, "touches": touches, "cursor": cursor}
    if request.htmx:
        return render(request, "crm/prospect_detail.html#timeline-page", context)
    return render(request, "crm/timeline.html", context)


@require_POST
@login_required
def prospect_markers(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    prospect = _get_prospect_for_user(request, pk)
    form = MarkersForm(request.POST, auto_id="markers_%s")
    if form.is_valid():
        with submitted_once(request) as first:
            if first:
                services.prospect_update_markers(prospect=prospect, **form.cleaned_data, now=timezone.now())
        if not request.htmx:
            messages.success(request, "Markers saved.")
    if request.htmx:
        context = {"prospect": prospect, "markers_form": form, "saved": form.is_valid()}
        return render(request, "crm/prospect_detail.html#markers", context)
    if not form.is_valid():
        messages.error(request, "Choose yes, no or unknown for each marker.")
    return _back_to_prospect(pk)


@require_http_methods(["GET", "POST"])
@login_required
def contact_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    prospect = _get_prospect_for_user(request, pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with submitted_once(request) as first:
                contact = services.contact_create(prospect=prospect, **form.cleaned_data) if first else None
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{contact.name} added." if contact else ALREADY_SAVED)
            return _back_to_prospect(pk)
    return render(request, "crm/contact_form.html", {"prospect": prospect, "form": form})


@require_POST
@login_required
def prospect_enroll(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    prospect = _get_prospect_for_user(request, pk)
    try:
        with submitted_once(request) as first:
            if first:
                enrollment_create(prospect=prospect, now=timezone.now())
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(
            request, f"{prospect} is enrolled; the first attempt is being planned." if first else ALREADY_SAVED
        )
    return _back_to_prospect(pk)


@require_POST
@login_required
def prospect_close(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    prospect = _get_prospect_for_user(request, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose won or lost.")
        return _back_to_prospect(pk)
    try:
        with submitted_once(request) as first:
            if first:
                services.prospect_close(prospect=prospect, status=form.cleaned_data["status"], now=timezone.now())
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(
            request, f"{prospect} marked {prospect.get_status_display().lower()}." if first else ALREADY_SAVED
        )
    return _back_to_prospect(pk)


@require_POST
@login_required
def prospect_reopen_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    prospect = _get_prospect_for_user(request, pk)
    try:
        with submitted_once(request) as first:
            if first:
                prospect_reopen(
                    prospect=prospect, actor=request.user, reason=request.POST.get("reason", ""), now=timezone.now()
                )
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(
            request, f"{prospect} is open again; enroll it to plan its next attempt." if first else ALREADY_SAVED
        )
    return _back_to_prospect(pk)


@require_POST
@login_required
def prospect_dnc_lift_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    prospect = _get_prospect_for_user(request, pk)
    try:
        with submitted_once(request) as first:
            if first:
                prospect_do_not_contact_lift(
                    prospect=prospect, actor=request.user, reason=request.POST.get("reason", ""), now=timezone.now()
                )
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, "Do-not-contact lifted and recorded in the history." if first else ALREADY_SAVED)
    return _back_to_prospect(pk)


@require_POST
@login_required
def enrollment_pause_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    enrollment = _get_enrollment_for_user(request, pk)
    now = timezone.now()
    form = PauseForm(request.POST, tz=zone(request.user.timezone, fallback="UTC"), now=now)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["until"])
        with submitted_once(request) as first:
            if first:
                enrollment_pause(enrollment=enrollment, now=now, until=form.cleaned_data["until"])
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, "Cadence paused." if first else ALREADY_SAVED)
    return _back_to_prospect(enrollment.prospect_id)


@require_POST
@login_required
def enrollment_resume_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    enrollment = _get_enrollment_for_user(request, pk)
    with submitted_once(request) as first:
        if first:
            enrollment_resume(enrollment=enrollment, now=timezone.now())
    messages.success(request, "Cadence resumed; the next attempt is being planned." if first else ALREADY_SAVED)
    return _back_to_prospect(enrollment.prospect_id)


@require_http_methods(["GET", "POST"])
@login_required
def enrollment_give_up_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Give up on a lead. Before the cadence's minimum the rep sees why that is early and must confirm."""
    enrollment = _get_enrollment_for_user(request, pk)
    form = GiveUpForm(request.POST or None)
    warning = ""
    if request.method == "POST" and form.is_valid():
        try:
            with submitted_once(request) as first:
                early = first and enrollment_give_up(
                    enrollment=enrollment,
                    now=timezone.now(),
                    reason=form.cleaned_data["reason"],
                    confirm_early=form.cleaned_data["confirm_early"],
                )
        except GiveUpTooEarly as exc:
            warning = _errors_text(exc)
        except ValidationError as exc:
            messages.error(request, _errors_text(exc))
            return _back_to_prospect(enrollment.prospect_id)
        else:
            messages.success(request, "Given up" + (" early" if early else "") + ": the prospect is dormant.")
            return _back_to_prospect(enrollment.prospect_id)
    context = {"enrollment": enrollment, "prospect": enrollment.prospect, "form": form, "warning": warning}
    return render(request, "crm/give_up.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def follow_up_snooze_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    follow_up = _get_follow_up_for_user(request, pk)
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
            return redirect(_safe_next(request, default=reverse("home")))
    context = {"follow_up": follow_up, "form": form, "next": _safe_next(request, default=reverse("home"))}
    return render(request, "crm/snooze_form.html", context)


def _safe_next(request: HttpRequest, *, default: str) -> str:
    """The `next` the request names if it stays on this site (no other host, no `javascript:`), else `default`.
    Used for the redirect and for every link back, so a crafted URL cannot turn Cancel into a script."""
    target = request.POST.get("next") or request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and safe else default


@require_http_methods(["GET", "POST"])
@login_required
def prospect_import(request: HtmxHttpRequest) -> HttpResponse:
    """Step 1 and 2: upload a CSV, see what would happen to every row. Nothing is written here."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        try:
            text = import_text_decode(form.cleaned_data["file"])
            preview = import_preview_build(user=request.user, text=text)
        except ImportFileError as exc:
            form.add_error("file", exc)
        else:
            request.session[IMPORT_SESSION_KEY] = text
    return render(request, "crm/import.html", {"form": form, "preview": preview})


@require_POST
@login_required
def prospect_import_confirm(request: HtmxHttpRequest) -> HttpResponse:
    """Step 3: write the rows the rep saw in the preview, and only if the file still reads the same."""
    text = request.session.get(IMPORT_SESSION_KEY)
    if not text:
        messages.error(request, "The upload has expired. Choose the file again.")
        return redirect("prospect_import")
    try:
        with submitted_once(request) as first:
            if not first:
                messages.info(request, "This import was already confirmed; its prospects are below.")
                return redirect(reverse("prospect_list") + "?sort=-updated")
            result = services.prospect_import_confirm(
                user=request.user, text=text, now=timezone.now(), expected_digest=request.POST.get("digest", "")
            )
    except (ValidationError, ImportFileError) as exc:
        messages.error(request, _errors_text(exc))
        return redirect("prospect_import")
    del request.session[IMPORT_SESSION_KEY]
    skipped = result.error_count + result.duplicate_count
    messages.success(
        request,
        f"Imported {result.created} prospects with {result.contact_count} contacts; {skipped} rows skipped.",
    )
    return redirect(reverse("prospect_list") + "?sort=-updated")


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def calendar_settings(request: HtmxHttpRequest) -> HttpResponse:
    """The rep's private calendar URL: create it, replace it (the old one stops working) or turn it off.

    Only the token's hash is stored, so the URL is shown once, in the answer to the POST that creates it (never
    cached, never in a redirect or the session); afterwards the page only says that a feed exists.
    """
    if request.method == "GET":
        return render(request, "crm/calendar.html", {"has_feed": request.user.calendar_token_hash is not None})
    action = request.POST.get("action")
    if action == "revoke":
        calendar_feed.calendar_token_revoke(user=request.user)
        messages.success(request, "Calendar feed turned off. The old address no longer works.")
        return redirect("calendar_settings")
    if action != "rotate":
        return HttpResponseBadRequest("Unknown action.")
    token = calendar_feed.calendar_token_rotate(user=request.user)
    feed_url = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
    return render(request, "crm/calendar.html", {"has_feed": True, "feed_url": feed_url})


@require_GET
def calendar_feed_view(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed. No login: calendar apps cannot log in, so the secret in the URL is the key."""
    user = calendar_feed.user_get_by_calendar_token(token=token)
    if user is None:
        raise Http404("No such calendar.")
    body = calendar_feed.calendar_build(user=user, now=timezone.now(), base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
