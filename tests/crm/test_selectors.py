from __future__ import annotations

import pytest

from crm.selectors import prospect_list_visible
from tests.factories import ManagerFactory, ProspectFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_rep_sees_only_the_prospects_they_own(alice, bob, prospect):
    bobs = ProspectFactory(owner=bob)

    assert list(prospect_list_visible(user=alice)) == [prospect]
    assert list(prospect_list_visible(user=bob)) == [bobs]


def test_a_manager_sees_every_prospect_of_the_teams_they_manage(maria, alice, bob, carol, prospect):
    bobs = ProspectFactory(owner=bob)
    ProspectFactory(owner=carol)

    assert set(prospect_list_visible(user=maria)) == {prospect, bobs}


def test_a_team_with_two_managers_does_not_repeat_its_prospects(maria, team, prospect):
    ManagerFactory(manages=[team])

    assert list(prospect_list_visible(user=maria)) == [prospect]


def test_a_manager_does_not_see_a_team_they_do_not_manage(maria):
    other_team = TeamFactory()
    ProspectFactory(owner=UserFactory(team=other_team))

    assert list(prospect_list_visible(user=maria)) == []


def test_an_inactive_user_sees_nothing(alice, prospect):
    alice.is_active = False
    alice.save()

    assert list(prospect_list_visible(user=alice)) == []


def test_an_anonymous_user_sees_nothing(prospect):
    from django.contrib.auth.models import AnonymousUser

    assert list(prospect_list_visible(user=AnonymousUser())) == []
