"""Reads of the touches app."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from touches.message_library import GENERIC_LIBRARY, MessageDraft
from touches.models import Kind, MessageTemplate, Theme

THEME_ORDER = (Theme.INFORMATION, Theme.INVITATION, Theme.INTRODUCTION)


def message_templates_for_teams(*, team_ids: Iterable[int]) -> dict[int, Sequence[MessageTemplate | MessageDraft]]:
    """Each team's active ready messages, in one query. A team that never had a library gets the generic one it
    will start from (seeded when a manager first opens it)."""
    team_ids = set(team_ids)
    found: dict[int, list[MessageTemplate | MessageDraft]] = {team_id: [] for team_id in team_ids}
    seen: set[int] = set()
    for template in MessageTemplate.objects.filter(team_id__in=team_ids).order_by("pk"):
        seen.add(template.team_id)
        if template.is_active:
            found[template.team_id].append(template)
    for team_id in team_ids - seen:
        found[team_id] = list(GENERIC_LIBRARY)
    return found


def themes_offered(templates: Sequence[MessageTemplate | MessageDraft]) -> tuple[Theme, ...]:
    """The three I's a team has regular messages for, in their rotation order (all three if it has none)."""
    have = {t.theme for t in templates if t.kind == Kind.REGULAR}
    return tuple(theme for theme in THEME_ORDER if theme in have) or THEME_ORDER
