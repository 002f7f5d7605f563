from __future__ import annotations

import pytest

from cadence.selectors import follow_up_list_for_user
from tests.cadence.helpers import MONDAY_MORNING, enroll_and_plan
from tests.factories import ContactFactory, ProspectFactory

pytestmark = pytest.mark.django_db


def test_a_rep_sees_only_their_own_queue_and_a_manager_sees_the_teams(cadence, alice, bob, maria, carol):
    mine = enroll_and_plan(ProspectFactory(owner=alice, name="Mine"), now=MONDAY_MORNING)
    enroll_and_plan(ProspectFactory(owner=bob, name="Bob's"), now=MONDAY_MORNING)
    ContactFactory(prospect=mine.prospect)

    assert [f.prospect.name for f in follow_up_list_for_user(user=alice)] == ["Mine"]
    assert sorted(f.prospect.name for f in follow_up_list_for_user(user=maria)) == ["Bob's", "Mine"]
    assert list(follow_up_list_for_user(user=carol)) == []


def test_a_follow_up_left_behind_on_a_lead_handed_to_someone_else_is_not_in_the_old_reps_queue(cadence, alice, bob):
    enrollment = enroll_and_plan(ProspectFactory(owner=alice, name="Handed over"), now=MONDAY_MORNING)
    enrollment.prospect.owner = bob
    enrollment.prospect.save()

    assert list(follow_up_list_for_user(user=alice)) == []
