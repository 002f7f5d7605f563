"""The API at its edges: sane dates, deep bodies, ETags that move with every write, the next step of a
conversation, and attempts that never read "11 of 8"."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from cadence.models import Enrollment, FollowUp
from cadence.scheduler import prospects_recycle
from cadence.services import enrollment_create, enrollments_plan
from crm.models import Prospect
from tests.api.conftest import touch_body
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
TOUCHES = "/api/v1/touches/"


@pytest.fixture
def enrolled(prospect, cadence) -> Enrollment:
    ContactFactory(prospect=prospect, phone="+1 212 555 0101")
    enrollment = enrollment_create(prospect=prospect, now=timezone.now())
    enrollments_plan(enrollment_ids=[enrollment.pk], now=timezone.now())
    return enrollment


@pytest.mark.parametrize("until", ["9999-12-31T23:59:00-05:00", "2199-01-01T00:00:00Z", "1990-01-01T00:00:00Z"])
def test_a_pause_outside_the_sane_range_is_a_400_and_changes_nothing(api, enrolled, until):
    response = api.post(f"/api/v1/enrollments/{enrolled.pk}/pause/", {"until": until}, format="json")

    assert response.status_code == 400
    assert "until" in response.json()["fields"]
    enrolled.refresh_from_db()
    assert enrolled.status == Enrollment.Status.ACTIVE and enrolled.paused_until is None


def test_a_touch_before_2000_is_a_400(api, prospect):
    response = api.post(TOUCHES, touch_body(prospect, occurred_at="1999-12-31T12:00:00Z"), format="json")

    assert response.status_code == 400
    assert "occurred_at" in response.json()["fields"]


def test_a_body_nested_100000_levels_deep_is_a_400_in_the_error_shape(api):
    body = "[" * 100_000 + "]" * 100_000

    response = api.post(TOUCHES, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_the_sweeps_recycle_moves_the_etag_so_a_stale_if_match_is_refused(api, prospect, cadence):
    etag = api.get(f"/api/v1/prospects/{prospect.pk}/").headers["ETag"]
    Prospect.objects.filter(pk=prospect.pk).update(status=Prospect.Status.DORMANT, recycle_on=dt.date.today())

    prospects_recycle(now=timezone.now() + dt.timedelta(seconds=1))

    response = api.patch(f"/api/v1/prospects/{prospect.pk}/", {"name": "Renamed"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412


def test_a_connect_logged_through_the_api_records_its_next_step(
    api, prospect, enrolled, django_capture_on_commit_callbacks
):
    due = timezone.now() + dt.timedelta(days=2)
    body = touch_body(prospect, outcome="connected", occurred_at=timezone.now().isoformat())
    body["next_step"] = {"what": "Send lane pricing", "due_at": due.isoformat()}

    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(TOUCHES, body, format="json")
        replayed = api.post(TOUCHES, body, format="json")

    assert (created.status_code, replayed.status_code) == (201, 200)
    enrolled.refresh_from_db()
    assert (enrolled.next_step, enrolled.status) == ("Send lane pricing", Enrollment.Status.ENGAGED)
    step = FollowUp.objects.get(enrollment=enrolled, status="planned")
    assert step.is_next_step and abs(step.due_start - due) < dt.timedelta(seconds=1)


def test_a_next_step_is_refused_on_a_touch_that_was_no_conversation(api, prospect, enrolled):
    body = touch_body(prospect, outcome="no_answer")
    body["next_step"] = {"what": "Call again", "due_at": (timezone.now() + dt.timedelta(days=1)).isoformat()}

    response = api.post(TOUCHES, body, format="json")

    assert response.status_code == 400
    assert "next_step" in response.json()["fields"]


def test_a_next_step_can_be_recorded_on_the_enrollment_after_the_call(api, enrolled):
    due = (timezone.now() + dt.timedelta(days=3)).isoformat()

    response = api.post(
        f"/api/v1/enrollments/{enrolled.pk}/next-step/",
        {"what": "Demo with the ops lead", "due_at": due},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )

    assert response.status_code == 200
    assert response.json()["next_step"] == "Demo with the ops lead"


def test_follow_ups_in_the_api_say_which_attempt_of_how_many(api, enrolled):
    item = api.get("/api/v1/follow-ups/").json()["results"][0]

    assert (item["attempt"], item["step"], item["attempt_of"]) == (1, 0, 8)
    assert item["reason"].startswith("Attempt 1 of 8")
