"""Importing a CSV of prospects: upload, map the columns (with the guesses and sample values), preview what will
happen, confirm; a worker imports it while a progress bar shows how far it got; then the result and a CSV of
the rows that failed. The job's state lives in PostgreSQL, so the user may leave and come back."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from cadence.models import Cadence
from cadence.services.imports import import_job_configure, import_job_queue, import_job_start
from crm.imports import ImportFileError, import_read
from crm.models import ImportJob, User
from crm.once import submitted_once
from crm.selectors import reps_taking_leads
from web.csv_export import csv_response
from web.http import HtmxHttpRequest, errors_text
from workspace.import_forms import ImportUploadForm, MappingForm

PROGRESS = "workspace/import_progress.html"


def _job_for_user(request: HtmxHttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(ImportJob, pk=pk, user=request.user)


@require_http_methods(["GET", "POST"])
@login_required
def prospect_import(request: HtmxHttpRequest) -> HttpResponse:
    """Step 1: upload. The file is read (not imported) and its columns guessed."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = request.FILES["file"]
        try:
            job = import_job_start(user=request.user, file_name=upload.name, data=form.cleaned_data["file"])
        except ImportFileError as exc:
            form.add_error("file", exc)
        else:
            return redirect("import_map", pk=job.pk)
    recent = ImportJob.objects.filter(user=request.user).order_by("-created_at")[:5]
    return render(request, "workspace/import.html", {"form": form, "recent": recent})


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
    """Step 2: confirm or change each column's field, the roles titles mean, who gets the leads and when; then
    see what the import will do (a summary and the rows with problems first, never the whole file)."""
    job = _job_for_user(request, pk)
    if job.state not in (ImportJob.State.MAPPING, ImportJob.State.PREVIEWED):
        return redirect("import_progress", pk=job.pk)
    form = _mapping_form(request, job)
    plan = None
    if request.method == "POST" and form.is_valid():
        try:
            plan = import_job_configure(
                job=job, columns=form.columns(), roles=form.roles(), options=form.options(), now=timezone.now()
            )
        except (ValidationError, ImportFileError) as exc:
            form.add_error(None, errors_text(exc))
    context = {"job": job, "form": form, "plan": plan, "problems": plan.problems_first() if plan else []}
    return render(request, "workspace/import_map.html", context)


@require_POST
@login_required
def prospect_import_confirm(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Step 3: hand the previewed import to a worker; a second click finds it queued."""
    job = _job_for_user(request, pk)
    with submitted_once(request) as first:
        if first and not import_job_queue(job=job):
            messages.info(request, "This import has already started.")
    return redirect("import_progress", pk=job.pk)


@require_GET
@login_required
def import_progress(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Step 4: how far the worker got (htmx asks again every second), then the result."""
    job = _job_for_user(request, pk)
    finished = job.state in (ImportJob.State.DONE, ImportJob.State.FAILED)
    if request.htmx and finished and request.GET.get("poll"):
        return HttpResponseClientRedirect(request.path)
    template = f"{PROGRESS}#progress" if request.htmx else PROGRESS
    return render(request, template, {"job": job, "finished": finished})


@require_GET
@login_required
def import_failed_csv(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    job = _job_for_user(request, pk)
    return csv_response(
        f"import-{job.pk}-not-imported.csv", ["Line", "Company", "Contact", "Why"], ([*row] for row in job.failures)
    )
