"""Importing a CSV of prospects: upload and preview, then confirm what the preview showed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from cadence.services import (
    leads_import_confirm,
)
from crm.imports import ImportFileError, import_preview_build, import_text_decode
from crm.once import submitted_once
from web.http import HtmxHttpRequest, errors_text
from workspace.forms import (
    ImportUploadForm,
)

IMPORT_SESSION_KEY = "prospect_import_csv"


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
    return render(request, "workspace/import.html", {"form": form, "preview": preview})


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
            result = leads_import_confirm(
                user=request.user, text=text, now=timezone.now(), expected_digest=request.POST.get("digest", "")
            )
    except (ValidationError, ImportFileError) as exc:
        messages.error(request, errors_text(exc))
        return redirect("prospect_import")
    del request.session[IMPORT_SESSION_KEY]
    skipped = result.error_count + result.duplicate_count
    messages.success(
        request,
        f"Imported {result.created} prospects with {result.contact_count} contacts; {skipped} rows skipped.",
    )
    return redirect(reverse("prospect_list") + "?sort=-updated")
