from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cadence.services import enrollment_create
from crm.models import Prospect
from tests.api.conftest import client_for
from tests.cadence.helpers import MONDAY_MORNING
from tests.factories import ContactFactory, ProspectFactory

pytestmark = pytest.mark.django_db


def enroll_many(owner, count: int, captured) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=False), captured(execute=True):
        for n in range(count):
            prospect = ProspectFactory(owner=owner, name=f"Lead {n:02d}")
            ContactFactory(prospect=prospect)
            enrollment_create(prospect=prospect, now=MONDAY_MORNING)


def test_a_rep_lists_their_own_prospects_with_the_next_follow_up(
    api, alice, bob, cadence, django_capture_on_commit_callbacks
):
    enroll_many(alice, 2, django_capture_on_commit_callbacks)
    ProspectFactory(owner=bob)

    body = api.get("/api/v1/prospects/").json()

    assert len(body["results"]) == 2 and body["next"] is None
    shown = body["results"][0]["next_follow_up"]
    assert shown["channel"] == "call"
    assert shown["reason"].startswith("Attempt 1")
    assert {"due_start", "due_end", "kind", "theme"} <= set(shown)


def test_a_manager_sees_the_teams_prospects(maria, alice, bob, carol, prospect):
    ProspectFactory(owner=bob)
    ProspectFactory(owner=carol)

    body = client_for(maria).get("/api/v1/prospects/").json()

    assert len(body["results"]) == 2


@pytest.mark.parametrize("rows", [3, 30])
def test_the_prospect_list_costs_the_same_queries_for_3_or_30_rows(
    rows, alice, cadence, django_capture_on_commit_callbacks, django_assert_num_queries
):
    from rest_framework.test import APIClient

    enroll_many(alice, rows, django_capture_on_commit_callbacks)
    client = APIClient()
    client.force_authenticate(alice)

    # the page's ids (each visibility branch read in its index's order), the rows, their planned follow-ups
    with django_assert_num_queries(3):
        response = client.get("/api/v1/prospects/", {"page_size": 100})

    assert len(response.json()["results"]) == rows
    assert all(p["next_follow_up"] for p in response.json()["results"])


def test_pages_follow_one_another_by_name_each_prospect_once_even_when_one_is_added_meanwhile(maria, alice, team):
    names = ["Delta", "Alpha", "Echo", "Charlie", "Bravo"]
    for name in names:
        ProspectFactory(owner=alice, team=team, name=name)
    ProspectFactory(owner=maria, team=team, name="Foxtrot")  # her own lead, in her team: two branches, one row
    api = client_for(maria)

    seen, url = [], "/api/v1/prospects/?page_size=2"
    while url:
        body = api.get(url).json()
        seen += [row["name"] for row in body["results"]]
        if len(seen) == 2:
            ProspectFactory(owner=alice, team=team, name="Able")  # sorts before the page just read
        url = body["next"]

    assert seen == ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"]


def test_the_list_pages_by_cursor_and_says_so_to_a_client_asking_for_a_page_number(api, prospect):
    assert api.get("/api/v1/prospects/", {"page": 2}).status_code == 400
    assert "cursor" in api.get("/api/v1/prospects/", {"page": 2}).json()["fields"]["page"][0]
    assert api.get("/api/v1/prospects/", {"cursor": "not-one-of-ours"}).status_code == 400


def test_with_a_token_the_list_adds_only_the_token_lookup(api, alice, prospect):
    with CaptureQueriesContext(connection) as queries:
        api.get("/api/v1/prospects/")

    assert len(queries) == 4


def test_another_reps_prospect_is_404_whatever_the_method(carol_api, prospect):
    url = f"/api/v1/prospects/{prospect.pk}/"

    assert carol_api.get(url).status_code == 404
    assert carol_api.patch(url, {"name": "Mine now"}, format="json").status_code == 404
    prospect.refresh_from_db()
    assert prospect.name == "Globex Freight"


def test_filters_validate_their_values(api, prospect):
    assert len(api.get("/api/v1/prospects/", {"status": "active"}).json()["results"]) == 1
    assert len(api.get("/api/v1/prospects/", {"status": "won"}).json()["results"]) == 0
    assert len(api.get("/api/v1/prospects/", {"owner": prospect.owner_id}).json()["results"]) == 1
    after = api.get("/api/v1/prospects/", {"updated_after": "2000-01-01T00:00:00+00:00"})
    assert len(after.json()["results"]) == 1

    unknown = api.get("/api/v1/prospects/", {"status": "sleeping"})
    naive = api.get("/api/v1/prospects/", {"updated_after": "2000-01-01T00:00:00"})

    assert unknown.status_code == naive.status_code == 400
    assert "status" in unknown.json()["fields"]
    assert "time zone" in naive.json()["fields"]["updated_after"][0]


def test_an_unencoded_plus_in_an_offset_is_understood(api, prospect):
    response = api.get("/api/v1/prospects/?updated_after=2000-01-01T00:00:00+00:00")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_a_prospect_carries_an_etag_that_changes_when_it_changes(api, prospect):
    url = f"/api/v1/prospects/{prospect.pk}/"
    first = api.get(url)

    updated = api.patch(url, {"name": "Globex"}, format="json", HTTP_IF_MATCH=first["ETag"])

    assert updated.status_code == 200
    assert updated.json()["name"] == "Globex"
    assert updated["ETag"] != first["ETag"]
    assert updated.json()["etag"] == updated["ETag"]


def test_a_stale_if_match_is_412_and_writes_nothing(api, prospect):
    url = f"/api/v1/prospects/{prospect.pk}/"
    stale = api.get(url)["ETag"]
    api.patch(url, {"name": "Globex"}, format="json", HTTP_IF_MATCH=stale)

    response = api.patch(url, {"name": "Initech"}, format="json", HTTP_IF_MATCH=stale)

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    prospect.refresh_from_db()
    assert prospect.name == "Globex"


def test_put_replaces_every_writable_field_and_checks_if_match(api, prospect):
    url = f"/api/v1/prospects/{prospect.pk}/"
    current = api.get(url)
    body = {
        "name": "Globex",
        "estimated_value": "2500.00",
        "country": "DE",
        "timezone": "Europe/Berlin",
        "source": "referral",
        "is_right_buyer": "yes",
        "buys_what_we_sell": "no",
        "still_there": "unknown",
        "recycle_on": None,
    }

    missing = api.put(url, {"name": "Globex"}, format="json")
    stale = api.put(url, body, format="json", HTTP_IF_MATCH='"nope"')
    done = api.put(url, body, format="json", HTTP_IF_MATCH=current["ETag"])

    assert (missing.status_code, stale.status_code, done.status_code) == (400, 412, 200)
    prospect.refresh_from_db()
    assert (prospect.country, prospect.is_right_buyer) == ("DE", "yes")


def test_model_validation_errors_are_400_not_500(api, prospect):
    response = api.patch(f"/api/v1/prospects/{prospect.pk}/", {"timezone": "Mars/Olympus"}, format="json")

    assert response.status_code == 400
    assert "timezone" in response.json()["fields"]
    assert Prospect.objects.get(pk=prospect.pk).timezone == "America/New_York"


def test_contacts_have_etags_and_refuse_stale_writes(api, carol_api, prospect):
    joe = ContactFactory(prospect=prospect)
    url = f"/api/v1/contacts/{joe.pk}/"
    etag = api.get(url)["ETag"]

    assert api.patch(url, {"title": "CFO"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    assert api.patch(url, {"title": "CEO"}, format="json", HTTP_IF_MATCH=etag).status_code == 412
    assert carol_api.get(url).status_code == 404
    assert api.get("/api/v1/contacts/", {"prospect": prospect.pk}).json()["count"] == 1
    joe.refresh_from_db()
    assert joe.title == "CFO"


@pytest.mark.parametrize("path", ["/api/v1/prospects/?owner=1&owner=2", "/api/v1/touches/?rep=false&rep=0.0"])
def test_a_filter_given_twice_is_refused_not_read_as_its_last_value(api, prospect, path):
    response = api.get(path)

    assert response.status_code == 400
    assert "Give this parameter once." in str(response.json()["fields"])
