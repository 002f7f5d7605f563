"""My day's one-click actions: an attempt's call and voicemail in one, undo, stops confirmed, snooze presets, and
the next step of a lead that talked to us."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from cadence.models import Enrollment, FollowUp, LeadEvent
from cadence.services import UNDO_WINDOW, enrollment_create, enrollments_plan
from crm.models import Prospect
from tests.factories import ContactFactory, UserFactory
from touches.models import Channel, Outcome, Touch

# Every test here runs on the clock stopped at NOW (tests/conftest.py: frozen_clock).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

# Tuesday 9:30 in New York, inside the cadence's first calling window.
NOW = dt.datetime(2026, 3, 3, 14, 30, tzinfo=dt.UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def planned(prospect, cadence) -> FollowUp:
    ContactFactory(prospect=prospect, name="Joe Buyer", email="joe@globex.example", phone="+1 212 555 0101")
    enrollment = enrollment_create(prospect=prospect, now=NOW)
    enrollments_plan(enrollment_ids=[enrollment.pk], now=NOW)
    return FollowUp.objects.get(enrollment=enrollment, status=FollowUp.Status.PLANNED)


def log(client, follow_up, htmx=True, **data):
    data.setdefault("submission", str(uuid.uuid4()))
    return client.post(reverse("follow_up_log", args=[follow_up.pk]), data, **(HTMX if htmx else {}))


def test_no_answer_left_voicemail_logs_the_call_and_its_voicemail_as_one_attempt_once(client, alice, planned):
    client.force_login(alice)
    form_id = str(uuid.uuid4())

    log(client, planned, outcome="no_answer_voicemail", note="Shared the lane report", submission=form_id)
    log(client, planned, outcome="no_answer_voicemail", note="Shared the lane report", submission=form_id)

    call, voicemail = Touch.objects.order_by("occurred_at")
    assert (call.channel, call.outcome) == (Channel.CALL, Outcome.NO_ANSWER)
    assert (voicemail.channel, voicemail.outcome, voicemail.note) == (
        Channel.VOICEMAIL,
        Outcome.LEFT_VOICEMAIL,
        "Shared the lane report",
    )
    following = FollowUp.objects.get(enrollment=planned.enrollment, status=FollowUp.Status.PLANNED)
    assert following.channel != Channel.VOICEMAIL  # the voicemail of this attempt is left already
    assert following.attempt in (1, 2)  # the same-day email of attempt 1, or attempt 2: never a 3rd for one call


def test_the_logged_row_says_what_was_done_and_offers_an_undo_in_a_toast(client, alice, planned):
    client.force_login(alice)

    content = log(client, planned, outcome="email_sent").content.decode()

    assert "✓ Email sent" in content and "Sent logged" not in content
    assert 'id="toast"' in content and 'hx-swap-oob="true"' in content and ">Undo" in content


def test_a_log_from_my_day_leaves_the_session_alone_and_without_javascript_offers_the_undo_after_the_redirect(
    client, alice, planned
):
    client.force_login(alice)
    session_before = client.session.session_key, dict(client.session)

    log(client, planned, outcome="no_answer_voicemail")

    # The htmx answer carries its own toast: nothing was written to the session (a transaction on every log).
    assert (client.session.session_key, dict(client.session)) == session_before
    following = FollowUp.objects.get(enrollment=planned.enrollment, status=FollowUp.Status.PLANNED)
    url = reverse("follow_up_log", args=[following.pk])
    page = client.post(url, {"outcome": "left_voicemail", "submission": str(uuid.uuid4())}, follow=True)
    assert ">Undo" in page.content.decode()


def test_a_plan_that_fails_in_the_request_loses_nothing_of_the_log(client, alice, planned, monkeypatch, caplog):
    import cadence.services.planning as planning

    def broken(enrollments, **kwargs):
        planning.FollowUp.objects.filter(pk=planned.pk).update(reason="half-written")
        raise RuntimeError("the planner broke")

    monkeypatch.setattr(planning, "_plan_locked", broken)
    client.force_login(alice)

    response = log(client, planned, outcome="no_answer_voicemail")

    assert response.status_code == 200
    assert Touch.objects.count() == 2  # the call and its voicemail are committed
    assert FollowUp.objects.get(pk=planned.pk).reason != "half-written"  # the plan's own writes were rolled back
    assert Enrollment.objects.get(pk=planned.enrollment_id).replan_requested_at is not None  # the worker will plan it
    assert "the worker will" in caplog.text


def test_undo_deletes_both_touches_of_the_attempt_and_brings_the_follow_up_back(client, alice, planned):
    client.force_login(alice)
    log(client, planned, outcome="no_answer_voicemail")
    call = Touch.objects.get(channel=Channel.CALL)

    response = client.post(reverse("touch_undo"), {"touch": str(call.pk), "row": f"follow-up-{planned.pk}"}, **HTMX)

    assert response.status_code == 200 and "Undone" in response.content.decode()
    assert not Touch.objects.alive().exists()
    back = FollowUp.objects.get(enrollment=planned.enrollment, status=FollowUp.Status.PLANNED)
    assert (back.channel, back.attempt) == (Channel.CALL, 1)


def test_undo_is_refused_once_the_window_is_over_and_for_another_reps_touch(client, alice, planned, frozen_clock):
    client.force_login(alice)
    log(client, planned, outcome="no_answer")
    touch = Touch.objects.get()
    client.force_login(UserFactory(team=alice.team))
    assert client.post(reverse("touch_undo"), {"touch": str(touch.pk)}).status_code == 404

    client.force_login(alice)
    frozen_clock.shift(UNDO_WINDOW + dt.timedelta(minutes=1))
    response = client.post(reverse("touch_undo"), {"touch": str(touch.pk)}, follow=True)

    assert "Too late to undo" in response.content.decode()
    assert Touch.objects.alive().count() == 1


def test_not_interested_asks_to_confirm_what_it_stops_and_changes_nothing_until_then(client, alice, planned):
    client.force_login(alice)

    asked = log(client, planned, outcome="not_interested").content.decode()

    assert "Stops every follow-up to Globex Freight, for good." in asked
    assert not Touch.objects.exists() and Prospect.objects.get().status == Prospect.Status.ACTIVE

    done = log(client, planned, outcome="not_interested", confirm_stop="on").content.decode()

    assert Touch.objects.get().outcome == Outcome.NOT_INTERESTED
    assert Prospect.objects.get().status == Prospect.Status.LOST
    assert ">Undo" not in done  # a stop is final


def test_a_snooze_preset_moves_the_follow_up_to_the_start_of_tomorrow_on_their_clock_without_a_reason(
    client, alice, planned
):
    client.force_login(alice)

    response = client.post(
        reverse("follow_up_snooze", args=[planned.pk]), {"preset": "tomorrow", "submission": str(uuid.uuid4())}, **HTMX
    )

    assert "Snoozed until tomorrow" in response.content.decode()
    # Off the queue until Wednesday starts in New York; then the planner puts it in that day's first window.
    assert not FollowUp.objects.filter(status=FollowUp.Status.PLANNED).exists()
    assert Enrollment.objects.get().next_due_at == dt.datetime(2026, 3, 4, 5, 0, tzinfo=dt.UTC)
    event = LeadEvent.objects.get(kind=LeadEvent.Kind.SNOOZED)
    assert event.detail == "Until Wed 4 Mar 00:00 their time"


def test_a_lead_that_talked_to_us_without_a_next_step_is_on_my_day_and_gets_one_from_there(client, alice, planned):
    enrollment = planned.enrollment
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.ENGAGED, last_touch_at=NOW)
    FollowUp.objects.filter(pk=planned.pk).delete()
    client.force_login(alice)

    page = client.get(reverse("home")).content.decode()
    assert "Needs a next step" in page and f'id="ns{enrollment.pk}_next_step_what"' in page

    missing = client.post(
        reverse("enrollment_next_step", args=[enrollment.pk]), {"next_step_what": "Send rates"}, **HTMX
    )
    assert "Before saving: when is it?" in missing.content.decode()

    saved = client.post(
        reverse("enrollment_next_step", args=[enrollment.pk]),
        {"next_step_what": "Send rates", "next_step_when": "2026-03-05T11:00", "submission": str(uuid.uuid4())},
        **HTMX,
    )

    assert "✓ Next step saved" in saved.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.next_step == "Send rates"
    assert enrollment.next_step_due_at == dt.datetime(2026, 3, 5, 16, 0, tzinfo=dt.UTC)  # 11:00 in New York


def test_connected_logged_from_the_prospect_page_asks_for_the_next_step_with_the_error_under_its_field(
    client, alice, planned
):
    client.force_login(alice)
    url = reverse("touch_new", args=[planned.prospect_id])

    content = client.post(
        url,
        {
            "channel": "call",
            "outcome": "connected",
            "kind": "regular",
            "theme": "none",
            "occurred_at": "2026-03-03T14:00",
        },
    ).content.decode()

    assert not Touch.objects.exists()
    when_input = content.index('id="id_next_step_when"')
    error = content.index("Before saving: when is it?")
    next_label = content.find("<label", when_input)
    assert when_input < error and (next_label == -1 or error < next_label)  # right under its own input


def test_a_rows_more_and_snooze_load_when_opened_and_only_for_whoever_may_see_the_row(client, alice, carol, planned):
    client.force_login(alice)
    more = reverse("follow_up_panel", args=[planned.pk, "more"])
    snooze = reverse("follow_up_panel", args=[planned.pk, "snooze"])

    assert "Not interested" in client.get(more, **HTMX).content.decode()
    assert "Tomorrow" in client.get(snooze, **HTMX).content.decode()
    # Without JavaScript the row's link leads to the follow-up's own page, which has every outcome.
    assert client.get(more).url == reverse("follow_up_log", args=[planned.pk])
    assert client.get(reverse("follow_up_panel", args=[planned.pk, "secrets"]), **HTMX).status_code == 404
    client.force_login(carol)
    assert client.get(more, **HTMX).status_code == 404
