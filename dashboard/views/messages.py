"""A team's ready messages, for its managers: the library, a message written or changed with a preview filled in
for a real prospect, and retirement."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.models import Contact, Prospect, Team
from dashboard.message_forms import PLACEHOLDER_HELP, MessageForm, MessagePreviewForm
from dashboard.views.setup import team_get_for_manager, teams_for
from touches.message_library import message_render
from touches.models import Kind, MessageTemplate, Theme
from touches.services import NearlyTheSame, message_library_seed, message_template_retire, message_template_save
from web.access import manager_required
from web.http import HtmxHttpRequest
from web.once import action_once, form_errors_add, write_once

SAMPLE_VALUES = {
    "contact_first_name": "Dana",
    "company": "Acme Corp",
    "action": "stop by",
    "action_day": "Tuesday",
}


@require_GET
@manager_required
def message_list(request: HtmxHttpRequest, team_id: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    message_library_seed(team=team)  # a team that never had one starts from the generic library, now editable
    templates = list(MessageTemplate.objects.filter(team=team).order_by("kind", "theme", "medium", "pk"))
    groups: dict[str, list[MessageTemplate]] = {}
    for template in templates:
        if template.is_active:
            groups.setdefault(_group_label(template), []).append(template)
    retired = [t for t in templates if not t.is_active]
    context = {"team": team, "teams": teams_for(request), "groups": groups, "retired": retired}
    return render(request, "dashboard/messages.html", context)


def _group_label(template: MessageTemplate) -> str:
    if template.kind != Kind.REGULAR:
        return template.get_kind_display()
    return f"{template.get_theme_display()} (regular attempts)"


def _values(request: HtmxHttpRequest, team: Team, prospect: Prospect | None) -> dict[str, str]:
    values = {**SAMPLE_VALUES, "rep_name": request.user.get_full_name() or request.user.username}
    if prospect is not None:
        values["company"] = prospect.name
        contact = Contact.objects.filter(prospect=prospect).order_by("pk").first()
        if contact is not None and contact.name:
            values["contact_first_name"] = contact.name.split()[0]
    return values


def _page(request: HtmxHttpRequest, team: Team, template: MessageTemplate | None) -> HttpResponse:
    prospects = Prospect.objects.filter(team=team).order_by("-updated_at")
    data = request.POST if request.method == "POST" else None
    initial = MessageForm.initial_for(template) if template else {"medium": "voicemail", "kind": Kind.REGULAR}
    form = MessageForm(data, initial=initial)
    sample = MessagePreviewForm(data, prospects=prospects)
    sample.fields["prospect"].queryset = prospects if data else prospects[:50]
    similar = None
    if data is not None and "save" in data and form.is_valid():
        cleaned = form.cleaned_data
        written = write_once(
            request,
            lambda: message_template_save(
                team=team,
                actor=request.user,
                medium=cleaned["medium"],
                kind=cleaned["kind"],
                theme=cleaned["theme"] or Theme.NONE,
                subject=cleaned["subject"],
                body=cleaned["body"],
                template=template,
                confirm_similar=cleaned["confirm_similar"],
            ),
        )
        if isinstance(written.error, NearlyTheSame):
            similar = written.error.similar_to
        elif written.error is not None:
            form_errors_add(form, written.error)
        else:
            messages.success(request, written.said("Message saved."))
            return redirect("message_list", team_id=team.pk)
    context: dict[str, Any] = {
        "team": team,
        "template": template,
        "form": form,
        "sample": sample,
        "similar": similar,
        "placeholder_help": PLACEHOLDER_HELP,
        **_preview(request, team, form, sample, template),
    }
    return render(request, "dashboard/message_form.html", context)


def _preview(
    request: HtmxHttpRequest,
    team: Team,
    form: MessageForm,
    sample: MessagePreviewForm,
    template: MessageTemplate | None,
) -> dict[str, str]:
    if form.is_bound:
        subject, body = form.data.get("subject", ""), form.data.get("body", "")
    else:
        subject, body = (template.subject, template.body) if template else ("", "")
    prospect = sample.cleaned_data.get("prospect") if sample.is_bound and sample.is_valid() else None
    values = _values(request, team, prospect)
    return {"preview_subject": message_render(subject, **values), "preview_body": message_render(body, **values)}


@require_http_methods(["GET", "POST"])
@manager_required
def message_new(request: HtmxHttpRequest, team_id: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    message_library_seed(team=team)
    return _page(request, team, None)


@require_http_methods(["GET", "POST"])
@manager_required
def message_edit(request: HtmxHttpRequest, team_id: int, pk: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    return _page(request, team, get_object_or_404(MessageTemplate, pk=pk, team=team))


@require_POST
@manager_required
def message_retire_view(request: HtmxHttpRequest, team_id: int, pk: int) -> HttpResponse:
    team = team_get_for_manager(request, team_id)
    template = get_object_or_404(MessageTemplate, pk=pk, team=team)
    action_once(
        request,
        lambda: message_template_retire(template=template, actor=request.user),
        done="Message retired: reps no longer get it.",
    )
    return redirect("message_list", team_id=team.pk)
