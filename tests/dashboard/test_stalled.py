"""Which leads are stalled and why: one reason per kind of drift, several on one lead, filters and order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cadence.models import Enrollment
from crm.models import Prospect
from dashboard import stalled as board
from tests.dashboard.conftest import lead, planned

pytestmark = pytest.mark.django_db


def stalled(user, now, **filters) -> board.StalledPage:
    return board.stalled_page(user=user, now=now, filters=board.StalledFilters(**filters), limit=None)


def reasons_of(user, now, **filters) -> dict[str, list[str]]:
    return {row.prospect.name: [r.key for r in row.reasons] for row in stalled(user, now, **filters).rows}


def test_a_lead_touched_yesterday_with_nothing_overdue_is_not_stalled(maria, alice, now):
    fresh = lead(alice, now=now)
    planned(fresh, due_start=now + dt.timedelta(days=1))

    assert reasons_of(maria, now) == {}
    assert stalled(maria, now).summary["total"] == 0


def test_it_finds_an_overdue_follow_up_and_says_by_how_long(maria, alice, now):
    late = lead(alice, now=now)
    planned(late, due_start=now - dt.timedelta(days=3), overdue_since=now - dt.timedelta(days=3))

    rows = stalled(maria, now).rows

    assert [r.key for r in rows[0].reasons] == ["overdue"]
    assert "overdue by 3" in rows[0].reasons[0].detail
    assert rows[0].age_days == 3


def test_no_touch_follows_the_chosen_number_of_days_and_counts_from_a_reassignment(maria, alice, now):
    quiet = lead(alice, now=now, touched_days_ago=10)
    lead(alice, now=now, touched_days_ago=10, started_at=now - dt.timedelta(days=2))  # just handed over
    never = lead(alice, now=now, touched_days_ago=None, started_at=now - dt.timedelta(days=9))

    assert reasons_of(maria, now) == {quiet.prospect.name: ["no_touch"], never.prospect.name: ["no_touch"]}
    assert reasons_of(maria, now, idle_days=12) == {}


def test_a_paused_lead_is_not_stalled_for_lack_of_touches(maria, alice, now):
    lead(alice, now=now, touched_days_ago=30, status=Enrollment.Status.PAUSED)

    assert reasons_of(maria, now) == {}


def test_finished_cadences_and_blocked_handovers_wait_for_the_manager(maria, alice, now):
    done = lead(alice, now=now, last_action="wait", next_due_at=now - dt.timedelta(days=2))
    waiting = lead(alice, now=now, last_action="wait", next_due_at=now + dt.timedelta(days=2))
    blocked = lead(alice, now=now, last_action="reassign_blocked", planned_at=now - dt.timedelta(hours=5))

    found = reasons_of(maria, now)

    assert found == {done.prospect.name: ["finished"], blocked.prospect.name: ["blocked"]}
    assert waiting.prospect.name not in found


def test_connected_leads_without_a_next_step_or_past_its_date(maria, alice, now):
    drifting = lead(alice, now=now, touched_days_ago=2, status=Enrollment.Status.ENGAGED)
    just_talked = lead(alice, now=now, touched_days_ago=0.2, status=Enrollment.Status.ENGAGED)
    missed = lead(
        alice,
        now=now,
        status=Enrollment.Status.ENGAGED,
        next_step="Send lane pricing",
        next_step_due_at=now - dt.timedelta(days=1),
    )
    agreed = lead(
        alice,
        now=now,
        touched_days_ago=3,
        status=Enrollment.Status.ENGAGED,
        next_step="Call back with the budget",
        next_step_due_at=now + dt.timedelta(days=1),
    )

    found = reasons_of(maria, now)

    assert found == {drifting.prospect.name: ["no_next_step"], missed.prospect.name: ["next_step_passed"]}
    assert just_talked.prospect.name not in found
    assert agreed.prospect.name not in found


def test_snoozed_three_times_is_stalled_twice_is_not(maria, alice, now):
    snoozy = lead(alice, now=now, snooze_count=3)
    lead(alice, now=now, snooze_count=2)

    assert reasons_of(maria, now) == {snoozy.prospect.name: ["snoozed"]}


def test_high_value_leads_given_up_early_but_not_small_ones_or_old_ones(maria, alice, now):
    ended = {"status": Enrollment.Status.GAVE_UP, "gave_up_early": True, "ended_at": now - dt.timedelta(days=4)}
    whale = lead(alice, now=now, value="120000", **ended)
    lead(alice, now=now, value="2000", **ended)
    lead(alice, now=now, value="120000", **{**ended, "ended_at": now - dt.timedelta(days=200)})
    lead(alice, now=now, value="120000", **{**ended, "gave_up_early": False})

    assert reasons_of(maria, now) == {whale.prospect.name: ["gave_up_early"]}


def test_one_lead_shows_every_reason_it_has(maria, alice, now):
    mess = lead(alice, now=now, touched_days_ago=12, snooze_count=4)
    planned(mess, due_start=now - dt.timedelta(days=5), overdue_since=now - dt.timedelta(days=5))

    (row,) = stalled(maria, now).rows

    assert [r.key for r in row.reasons] == ["overdue", "no_touch", "snoozed"]
    assert row.age_days == 12  # from the oldest reason
    summary = stalled(maria, now).summary
    assert (summary["total"], summary["overdue"], summary["no_touch"], summary["snoozed"]) == (1, 1, 1, 1)


def test_filters_by_rep_value_and_reason_and_sorts_by_value_or_age(maria, alice, bob, now):
    a = lead(alice, now=now, touched_days_ago=20, value="5000")
    b = lead(bob, now=now, touched_days_ago=9, value="90000")
    c = lead(bob, now=now, snooze_count=5, value="30000")

    by = {"alice": a.prospect.name, "bob": b.prospect.name, "snoozed": c.prospect.name}
    assert list(reasons_of(maria, now)) == [by["bob"], by["snoozed"], by["alice"]]  # value, highest first
    assert list(reasons_of(maria, now, sort="-age"))[0] == by["alice"]
    assert list(reasons_of(maria, now, rep_id=alice.pk)) == [by["alice"]]
    assert list(reasons_of(maria, now, min_value=Decimal("20000"))) == [by["bob"], by["snoozed"]]
    assert list(reasons_of(maria, now, reason="snoozed")) == [by["snoozed"]]
    page = board.stalled_page(user=maria, now=now, filters=board.StalledFilters(sort="value"), offset=1, limit=1)
    assert [row.prospect.name for row in page.rows] == [by["snoozed"]]
    assert (page.total, page.summary["no_touch"], page.summary["snoozed"]) == (3, 2, 1)


def test_an_empty_page_still_brings_the_counts(maria, alice, now):
    lead(alice, now=now, touched_days_ago=20)

    page = board.stalled_page(user=maria, now=now, filters=board.StalledFilters(reason="snoozed"))

    assert (page.rows, page.total, page.summary["total"], page.summary["no_touch"]) == ([], 0, 1, 1)


def test_a_manager_only_sees_the_teams_they_manage(maria, otto, alice, carol, now):
    mine = lead(alice, now=now, touched_days_ago=20)
    theirs = lead(carol, now=now, touched_days_ago=20)

    assert list(reasons_of(maria, now)) == [mine.prospect.name]
    assert list(reasons_of(otto, now)) == [theirs.prospect.name]
    assert reasons_of(maria, now, team_id=otto.managed_teams.get().pk) == {}


def test_a_lead_moved_to_a_team_the_manager_does_not_run_leaves_their_list(maria, otto, alice, now):
    moving = lead(alice, now=now, touched_days_ago=20)
    assert list(reasons_of(maria, now)) == [moving.prospect.name]

    Prospect.objects.filter(pk=moving.prospect_id).update(team=otto.managed_teams.get())

    assert reasons_of(maria, now) == {}


def test_a_new_estimate_reorders_the_list_and_the_value_filter_at_once(maria, alice, now):
    small = lead(alice, now=now, touched_days_ago=20, value="1000")
    big = lead(alice, now=now, touched_days_ago=20, value="50000")
    small.prospect.estimated_value = Decimal("90000")
    small.prospect.save()

    assert list(reasons_of(maria, now)) == [small.prospect.name, big.prospect.name]
    assert list(reasons_of(maria, now, min_value=Decimal("60000"))) == [small.prospect.name]


def test_every_enrollment_carries_its_prospects_team_and_value_whichever_way_it_was_written(alice, now):
    created = lead(alice, now=now, value="1234.50")
    stale = Enrollment.objects.get(pk=created.pk)  # read before the value changes, then saved whole
    Prospect.objects.filter(pk=created.prospect_id).update(estimated_value=Decimal("99"))
    stale.snooze_count = 1
    stale.save()

    copy = Enrollment.objects.values("prospect_team_id", "prospect_value").get(pk=created.pk)

    assert copy == {"prospect_team_id": alice.team_id, "prospect_value": Decimal("99.00")}
