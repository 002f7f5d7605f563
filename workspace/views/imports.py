"""Importing a CSV of prospects: upload, map the columns (with the guesses and sample values), preview what will
happen, confirm; a worker imports it while a progress bar shows how far it got; then the result and a CSV of
the rows that failed. The job's state lives in PostgreSQL, so the user may leave and come back."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from cadence.models import Cadence
from cadence.services.imports import (
    SETTABLE,
    UNDO_DAYS,
    import_job_preview_request,
    import_job_queue,
    import_job_start,
    import_job_undo_request,
    import_job_undoable,
)
from crm.imports import FIELD_LABELS, NOT_IMPORTED_LINE, NOT_IMPORTED_WHY, ImportFileError, import_read
from crm.models import ImportJob, User
from crm.selectors import reps_taking_leads, team_list_managed
from web.csv_export import csv_response
from web.http import HtmxHttpRequest, errors_text
from web.once import write_once
from web.uploads import body_too_large, too_large_message, upload_refused
from workspace.import_forms import ImportUploadForm, MappingForm

PROGRESS = "workspace/import_progress.html"
MAP = "workspace/import_map.html"


def _job_for_user(request: HtmxHttpRequest, pk: int) -> ImportJob:
    """The user's own import: only its importer maps, previews and confirms it."""
    return get_object_or_404(ImportJob, pk=pk, user=request.user)


@csrf_exempt  # checked below, once the size is known: a body over the limit is refused unread, writing nothing
@require_http_methods(["GET", "POST"])
@login_required
def prospect_import(request: HtmxHttpRequest) -> HttpResponse:
    """Step 1: upload. The file is read (not imported) and its columns guessed. A file over the limit is refused
    before it is read: by its declared length, else at its first chunk past the limit (web/uploads.py)."""
    if request.method == "POST" and body_too_large(request):
        return _upload_page(request, _refused(too_large_message()), status=413)
    return csrf_protect(_prospect_import)(request)


def _refused(message: str) -> ImportUploadForm:
    """The upload form showing why the file was refused, next to its field."""
    form = ImportUploadForm(data={})
    form.full_clean()
    form.errors["file"] = form.error_class([message])
    return form


def _upload_page(request: HtmxHttpRequest, form: ImportUploadForm, *, status: int = 200) -> HttpResponse:
    recent = ImportJob.objects.filter(user=request.user).order_by("-created_at")[:5]
    return render(request, "workspace/import.html", {"form": form, "recent": recent}, status=status)


def _prospect_import(request: HtmxHttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and upload_refused(request):
        return _upload_page(request, _refused(upload_refused(request)), status=413)
    if request.method == "POST" and form.is_valid():
        upload = request.FILES["file"]
        try:
            job = import_job_start(user=request.user, file_name=upload.name, data=form.cleaned_data["file"])
        except ImportFileError as exc:
            form.add_error("file", exc)
        else:
            return redirect("import_map", pk=job.pk)
    return _upload_page(request, form)


def _mapping_form(request: HtmxHttpRequest, job: ImportJob) -> MappingForm:
    reps = list(reps_taking_leads(team=job.team, on=timezone.now().date()).order_by("first_name"))
    cadences = list(Cadence.objects.filter(team_id=job.team_id, is_retired=False).order_by("name"))
    initial = {**job.options}
    form = MappingForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        file=import_read(job.text),
        columns=job.columns,
        roles=job.roles,
        user=request.user,
        reps=reps,
        cadences=cadences,
    )
    if request.user.is_manager or request.user.is_superuser:
        form.fields["owner"].help_text = _reps_left_out(job, offered={rep.pk for rep in reps})
    return form


def _reps_left_out(job: ImportJob, *, offered: set[int]) -> str:
    """Who is not offered the leads, and why: a manager should not wonder where a rep went."""
    others = User.objects.filter(team_id=job.team_id, role=User.Role.REP, is_active=True).exclude(pk__in=offered)
    why = []
    for rep in others.order_by("first_name"):
        if not rep.has_joined:
            why.append(f"{rep} (invited, has not logged in yet)")
        elif rep.away_until:
            why.append(f"{rep} (away until {rep.away_until:%a} {rep.away_until.day} {rep.away_until:%b})")
        else:
            why.append(f"{rep} (takes no new leads)")
    return f"Not offered: {', '.join(why)}." if why else ""


@require_http_methods(["GET", "POST"])
@login_required
def import_map(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Step 2: confirm or change each column's field, the roles titles mean, the stages that are leads, who gets
    the leads and when; then see what the import will do (a summary, the problems by reason, the first rows with
    problems). A big file is previewed by a worker while this page waits (htmx asks every second)."""
    job = _job_for_user(request, pk)
    if job.state not in SETTABLE:
        return redirect("import_progress", pk=job.pk)
    previewing = job.state == ImportJob.State.PREVIEWING
    if request.htmx and request.GET.get("poll"):
        if previewing:
            return render(request, f"{MAP}#previewing", {"job": job})
        # A reload, not a redirect: the page's address is this one (with #preview-title), and going to the same
        # address differing only in its fragment would scroll, not load the preview.
        return HttpResponseClientRefresh()
    form = _mapping_form(request, job)
    if request.method == "POST" and form.is_valid():
        try:
            import_job_preview_request(
                job=job, columns=form.columns(), roles=form.roles(), options=form.options(), now=timezone.now()
            )
        except (ValidationError, ImportFileError) as exc:
            form.add_error(None, errors_text(exc))
        else:
            return redirect(f"{reverse('import_map', args=[job.pk])}#preview-title")
    shown = job.state == ImportJob.State.PREVIEWED and request.method == "GET"
    context = {
        "job": job,
        "form": form,
        "previewing": previewing,
        "shown": shown,
        "problems": job.summary.get("rows_shown", []) if shown else [],
        "problem_groups": job.summary.get("problems", []) if shown else [],
    }
    return render(request, MAP, context, status=400 if form.errors else 200)


PROBLEM_PAGE = 50


@require_GET
@login_required
def import_problems(request: HtmxHttpRequest, pk: int, group: int) -> HttpResponse:
    """Every row of one group of problems of the preview (a reason, its count), a page at a time, with the values
    the file gives for the mapped columns: nothing hidden behind "the first 20"."""
    job = _job_for_user(request, pk)
    groups = job.summary.get("problems", [])
    if job.state != ImportJob.State.PREVIEWED or not 0 <= group < len(groups):
        return redirect("import_map", pk=job.pk)
    chosen = groups[group]
    page = Paginator(chosen["lines"], PROBLEM_PAGE).get_page(request.GET.get("page"))
    file = import_read(job.text)
    by_line = dict(zip(file.lines, file.records, strict=True))
    shown = [(name, i) for i, name in enumerate(file.header) if job.columns.get(name) in FIELD_LABELS][:8]
    rows = [
        (line, [by_line.get(line, [])[i] if i < len(by_line.get(line, [])) else "" for _, i in shown])
        for line in page.object_list
    ]
    context = {"job": job, "group": chosen, "page": page, "columns": [name for name, _ in shown], "rows": rows}
    return render(request, "workspace/import_problems.html", context)


@require_POST
@login_required
def prospect_import_confirm(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Step 3: hand the previewed import to a worker; a second click finds it queued."""
    job = _job_for_user(request, pk)
    if write_once(request, lambda: import_job_queue(job=job)).value is False:
        messages.info(request, "This import has already started.")
    return redirect("import_progress", pk=job.pk)


@require_GET
@login_required
def import_progress(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Step 4: how far the worker got (htmx asks again every second), then the result."""
    job = _job_visible(request, pk)
    undoing = job.undo_requested_at is not None and job.undone_at is None
    finished = job.state in (ImportJob.State.DONE, ImportJob.State.FAILED) and not undoing
    if request.htmx and finished and request.GET.get("poll"):
        return HttpResponseClientRedirect(request.path)
    template = f"{PROGRESS}#progress" if request.htmx else PROGRESS
    now = timezone.now()
    context = {
        "job": job,
        "finished": finished,
        "undoing": undoing,
        "undo_blocked": import_job_undoable(job=job, user=request.user, now=now),
        "undo_days": UNDO_DAYS,
    }
    return render(request, template, context)


@require_POST
@login_required
def import_undo(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Undo an import: a worker removes what it created and takes back what it merged; the page shows how it went."""
    job = _job_visible(request, pk)
    undo = write_once(request, lambda: import_job_undo_request(job=job, user=request.user, now=timezone.now()))
    if undo.error is not None:
        messages.error(request, errors_text(undo.error))
    if request.htmx:
        return HttpResponseClientRedirect(reverse("import_progress", args=[job.pk]))
    return redirect("import_progress", pk=job.pk)


def _job_visible(request: HtmxHttpRequest, pk: int) -> ImportJob:
    """The importer's own job, or one of a team the user manages; anyone else's is a 404."""
    user = request.user
    return get_object_or_404(ImportJob.objects.filter(Q(user=user) | Q(team__in=team_list_managed(user=user))), pk=pk)


@require_GET
@login_required
def import_failed_csv(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The rows not imported, each with its line, why, and all its columns as they were in the file: fix them in a
    spreadsheet and import this file again (the two added columns are ignored by the mapping's guess)."""
    job = _job_visible(request, pk)
    return csv_response(
        f"import-{job.pk}-not-imported.csv",
        [NOT_IMPORTED_LINE, NOT_IMPORTED_WHY, *job.header],
        (not_imported_row(entry, width=len(job.header)) for entry in job.failures),
    )


def not_imported_row(entry: object, *, width: int) -> list[object]:
    if isinstance(entry, dict):
        values = list(entry.get("values") or [])[:width]
        return [entry.get("line", ""), entry.get("why", ""), *values, *[""] * (width - len(values))]
    line, company, contact, why = (list(entry) + ["", "", "", ""])[:4] if isinstance(entry, list) else ("", "", "", "")
    return [line, why, company, contact]  # an import from before the file's columns were kept
