from __future__ import annotations

import pytest

from cadence.selectors import follow_up_list_for_user
from tests.cadence.helpers import MONDAY_MORNING, enroll_and_plan
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_a_rep_sees_only_their_own_queue_and_a_manager_sees_the_teams(cadence, alice, bob, maria, carol):
    for owner, name in [(alice, "Mine"), (bob, "Bob's")]:
        enroll_and_plan(ContactFactory(prospect__owner=owner, prospect__name=name).prospect, now=MONDAY_MORNING)

    assert [f.prospect.name for f in follow_up_list_for_user(user=alice)] == ["Mine"]
    assert sorted(f.prospect.name for f in follow_up_list_for_user(user=maria)) == ["Bob's", "Mine"]
    assert list(follow_up_list_for_user(user=carol)) == []


def test_a_follow_up_left_behind_on_a_lead_handed_to_someone_else_is_not_in_the_old_reps_queue(cadence, alice, bob):
    prospect = ContactFactory(prospect__owner=alice, prospect__name="Handed over").prospect
    enrollment = enroll_and_plan(prospect, now=MONDAY_MORNING)
    assert len(follow_up_list_for_user(user=alice)) == 1
    enrollment.prospect.owner = bob
    enrollment.prospect.save()

    assert list(follow_up_list_for_user(user=alice)) == []
