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


def test_a_lead_whose_owner_is_edited_moves_to_the_new_owners_queue_with_its_cadence(cadence, alice, bob):
    prospect = ContactFactory(prospect__owner=alice, prospect__name="Handed over").prospect
    enrollment = enroll_and_plan(prospect, now=MONDAY_MORNING)
    assert len(follow_up_list_for_user(user=alice)) == 1
    enrollment.prospect.owner = bob  # as the admin would: not through prospect_reassign
    enrollment.prospect.save()

    assert list(follow_up_list_for_user(user=alice)) == []
    assert [f.prospect.name for f in follow_up_list_for_user(user=bob)] == ["Handed over"]
    enrollment.refresh_from_db()
    assert enrollment.owner == bob


def test_a_reps_queue_is_one_query_that_walks_the_rep_due_index(cadence, alice):
    from django.db import connection

    enroll_and_plan(ContactFactory(prospect__owner=alice).prospect, now=MONDAY_MORNING)
    sql, params = follow_up_list_for_user(user=alice)[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        # A tiny table, whose size on disk depends on the tests that ran before: ask which index walks the queue in
        # its order, not whether PostgreSQL would bother with one (nor sort instead).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "follow_up_queue_idx" in plan
    assert "owner_id" not in plan
