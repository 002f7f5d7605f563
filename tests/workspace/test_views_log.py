from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from cadence.models import Enrollment, FollowUp
from cadence.services import enrollment_create, enrollments_plan
from tests.factories import ContactFactory, TouchFactory
from touches.models import Channel, Outcome, Touch
from workspace.day import when_both

# Every test here runs on the clock stopped at NOW (tests/conftest.py: frozen_clock).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

# Tuesday 9:30 in New York, inside the cadence's first calling window.
NOW = dt.datetime(2026, 3, 3, 14, 30, tzinfo=dt.UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def planned(prospect, cadence) -> FollowUp:
    """Alice's prospect, enrolled, with its first attempt planned by the real planner."""
    ContactFactory(prospect=prospect, name="Joe Buyer", email="joe@globex.example")
    enrollment = enrollment_create(prospect=prospect, now=NOW)
    enrollments_plan(enrollment_ids=[enrollment.pk], now=NOW)
    return FollowUp.objects.get(enrollment=enrollment, status=FollowUp.Status.PLANNED)


def log(client, follow_up, htmx=True, **data):
    return client.post(reverse("follow_up_log", args=[follow_up.pk]), data, **(HTMX if htmx else {}))


def test_logging_a_voicemail_swaps_the_row_to_show_the_next_follow_up(
    client, alice, planned, eager_celery, django_capture_on_commit_callbacks
):
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True):
        logged = log(client, planned, outcome="left_voicemail", note="Shared the lane report")
    # In a test the re-plan runs when the test's transaction would commit, after the response: the row polls.
    row = client.get(reverse("follow_up_row", args=[planned.pk]), **HTMX).content.decode()

    touch = Touch.objects.get()
    following = FollowUp.objects.get(enrollment=planned.enrollment, status=FollowUp.Status.PLANNED)
    planned.refresh_from_db()
    assert (touch.channel, touch.outcome, touch.note) == (
        Channel.VOICEMAIL,
        Outcome.LEFT_VOICEMAIL,
        "Shared the lane report",
    )
    assert planned.status == FollowUp.Status.DONE and planned.touch == touch
    assert f'id="follow-up-{planned.pk}"' in logged.content.decode() and "<html" not in logged.content.decode()
    when = when_both(following.due_start, theirs=ZoneInfo("America/New_York"), yours=ZoneInfo(alice.timezone), now=NOW)
    assert "✓ Left voicemail" in row
    assert f"Next: {when} · {following.get_channel_display().lower()}" in row
    assert following.reason in row


def test_the_row_shows_the_next_attempt_at_once_without_waiting_for_the_worker(client, alice, planned):
    client.force_login(alice)

    content = log(client, planned, outcome="no_answer").content.decode()  # on-commit planning never ran

    following = FollowUp.objects.get(enrollment=planned.enrollment, status=FollowUp.Status.PLANNED)
    assert "✓ No answer" in content and "Next: " in content and following.reason in content


def test_without_javascript_logging_redirects_to_my_day_with_a_message(client, alice, planned):
    client.force_login(alice)

    response = log(client, planned, htmx=False, outcome="email_sent")

    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert Touch.objects.get().channel == Channel.EMAIL
    follow = client.get(response["Location"])
    assert "✓ Email sent: Globex Freight" in follow.content.decode()  # said back, with its Undo


def test_connected_asks_for_the_next_step_and_saves_nothing_until_it_is_given(client, alice, planned):
    client.force_login(alice)

    response = log(client, planned, outcome="connected", note="Good chat")

    content = response.content.decode()
    assert response.status_code == 200
    assert "Connected: what's the next step?" in content
    assert 'name="next_step_what"' in content and 'name="next_step_preset" value="tomorrow"' in content
    assert 'name="next_step_day"' in content and 'value="Call back"' in content  # the usual step, filled in
    assert "Before saving" not in content  # asked, not scolded: nothing was typed yet
    assert not Touch.objects.exists()
    planned.refresh_from_db()
    assert planned.status == FollowUp.Status.PLANNED

    empty = log(client, planned, outcome="connected", note="Good chat", next_step_what="", next_step_when="")

    assert "Before saving: what is the next step?" in empty.content.decode()
    assert not Touch.objects.exists()


def test_connected_with_a_next_step_saves_the_touch_and_the_step(
    client, alice, planned, eager_celery, django_capture_on_commit_callbacks
):
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = log(
            client,
            planned,
            outcome="connected",
            next_step_what="Send lane pricing",
            next_step_when="2026-03-05T11:00",
        )

    enrollment = Enrollment.objects.get()
    assert Touch.objects.get().outcome == Outcome.CONNECTED
    assert enrollment.next_step == "Send lane pricing"
    # 11:00 New York time on Thursday, as the label says: their time.
    assert enrollment.next_step_due_at == dt.datetime(2026, 3, 5, 16, 0, tzinfo=dt.UTC)
    assert response.status_code == 200
    row = client.get(reverse("follow_up_row", args=[FollowUp.objects.get(status="done").pk]), **HTMX)
    assert "Next: Thu 5 Mar 11:00 their time · 16:00 yours · call · agreed next step" in row.content.decode()


def test_a_next_step_in_the_past_is_refused_and_nothing_is_saved(client, alice, planned):
    client.force_login(alice)

    response = log(client, planned, outcome="connected", next_step_what="Call", next_step_when="2026-03-01T11:00")

    assert "Pick a time in the future." in response.content.decode()
    assert not Touch.objects.exists()


def test_a_rep_cannot_log_on_another_reps_follow_up(client, bob, planned):
    client.force_login(bob)

    response = log(client, planned, outcome="no_answer")

    assert response.status_code == 404
    assert not Touch.objects.exists()


def test_a_note_nearly_the_same_as_an_earlier_message_asks_before_saving(client, alice, planned):
    earlier = "Hi Joe, we just helped a shipper like Globex cut two days off their lead times."
    TouchFactory(prospect=planned.prospect, contact=planned.contact, note=earlier)
    client.force_login(alice)

    warned = log(client, planned, outcome="left_voicemail", note=earlier.replace("two", "2"))
    assert "nearly the same as an earlier message" in warned.content.decode()
    assert Touch.objects.count() == 1

    saved = log(client, planned, outcome="left_voicemail", note=earlier.replace("two", "2"), acknowledge_similar="on")
    assert saved.status_code == 200
    assert Touch.objects.count() == 2


def test_a_negative_duration_is_refused_and_nothing_is_saved(client, alice, planned):
    client.force_login(alice)

    response = log(client, planned, outcome="no_answer", duration_minutes="-3")

    assert "greater than or equal to 0" in response.content.decode()
    assert not Touch.objects.exists()


def test_an_unknown_outcome_is_refused(client, alice, planned):
    client.force_login(alice)

    response = log(client, planned, outcome="teleported")

    assert response.status_code == 200
    assert not Touch.objects.exists()


def test_logging_twice_does_not_log_a_second_touch(client, alice, planned):
    client.force_login(alice)
    log(client, planned, outcome="no_answer")

    again = log(client, planned, outcome="no_answer")

    assert again.status_code == 200
    assert Touch.objects.count() == 1


def test_the_full_log_page_works_without_javascript(client, alice, planned):
    client.force_login(alice)

    response = client.get(reverse("follow_up_log", args=[planned.pk]))

    content = response.content.decode()
    assert response.status_code == 200 and "<html" in content
    assert f'action="{reverse("follow_up_log", args=[planned.pk])}"' in content
