"""The dashboard page and its actions: who gets in, what they see, what a bulk action does or refuses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cadence.models import Enrollment, LeadEvent
from crm.models import Prospect
from tests.dashboard.conftest import lead, planned
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/dashboard/"
ACTION = "/dashboard/actions/"


@pytest.fixture
def stalled(alice, now):
    """Three of Alice's leads that nobody has touched for ten days."""
    return [lead(alice, now=now, touched_days_ago=10) for _ in range(3)]


def test_the_url_names_are_what_the_nav_and_the_benchmark_use():
    assert reverse("dashboard") == URL
    assert reverse("dashboard_action") == ACTION


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_rep_gets_403_on_the_page_the_csvs_and_the_actions(client, alice, stalled):
    client.force_login(alice)

    assert client.get(URL).status_code == 403
    assert client.get("/dashboard/stalled.csv").status_code == 403
    assert client.get("/dashboard/charts/persistence.csv").status_code == 403
    response = client.post(ACTION, {"action": "pause", "leads": [stalled[0].prospect_id]})
    assert response.status_code == 403
    assert Enrollment.objects.get(pk=stalled[0].pk).status == Enrollment.Status.ACTIVE


def test_the_manager_sees_the_stalled_leads_the_rep_table_and_the_charts(client, maria, alice, stalled):
    client.force_login(maria)

    response = client.get(URL)

    body = response.content.decode()
    assert response.status_code == 200
    for row in stalled:
        assert row.prospect.name in body
    assert "No touch for" in body
    assert "Rep persistence and results, last 30 days" in body
    assert 'data-chart="persistence"' in body and 'data-chart="attempts"' in body
    assert 'id="dashboard-chart-data"' in body
    assert "vendor/chartjs/chart.umd.js" in body
    assert '<a href="/dashboard/" aria-current="page">Dashboard</a>' in body


def test_a_manager_of_another_team_sees_nothing_of_it_and_cannot_act_on_it(client, otto, alice, stalled):
    client.force_login(otto)

    body = client.get(URL).content.decode()
    response = client.post(ACTION, {"action": "pause", "leads": [stalled[0].prospect_id]})

    assert stalled[0].prospect.name not in body
    assert "Alice" not in body
    assert response.status_code == 404
    assert Enrollment.objects.get(pk=stalled[0].pk).status == Enrollment.Status.ACTIVE
    csv = b"".join(client.get("/dashboard/stalled.csv").streaming_content).decode()
    assert stalled[0].prospect.name not in csv


def test_a_team_the_manager_does_not_run_is_an_ignored_filter(client, maria, otto, alice, carol, stalled, now):
    theirs = lead(carol, now=now, touched_days_ago=10)
    client.force_login(maria)

    body = client.get(URL, {"team": otto.managed_teams.get().pk}).content.decode()

    assert theirs.prospect.name not in body
    assert "Select a valid choice" in body


def test_the_reassign_list_offers_each_available_rep_with_their_open_leads(client, maria, alice, bob, now):
    for _ in range(3):
        lead(alice, now=now, touched_days_ago=10)
    lead(bob, now=now)
    bob.is_available = False
    bob.save(update_fields=["is_available"])
    client.force_login(maria)

    body = client.get(URL).content.decode()

    reassign = body[body.index('id="action-to"') : body.index("</select>", body.index('id="action-to"'))]
    assert f'<option value="{alice.pk}">{alice} · {alice.team.name} (3 open)</option>' in reassign
    assert f'value="{bob.pk}"' not in reassign
    rep_filter = body[body.index('id="filter-rep"') : body.index("</select>", body.index('id="filter-rep"'))]
    assert f'value="{alice.pk}"' in rep_filter and f'value="{bob.pk}"' in rep_filter
    assert 'id="filter-team"' not in body  # one team: nothing to choose


def test_a_manager_of_two_teams_picks_one_and_sees_only_its_leads(client, maria, alice, carol, other_team, now):
    other_team.managers.add(maria)
    east = lead(alice, now=now, touched_days_ago=10)
    west = lead(carol, now=now, touched_days_ago=10)
    client.force_login(maria)

    both = client.get(URL).content.decode()
    west_only = client.get(URL, {"team": other_team.pk}).content.decode()

    teams = both[both.index('id="filter-team"') : both.index("</select>", both.index('id="filter-team"'))]
    assert "All my teams" in teams and "Freight East" in teams and "Harbor West" in teams
    assert east.prospect.name in both and west.prospect.name in both
    assert west.prospect.name in west_only and east.prospect.name not in west_only


def page_queries(client, maria) -> int:
    client.force_login(maria)
    client.get(URL)  # warm the session and content types
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_for_3_or_30_stalled_leads(client, maria, alice, bob, now):
    for owner in (alice, bob, alice):
        late = lead(owner, now=now, touched_days_ago=12, snooze_count=3)
        planned(late, due_start=now - dt.timedelta(days=2))
    few = page_queries(client, maria)
    for n in range(27):
        late = lead(alice if n % 2 else bob, now=now, touched_days_ago=12, snooze_count=3)
        planned(late, due_start=now - dt.timedelta(days=2))

    many = page_queries(client, maria)

    assert few == many == 17  # 15, and speed to lead: the inbound leads by way in, and those waiting


def test_the_htmx_paging_request_renders_only_the_stalled_list(client, maria, alice, now):
    for _ in range(30):
        lead(alice, now=now, touched_days_ago=10)
    client.force_login(maria)

    response = client.get(URL, {"page": 2}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="stalled")

    body = response.content.decode()
    assert body.lstrip().startswith('<section id="stalled"')
    assert "Page 2 of 2" in body
    assert "<html" not in body and "Rep persistence" not in body


def test_reassigning_to_a_chosen_rep_hands_over_and_records_the_manager(client, maria, alice, bob, stalled):
    client.force_login(maria)
    ids = [row.prospect_id for row in stalled[:2]]

    response = client.post(ACTION, {"action": "reassign", "leads": ids, "to": bob.pk, "reason": "Alice is swamped"})

    assert response.status_code == 302
    assert set(Prospect.objects.filter(pk__in=ids).values_list("owner__username", flat=True)) == {"bob"}
    events = LeadEvent.objects.filter(prospect_id__in=ids, kind=LeadEvent.Kind.REASSIGNED)
    assert events.count() == 2
    assert all(e.actor == maria and "Alice is swamped" in e.detail for e in events)
    assert Enrollment.objects.filter(prospect_id__in=ids, owner=bob, status=Enrollment.Status.ACTIVE).count() == 2


def test_reassigning_without_a_rep_picks_the_least_loaded_available_one(client, maria, alice, bob, team, stalled, now):
    UserFactory(username="dana", team=team, is_available=False)  # away: never picked
    lead(bob, now=now)  # Bob has one lead; a new rep has none
    erin = UserFactory(username="erin", team=team)
    client.force_login(maria)

    client.post(ACTION, {"action": "reassign", "leads": [stalled[0].prospect_id], "to": ""})

    assert Prospect.objects.get(pk=stalled[0].prospect_id).owner == erin


def test_extend_pause_and_give_up_go_through_the_services_and_the_history(client, maria, stalled):
    client.force_login(maria)
    first, second, third = (row.prospect_id for row in stalled)

    client.post(ACTION, {"action": "extend", "leads": [first], "extra_touches": 3})
    client.post(ACTION, {"action": "pause", "leads": [second], "pause_until": ""})
    client.post(ACTION, {"action": "give_up", "leads": [third], "reason": "No budget this year"})

    assert Enrollment.objects.get(pk=stalled[0].pk).extra_touches == 3
    assert Enrollment.objects.get(pk=stalled[1].pk).status == Enrollment.Status.PAUSED
    given_up = Enrollment.objects.get(pk=stalled[2].pk)
    assert given_up.status == Enrollment.Status.GAVE_UP
    assert given_up.gave_up_early  # no attempts logged in this cadence round: recorded as early
    kinds = dict(LeadEvent.objects.filter(actor=maria).values_list("prospect_id", "kind"))
    assert kinds == {first: "extended", second: "paused", third: "gave_up"}


def test_the_managers_note_goes_into_the_history_with_an_extension_or_a_pause(client, maria, stalled):
    client.force_login(maria)
    first, second = (row.prospect_id for row in stalled[:2])

    client.post(ACTION, {"action": "extend", "leads": [first], "extra_touches": 2, "reason": "CFO back Monday"})
    client.post(ACTION, {"action": "pause", "leads": [second], "pause_until": "", "reason": "Budget freeze"})

    details = dict(LeadEvent.objects.filter(actor=maria).values_list("prospect_id", "detail"))
    assert details == {first: "2 more attempts: CFO back Monday", second: "Until resumed: Budget freeze"}


def test_bad_input_says_what_is_wrong_and_changes_nothing(client, maria, stalled):
    client.force_login(maria)
    ids = [row.prospect_id for row in stalled]

    no_leads = client.post(ACTION, {"action": "pause"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="stalled")
    no_count = client.post(ACTION, {"action": "extend", "leads": ids}, HTTP_HX_REQUEST="true")
    too_many = client.post(ACTION, {"action": "extend", "leads": ids, "extra_touches": 99}, HTTP_HX_REQUEST="true")
    garbage = client.post(ACTION, {"action": "pause", "leads": ["1; drop table"]}, HTTP_HX_REQUEST="true")

    assert "Select at least one lead." in no_leads.content.decode()
    assert "Say how many more attempts" in no_count.content.decode()
    assert "Nothing was changed" in too_many.content.decode()
    assert "could not be read" in garbage.content.decode()
    assert not LeadEvent.objects.exists()
    assert all(e.extra_touches == 0 for e in Enrollment.objects.all())


def test_one_refused_lead_rolls_back_the_whole_batch(client, maria, alice, stalled, now):
    ended = lead(alice, now=now, status=Enrollment.Status.GAVE_UP, ended_at=now - dt.timedelta(days=1))
    client.force_login(maria)
    ids = [stalled[0].prospect_id, ended.prospect_id]

    response = client.post(ACTION, {"action": "pause", "leads": ids}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="stalled")

    body = response.content.decode()
    assert "Nothing was changed" in body and "its cadence has ended" in body
    assert Enrollment.objects.get(pk=stalled[0].pk).status == Enrollment.Status.ACTIVE
    assert not LeadEvent.objects.exists()
    assert f'value="{stalled[0].prospect_id}" id="pick-{stalled[0].prospect_id}"\n                checked' in body


def test_reassigning_to_the_current_owner_or_an_away_rep_is_refused(client, maria, alice, team, stalled):
    away = UserFactory(username="vacationing", team=team, is_available=False)
    client.force_login(maria)
    lead_id = stalled[0].prospect_id

    same = client.post(ACTION, {"action": "reassign", "leads": [lead_id], "to": alice.pk}, HTTP_HX_REQUEST="true")
    gone = client.post(ACTION, {"action": "reassign", "leads": [lead_id], "to": away.pk}, HTTP_HX_REQUEST="true")

    assert "cannot take this lead" in same.content.decode()
    assert "Pick an available rep of your teams." in gone.content.decode()
    assert Prospect.objects.get(pk=lead_id).owner == alice


def test_nobody_available_to_take_the_lead_is_an_error_not_a_silent_no_op(client, maria, alice, stalled):
    client.force_login(maria)  # Alice is the only rep: nobody else can take her lead

    response = client.post(ACTION, {"action": "reassign", "leads": [stalled[0].prospect_id]}, HTTP_HX_REQUEST="true")

    assert "nobody else on Freight East is available" in response.content.decode()
    assert Prospect.objects.get(pk=stalled[0].prospect_id).owner == alice
    assert not LeadEvent.objects.exists()


def test_an_htmx_action_swaps_the_list_with_a_confirmation(client, maria, stalled):
    client.force_login(maria)
    query = "reason=no_touch&sort=-age"

    response = client.post(
        ACTION,
        {"action": "extend", "leads": [stalled[0].prospect_id], "extra_touches": 2, "query": query},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="stalled",
    )

    body = response.content.decode()
    assert body.lstrip().startswith('<section id="stalled"')
    assert "1 lead:" in body and "extended by 2" in body
    assert 'name="query" value="reason=no_touch&amp;sort=-age"' in body


def test_without_js_an_action_redirects_back_to_the_same_filters(client, maria, stalled):
    client.force_login(maria)

    response = client.post(
        ACTION, {"action": "extend", "leads": [stalled[0].prospect_id], "extra_touches": 1, "query": "sort=-age"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/?sort=-age"
    assert Enrollment.objects.get(pk=stalled[0].pk).extra_touches == 1
