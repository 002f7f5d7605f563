from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import Prospect
from tests.dashboard.conftest import planned
from tests.factories import ContactFactory, EnrollmentFactory, ProspectFactory

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [p.name for p in response.context["page"].object_list]


def test_search_finds_prospects_by_name_contact_name_phone_and_email(client, alice):
    globex = ProspectFactory(owner=alice, name="Globex Freight")
    ContactFactory(prospect=globex, name="Joe Buyer", phone="+1 (212) 555-0199", email="joe@globex.example")
    ProspectFactory(owner=alice, name="Initech")
    client.force_login(alice)
    url = reverse("prospect_list")

    for q in ["globex", "Joe Buy", "2125550199", "555-0199", "joe@globex"]:
        assert names(client.get(url, {"q": q})) == ["Globex Freight"], q


def test_filters_by_status_owner_cadence_state_and_value(client, maria, alice, bob):
    ProspectFactory(owner=alice, name="Small", estimated_value=Decimal("1000"))
    ProspectFactory(owner=alice, name="Big", estimated_value=Decimal("90000"))
    ProspectFactory(owner=bob, name="Bob Won", status=Prospect.Status.WON)
    client.force_login(maria)
    url = reverse("prospect_list")

    assert names(client.get(url, {"status": "won"})) == ["Bob Won"]
    assert names(client.get(url, {"owner": alice.pk})) == ["Big", "Small"]
    assert names(client.get(url, {"value_min": "50000"})) == ["Big"]
    assert names(client.get(url, {"cadence": "none", "sort": "-value"})) == ["Big", "Bob Won", "Small"]


def test_a_rep_lists_only_their_own_prospects(client, alice, bob):
    ProspectFactory(owner=bob, name="Bob's")
    ProspectFactory(owner=alice, name="Alice's")
    client.force_login(alice)

    assert names(client.get(reverse("prospect_list"))) == ["Alice's"]


def test_a_value_range_upside_down_is_explained(client, alice):
    client.force_login(alice)

    response = client.get(reverse("prospect_list"), {"value_min": "10", "value_max": "5"})

    assert "Must not be below" in response.content.decode()


def test_the_list_paginates_and_costs_the_same_queries_for_3_and_30_rows(client, alice, django_assert_num_queries):
    client.force_login(alice)
    for i in range(3):
        ProspectFactory(owner=alice, name=f"P{i:02d}")
    # session, user, owners, imports and the team's fields for the filters, count, the page's ids (each visibility
    # branch in its index's order), the page's rows
    with django_assert_num_queries(8):
        client.get(reverse("prospect_list"))
    for i in range(3, 30):
        ProspectFactory(owner=alice, name=f"P{i:02d}")
    with django_assert_num_queries(8):
        first = client.get(reverse("prospect_list"))
    second = client.get(reverse("prospect_list"), {"page": 2})

    assert len(names(first)) == 25 and len(names(second)) == 5


def test_names_are_escaped_in_the_list(client, alice):
    ProspectFactory(owner=alice, name="<img src=x onerror=alert(1)>")
    client.force_login(alice)

    assert "<img src=x" not in client.get(reverse("prospect_list")).content.decode()


def test_the_next_follow_up_shows_on_the_reps_own_clock(client, alice):
    alice.timezone = "America/New_York"
    alice.save()
    enrollment = EnrollmentFactory(prospect=ProspectFactory(owner=alice, name="Globex"), owner=alice)
    planned(enrollment, due_start=dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC))
    client.force_login(alice)

    page = client.get(reverse("prospect_list")).content.decode()

    assert "Wed 2 Dec 10:00" in page  # 15:00 UTC is 10 am in New York


def test_recently_updated_lists_a_reps_own_and_covered_leads_newest_first_page_by_page(
    client, alice, bob, carol, team, django_assert_num_queries
):
    from django.utils import timezone

    now = timezone.now()
    for n in range(30):
        lead = ProspectFactory(owner=alice if n % 3 else bob, team=team, covered_by=None if n % 3 else alice)
        Prospect.objects.filter(pk=lead.pk).update(name=f"Lead {n:02d}", updated_at=now - dt.timedelta(hours=n))
    ProspectFactory(owner=carol, name="Not Alice's")
    client.force_login(alice)
    url = reverse("prospect_list")

    with django_assert_num_queries(8):
        first = client.get(url, {"sort": "-updated"})
    second = client.get(url, {"sort": "-updated", "page": 2})

    assert names(first) == [f"Lead {n:02d}" for n in range(25)]
    assert names(second) == [f"Lead {n:02d}" for n in range(25, 30)]
