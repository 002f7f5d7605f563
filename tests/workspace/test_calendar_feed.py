from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from cadence.models import FollowUp
from crm.calendar_tokens import (
    calendar_token_hash,
    calendar_token_revoke,
    calendar_token_rotate,
    user_get_by_calendar_token,
)
from crm.models import User
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
        attempt_of=8,
        due_start=start,
        due_end=start + dt.timedelta(hours=1),
        channel="call",
        reason="Attempt 1 of 8 · first try",
    )


@pytest.fixture
def team_cadence(team):
    return CadenceFactory(team=team)


def shown_token(response) -> str:
    """The token in the feed address the page shows (once, right after the rep creates it)."""
    match = re.search(r'value="http://testserver/calendar/([^"/]+)\.ics"', response.content.decode())
    assert match, "the page shows no feed address"
    return match.group(1)


def test_a_rep_gets_a_private_feed_of_their_follow_ups(client, alice, bob, team_cadence):
    planned_for(alice, "Globex Freight", team_cadence)
    planned_for(bob, "Bob Account", team_cadence)
    client.force_login(alice)
    token = shown_token(client.post(reverse("calendar_settings"), {"action": "rotate"}))
    client.logout()

    response = client.get(reverse("calendar_feed", args=[token]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Cache-Control"] == "private, max-age=300"
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Call Globex Freight · " + FollowUp.objects.first().contact.name]
    assert "Attempt 1 of 8" in str(events[0]["description"])


def test_a_new_address_revokes_the_old_one_and_turning_it_off_revokes_all(client, alice):
    client.force_login(alice)
    old = shown_token(client.post(reverse("calendar_settings"), {"action": "rotate"}))

    new = shown_token(client.post(reverse("calendar_settings"), {"action": "rotate"}))
    assert client.get(reverse("calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("calendar_feed", args=[new])).status_code == 200

    response = client.post(reverse("calendar_settings"), {"action": "revoke"}, follow=True)
    assert "Calendar feed turned off" in response.content.decode()
    assert client.get(reverse("calendar_feed", args=[new])).status_code == 404


def test_the_database_keeps_only_the_hash_of_the_token(alice):
    token = calendar_token_rotate(user=alice)

    alice.refresh_from_db()
    assert len(token) >= 43
    assert alice.calendar_token_hash == calendar_token_hash(token=token)
    assert not User.objects.filter(calendar_token_hash=token).exists()
    assert token not in {str(value) for value in User.objects.filter(pk=alice.pk).values().get().values()}


def test_the_hash_is_the_sha256_of_the_token_in_hex():
    assert calendar_token_hash(token="abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_a_token_finds_its_rep_until_it_is_revoked(alice, bob):
    token = calendar_token_rotate(user=alice)
    calendar_token_rotate(user=bob)
    assert user_get_by_calendar_token(token=token) == alice

    calendar_token_revoke(user=alice)

    assert user_get_by_calendar_token(token=token) is None
    assert User.objects.get(pk=alice.pk).calendar_token_hash is None


def test_a_deactivated_rep_s_feed_is_gone(client, alice):
    token = calendar_token_rotate(user=alice)
    User.objects.filter(pk=alice.pk).update(is_active=False)

    assert client.get(reverse("calendar_feed", args=[token])).status_code == 404


def test_the_address_is_shown_once_right_after_it_is_created(client, alice):
    client.force_login(alice)
    assert "Create my calendar address" in client.get(reverse("calendar_settings")).content.decode()

    created = client.post(reverse("calendar_settings"), {"action": "rotate"})
    token = shown_token(created)
    assert "the only time Pursuit shows it" in created.content.decode()

    later = client.get(reverse("calendar_settings")).content.decode()
    assert token not in later
    assert "Your calendar feed is on" in later
    assert "Replace with a new address" in later
    assert "Turn the feed off" in later


def test_the_page_that_shows_the_address_is_never_cached(client, alice):
    client.force_login(alice)

    response = client.post(reverse("calendar_settings"), {"action": "rotate"})

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_creating_or_turning_off_the_feed_needs_the_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    assert client.post(reverse("calendar_settings"), {"action": "rotate"}).status_code == 403
    assert client.post(reverse("calendar_settings"), {"action": "revoke"}).status_code == 403
    assert User.objects.get(pk=alice.pk).calendar_token_hash is None


def test_the_forms_carry_the_csrf_token(client, alice):
    client.force_login(alice)
    calendar_token_rotate(user=alice)

    page = client.get(reverse("calendar_settings")).content.decode()

    assert page.count('name="csrfmiddlewaretoken"') == 2  # logout, and the feed's form


def test_an_unknown_action_changes_nothing(client, alice):
    client.force_login(alice)
    token = calendar_token_rotate(user=alice)

    assert client.post(reverse("calendar_settings"), {"action": "nonsense"}).status_code == 400
    assert user_get_by_calendar_token(token=token) == alice


def test_only_a_signed_in_rep_has_a_calendar_page(client):
    response = client.post(reverse("calendar_settings"), {"action": "rotate"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_guessed_token_finds_nothing(client, alice):
    calendar_token_rotate(user=alice)

    assert client.get(reverse("calendar_feed", args=["x" * 43])).status_code == 404


def test_the_stored_hash_does_not_open_the_feed(client, alice):
    calendar_token_rotate(user=alice)

    assert client.get(reverse("calendar_feed", args=[alice.calendar_token_hash])).status_code == 404


def test_the_feed_costs_the_same_queries_for_3_and_30_follow_ups(
    client, alice, team_cadence, django_assert_num_queries
):
    url = reverse("calendar_feed", args=[calendar_token_rotate(user=alice)])
    for i in range(3):
        planned_for(alice, f"P{i}", team_cadence)
    with django_assert_num_queries(2):
        client.get(url)
    for i in range(3, 30):
        planned_for(alice, f"P{i}", team_cadence)
    with django_assert_num_queries(2):
        response = client.get(url)
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 30
