"""The planner reads a team's themes alone; it must offer what the whole library would."""

from __future__ import annotations

import pytest

from tests.factories import TeamFactory
from touches.models import Kind, MessageTemplate, Theme
from touches.selectors import message_templates_for_teams, themes_offered, themes_offered_for_teams

pytestmark = pytest.mark.django_db


def _message(team, *, theme: str, kind: str = Kind.REGULAR, is_active: bool = True) -> None:
    MessageTemplate.objects.create(
        team=team,
        medium="email",
        kind=kind,
        theme=theme,
        subject="Hello",
        body="Hello {first_name}",
        is_active=is_active,
    )


def test_the_themes_read_alone_are_the_themes_of_the_whole_library_for_every_kind_of_team():
    never_had_a_library = TeamFactory()
    only_invitations = TeamFactory()
    _message(only_invitations, theme=Theme.INVITATION)
    _message(only_invitations, theme=Theme.INVITATION)
    _message(only_invitations, theme=Theme.INFORMATION, is_active=False)
    only_retired_or_breakups = TeamFactory()
    _message(only_retired_or_breakups, theme=Theme.INTRODUCTION, is_active=False)
    _message(only_retired_or_breakups, theme=Theme.NONE, kind=Kind.BREAKUP)
    teams = [never_had_a_library.pk, only_invitations.pk, only_retired_or_breakups.pk]

    read_alone = themes_offered_for_teams(team_ids=teams)

    whole = {
        team_id: themes_offered(templates) for team_id, templates in message_templates_for_teams(team_ids=teams).items()
    }
    assert read_alone == whole
    assert read_alone[only_invitations.pk] == (Theme.INVITATION,)
    assert read_alone[only_retired_or_breakups.pk] == (Theme.INFORMATION, Theme.INVITATION, Theme.INTRODUCTION)
