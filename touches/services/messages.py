"""A team's ready messages: seeded from a starting library, added, edited and retired by its managers."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from crm.models import Team, User
from touches.message_library import GENERIC_LIBRARY, MessageDraft, note_similar_earlier, placeholders_errors
from touches.models import Kind, MessageTemplate, Theme


class NearlyTheSame(ValidationError):
    """The message nearly repeats another of the team's; the manager may save it anyway (`confirm_similar`)."""

    def __init__(self, similar_to: MessageTemplate) -> None:
        super().__init__(f"This nearly repeats another {similar_to}: change a few words so no two messages are alike.")
        self.similar_to = similar_to


def message_library_seed(*, team: Team, drafts: Iterable[MessageDraft] = GENERIC_LIBRARY) -> int:
    """Give a team its starting library, once: a team that has any template (even retired) keeps its own."""
    with transaction.atomic():
        Team.objects.select_for_update().filter(pk=team.pk).first()
        if MessageTemplate.objects.filter(team=team).exists():
            return 0
        rows = MessageTemplate.objects.bulk_create(
            MessageTemplate(team=team, medium=d.channel, kind=d.kind, theme=d.theme, subject=d.subject, body=d.body)
            for d in drafts
        )
    return len(rows)


def message_template_save(
    *,
    team: Team,
    actor: User,
    medium: str,
    kind: str,
    theme: str,
    subject: str,
    body: str,
    template: MessageTemplate | None = None,
    confirm_similar: bool = False,
) -> MessageTemplate:
    """Add a template to the team's library, or change one of its own.

    1. The theme fits the kind: a regular message has one of the three I's, a breakup or pleasantly persistent
       message has none. A voicemail has no subject.
    2. Every `{placeholder}` is one we fill, every brace closed (the error names the valid ones).
    3. A message that nearly repeats another active one of the team's raises NearlyTheSame unless confirmed:
       rotating themes is pointless if two of them say the same thing.
    """
    message_library_seed(team=team)
    errors: dict[str, list[str]] = {}
    if kind == Kind.REGULAR and theme not in (Theme.INFORMATION, Theme.INVITATION, Theme.INTRODUCTION):
        errors["theme"] = ["A regular message carries one of the three I's: information, invitation, introduction."]
    if kind != Kind.REGULAR:
        theme = Theme.NONE
    if medium == MessageTemplate.Medium.VOICEMAIL:
        subject = ""
    elif not subject.strip():
        errors["subject"] = ["An email needs a subject."]
    for field, text in (("subject", subject), ("body", body)):
        problems = placeholders_errors(text)
        if problems:
            errors.setdefault(field, []).extend(problems)
    if not body.strip():
        errors["body"] = ["Write the message."]
    if errors:
        raise ValidationError(errors)
    others = MessageTemplate.objects.filter(team=team, is_active=True)
    if template is not None:
        others = others.exclude(pk=template.pk)
    if not confirm_similar:
        by_body = {t.body: t for t in others}
        similar = note_similar_earlier(note=body, earlier=by_body)
        if similar is not None:
            raise NearlyTheSame(by_body[similar])
    template = template or MessageTemplate(team=team)
    template.medium, template.kind, template.theme = medium, kind, theme
    template.subject, template.body, template.updated_by = subject.strip(), body.strip(), actor
    template.full_clean(exclude=["team", "updated_by"])
    template.save()
    return template


def message_template_retire(*, template: MessageTemplate, actor: User) -> None:
    """Take a template out of rotation. The last active one of a kind and theme stays: reps would lose their ready
    message for those attempts."""
    siblings = MessageTemplate.objects.filter(
        team_id=template.team_id, kind=template.kind, theme=template.theme, medium=template.medium, is_active=True
    ).exclude(pk=template.pk)
    if not siblings.exists():
        raise ValidationError("This is the only one of its kind: write another before retiring it.")
    MessageTemplate.objects.filter(pk=template.pk).update(is_active=False, updated_by=actor)
    template.is_active = False
