from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from cadence.models import FollowUp
from tests.factories import CadenceFactory, ContactFactory, EnrollmentFactory, ProspectFactory

pytestmark = pytest.mark.django_db


def planned_for(owner, name: str, cadence) -> FollowUp:
    prospect = ProspectFactory(owner=owner, name=name)
    contact = ContactFactory(prospect=prospect)
    enrollment = EnrollmentFactory(prospect=prospect, cadence=cadence)
    start = timezone.now() + dt.timedelta(days=1)
    return FollowUp.objects.create(
        enrollment=enrollment,
        rep=owner,
        prospect=prospect,
        contact=contact,
        attempt=1,
        due_start=start,
        due_end=start + dt.timedelta(hours=1),
        channel="call",
        reason="Attempt 1 of 8 · first try",
    )


@pytest.fixture
def team_cadence(team):
    return CadenceFactory(team=team)


def test_a_rep_gets_a_private_feed_of_their_follow_ups(client, alice, bob, team_cadence):
    planned_for(alice, "Globex Freight", team_cadence)
    planned_for(bob, "Bob Account", team_cadence)
    client.force_login(alice)
    client.post(reverse("calendar_settings"), {"action": "rotate"})
    alice.refresh_from_db()
    client.logout()

    response = client.get(reverse("calendar_feed", args=[alice.calendar_token]))

    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Call Globex Freight · " + FollowUp.objects.first().contact.name]
    assert "Attempt 1 of 8" in str(events[0]["description"])


def test_a_new_address_revokes_the_old_one_and_turning_it_off_revokes_all(client, alice):
    client.force_login(alice)
    client.post(reverse("calendar_settings"), {"action": "rotate"})
    alice.refresh_from_db()
    old = alice.calendar_token

    client.post(reverse("calendar_settings"), {"action": "rotate"})
    alice.refresh_from_db()
    assert client.get(reverse("calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("calendar_feed", args=[alice.calendar_token])).status_code == 200

    client.post(reverse("calendar_settings"), {"action": "revoke"})
    assert client.get(reverse("calendar_feed", args=[alice.calendar_token])).status_code == 404


def test_a_guessed_token_finds_nothing(client, alice):
    assert client.get(reverse("calendar_feed", args=["x" * 43])).status_code == 404


def test_the_feed_costs_the_same_queries_for_3_and_30_follow_ups(
    client, alice, team_cadence, django_assert_num_queries
):
    alice.calendar_token = "t" * 43
    alice.save()
    url = reverse("calendar_feed", args=[alice.calendar_token])
    for i in range(3):
        planned_for(alice, f"P{i}", team_cadence)
    with django_assert_num_queries(2):
        client.get(url)
    for i in range(3, 30):
        planned_for(alice, f"P{i}", team_cadence)
    with django_assert_num_queries(2):
        response = client.get(url)
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 30
