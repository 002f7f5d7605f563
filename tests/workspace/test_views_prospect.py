from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from cadence.models import Enrollment, FollowUp
from cadence.services import enrollment_create, enrollments_plan
from crm.models import Contact, Prospect
from tests.factories import ContactFactory, TouchFactory

# Every test here runs on the clock stopped at NOW (tests/conftest.py: frozen_clock).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

NOW = dt.datetime(2026, 3, 3, 14, 30, tzinfo=dt.UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def enrolled(prospect, cadence) -> Enrollment:
    ContactFactory(prospect=prospect, name="Joe Buyer")
    enrollment = enrollment_create(prospect=prospect, now=NOW)
    enrollments_plan(enrollment_ids=[enrollment.pk], now=NOW)
    return enrollment


def touches_make(prospect, count: int) -> None:
    contacts = [ContactFactory(prospect=prospect) for _ in range(count)]
    for i in range(count):
        TouchFactory(prospect=prospect, contact=contacts[i], occurred_at=NOW - dt.timedelta(hours=i + 1))


def test_the_prospect_page_shows_status_owner_value_markers_contacts_and_the_plan(client, alice, enrolled):
    client.force_login(alice)

    content = client.get(reverse("prospect_detail", args=[enrolled.prospect_id])).content.decode()

    assert "Globex Freight" in content and "Owner: Rep" in content and "Value: 10" in content
    assert "Right buyer?" in content and "Buys what we sell?" in content and "Still there?" in content
    assert "Joe Buyer" in content
    assert "Coming up, if nobody answers" in content
    assert "Attempt 1 of 8" in content  # the planner's reason for the first attempt


def test_the_prospect_page_costs_the_same_queries_for_3_and_30_touches_and_contacts(
    client, alice, enrolled, django_assert_num_queries
):
    client.force_login(alice)
    touches_make(enrolled.prospect, 3)
    url = reverse("prospect_detail", args=[enrolled.prospect_id])
    # session, user, prospect, timeline, its lead events, contacts, enrollment, planned follow-up, planner touches +
    # contacts
    with django_assert_num_queries(12):
        client.get(url)

    touches_make(enrolled.prospect, 27)
    with django_assert_num_queries(12):
        response = client.get(url)
    assert len(response.context["touches"]) == 20 and response.context["cursor"]


def test_another_reps_prospect_is_not_found_on_every_page_and_action(client, bob, enrolled):
    client.force_login(bob)
    pk = enrolled.prospect_id
    follow_up = FollowUp.objects.get(enrollment=enrolled)

    gets = [
        reverse("prospect_detail", args=[pk]),
        reverse("prospect_timeline", args=[pk]) + "?before=2026-03-03T10:00:00%2B00:00|" + "0" * 36,
        reverse("contact_add", args=[pk]),
        reverse("touch_new", args=[pk]),
        reverse("enrollment_give_up", args=[enrolled.pk]),
        reverse("follow_up_snooze", args=[follow_up.pk]),
        reverse("follow_up_row", args=[follow_up.pk]),
    ]
    posts = [
        reverse("prospect_markers", args=[pk]),
        reverse("prospect_enroll", args=[pk]),
        reverse("prospect_close", args=[pk]),
        reverse("enrollment_pause", args=[enrolled.pk]),
        reverse("enrollment_resume", args=[enrolled.pk]),
    ]
    assert [client.get(url).status_code for url in gets] == [404] * len(gets)
    assert [client.post(url, {"status": "won"}).status_code for url in posts] == [404] * len(posts)
    assert Prospect.objects.get(pk=pk).status == Prospect.Status.ACTIVE


def test_a_manager_opens_the_prospects_of_their_team(client, maria, enrolled):
    client.force_login(maria)

    assert client.get(reverse("prospect_detail", args=[enrolled.prospect_id])).status_code == 200


def test_notes_are_escaped_in_the_timeline(client, alice, prospect):
    TouchFactory(prospect=prospect, note="<script>alert('x')</script>")
    client.force_login(alice)

    content = client.get(reverse("prospect_detail", args=[prospect.pk])).content.decode()

    assert "<script>alert(" not in content
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in content


def test_the_timeline_loads_older_touches_on_scroll_without_repeating_any(client, alice, prospect):
    touches_make(prospect, 45)
    client.force_login(alice)
    page = client.get(reverse("prospect_detail", args=[prospect.pk])).content.decode()
    shown = page.count('class="touch ')

    while cursor := re.search(r'hx-get="([^"]+/timeline/\?before=[^"]+)"', page):
        response = client.get(html.unescape(cursor.group(1)), **HTMX)
        page = response.content.decode()
        assert response.status_code == 200 and "<html" not in page
        shown += page.count('class="touch ')

    assert shown == 45
    assert len(set(re.findall(r'datetime="([^"]+)"', page))) == 5  # the last page: 45 = 20 + 20 + 5


def test_markers_are_saved_in_place(client, alice, prospect):
    client.force_login(alice)

    response = client.post(
        reverse("prospect_markers", args=[prospect.pk]),
        {"is_right_buyer": "yes", "buys_what_we_sell": "no", "still_there": "unknown"},
        **HTMX,
    )

    prospect.refresh_from_db()
    assert (prospect.is_right_buyer, prospect.buys_what_we_sell) == ("yes", "no")
    assert 'id="markers"' in response.content.decode() and "Saved." in response.content.decode()


def test_a_bad_marker_value_changes_nothing(client, alice, prospect):
    client.force_login(alice)

    client.post(
        reverse("prospect_markers", args=[prospect.pk]),
        {"is_right_buyer": "maybe", "buys_what_we_sell": "no", "still_there": "no"},
    )

    prospect.refresh_from_db()
    assert (prospect.is_right_buyer, prospect.buys_what_we_sell) == ("unknown", "unknown")


def test_a_contact_is_added_with_a_role(client, alice, prospect):
    client.force_login(alice)

    response = client.post(
        reverse("contact_add", args=[prospect.pk]),
        {"name": "Ann Lee", "role": "assistant", "phone": "+1 212 555 0100", "timezone": ""},
    )

    assert response.status_code == 302
    assert prospect.contacts.get().role == Contact.Role.ASSISTANT


def test_a_contact_without_phone_or_email_is_refused(client, alice, prospect):
    client.force_login(alice)

    response = client.post(reverse("contact_add", args=[prospect.pk]), {"name": "Ann", "role": "other"})

    assert "Give a phone number or an email address" in response.content.decode()
    assert not prospect.contacts.exists()


def test_a_prospect_is_enrolled_once(client, alice, prospect, cadence):
    ContactFactory(prospect=prospect)
    client.force_login(alice)

    client.post(reverse("prospect_enroll", args=[prospect.pk]))
    again = client.post(reverse("prospect_enroll", args=[prospect.pk]), follow=True)

    assert Enrollment.objects.filter(prospect=prospect).count() == 1
    assert "already enrolled" in again.content.decode()


def test_marking_won_closes_the_prospect(client, alice, enrolled):
    client.force_login(alice)

    client.post(reverse("prospect_close", args=[enrolled.prospect_id]), {"status": "won"})

    assert Prospect.objects.get(pk=enrolled.prospect_id).status == Prospect.Status.WON


def test_pause_and_resume(client, alice, enrolled):
    client.force_login(alice)

    client.post(reverse("enrollment_pause", args=[enrolled.pk]), {"until": "2026-03-10T09:00"})
    enrolled.refresh_from_db()
    assert enrolled.status == Enrollment.Status.PAUSED
    assert enrolled.paused_until == dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)

    client.post(reverse("enrollment_resume", args=[enrolled.pk]))
    enrolled.refresh_from_db()
    assert enrolled.status == Enrollment.Status.ACTIVE


def test_a_pause_that_ends_in_the_past_is_refused(client, alice, enrolled):
    client.force_login(alice)

    response = client.post(reverse("enrollment_pause", args=[enrolled.pk]), {"until": "2026-03-01T09:00"}, follow=True)

    assert "Pick a time in the future." in response.content.decode()
    enrolled.refresh_from_db()
    assert enrolled.status == Enrollment.Status.ACTIVE


def test_giving_up_early_warns_first_and_records_it_once_confirmed(client, alice, enrolled):
    client.force_login(alice)
    url = reverse("enrollment_give_up", args=[enrolled.pk])

    warned = client.post(url, {"reason": "No budget"})
    assert "Only 0 of at least" in warned.content.decode()
    enrolled.refresh_from_db()
    assert enrolled.status == Enrollment.Status.ACTIVE

    client.post(url, {"reason": "No budget", "confirm_early": "on"})
    enrolled.refresh_from_db()
    assert enrolled.status == Enrollment.Status.GAVE_UP and enrolled.gave_up_early


def test_a_follow_up_is_snoozed_with_a_reason(client, alice, enrolled):
    follow_up = FollowUp.objects.get(enrollment=enrolled)
    client.force_login(alice)

    response = client.post(
        reverse("follow_up_snooze", args=[follow_up.pk]),
        {"until": "2026-03-06T09:00", "reason": "Out until Friday", "next": "/prospects/"},
    )

    follow_up.refresh_from_db()
    assert response["Location"] == "/prospects/"
    assert (follow_up.snooze_count, follow_up.snooze_reason) == (1, "Out until Friday")


def test_a_snooze_needs_no_reason(client, alice, enrolled):
    follow_up = FollowUp.objects.get(enrollment=enrolled)
    client.force_login(alice)

    client.post(reverse("follow_up_snooze", args=[follow_up.pk]), {"until": "2026-03-06T09:00"})

    follow_up.refresh_from_db()
    assert (follow_up.snooze_count, follow_up.snooze_reason) == (1, "")


def test_a_touch_is_logged_from_the_prospect_page(client, alice, prospect):
    contact = ContactFactory(prospect=prospect)
    client.force_login(alice)

    response = client.post(
        reverse("touch_new", args=[prospect.pk]),
        {
            "contact": contact.pk,
            "channel": "email",
            "outcome": "sent",
            "kind": "regular",
            "theme": "invitation",
            "note": "Invited them to the breakfast",
            "occurred_at": "2026-03-03T09:00",
        },
    )

    assert response.status_code == 302
    touch = prospect.touches.get()
    assert (touch.theme, touch.occurred_at) == ("invitation", dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC))


def test_a_touch_with_another_prospects_contact_is_refused(client, alice, prospect):
    stranger = ContactFactory()
    client.force_login(alice)

    response = client.post(
        reverse("touch_new", args=[prospect.pk]),
        {
            "contact": stranger.pk,
            "channel": "call",
            "outcome": "no_answer",
            "kind": "regular",
            "theme": "none",
            "occurred_at": "2026-03-03T09:00",
        },
    )

    assert response.status_code == 200
    assert not prospect.touches.exists()
