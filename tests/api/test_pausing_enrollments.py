"""POST /enrollments/{id}/pause/ and /resume/: the cadence services behind the prospect page, over the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cadence.models import Enrollment, FollowUp, LeadEvent
from cadence.services import enrollment_create
from tests.api.conftest import client_for
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrollment(prospect, cadence, django_capture_on_commit_callbacks):
    """Alice's lead, with someone to call and its first attempt planned."""
    ContactFactory(prospect=prospect)
    with django_capture_on_commit_callbacks(execute=True):
        enrollment = enrollment_create(prospect=prospect, now=timezone.now())
    assert planned(enrollment)
    return enrollment


def planned(enrollment) -> bool:
    return FollowUp.objects.filter(enrollment=enrollment, status=FollowUp.Status.PLANNED).exists()


def pause_url(enrollment) -> str:
    return f"/api/v1/enrollments/{enrollment.pk}/pause/"


def resume_url(enrollment) -> str:
    return f"/api/v1/enrollments/{enrollment.pk}/resume/"


def test_a_rep_pauses_their_lead_until_resumed(api, alice, enrollment):
    response = api.post(pause_url(enrollment), {}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["paused_until"]) == ("paused", None)
    event = LeadEvent.objects.get(enrollment=enrollment, kind=LeadEvent.Kind.PAUSED)
    assert (event.actor, event.detail) == (alice, "Until resumed")


def test_a_note_on_the_pause_goes_into_the_leads_history(api, enrollment):
    response = api.post(pause_url(enrollment), {"note": "On leave until March"}, format="json")

    assert response.status_code == 200
    event = LeadEvent.objects.get(enrollment=enrollment, kind=LeadEvent.Kind.PAUSED)
    assert event.detail == "Until resumed: On leave until March"


def test_a_pause_until_a_time_is_remembered(api, enrollment):
    until = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)

    response = api.post(pause_url(enrollment), {"until": until.isoformat()}, format="json")

    assert response.status_code == 200
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.paused_until) == (Enrollment.Status.PAUSED, until)


def test_a_paused_lead_loses_its_planned_follow_up(api, enrollment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api.post(pause_url(enrollment), {}, format="json")

    assert not planned(enrollment)


@pytest.mark.parametrize(
    ("until", "message"),
    [
        ("2000-01-01T09:00:00+00:00", "future"),
        ("2030-01-01T09:00:00", "time zone"),
        ("next tuesday", "format"),
    ],
)
def test_a_bad_end_time_is_a_field_error_and_changes_nothing(api, enrollment, until, message):
    response = api.post(pause_url(enrollment), {"until": until}, format="json")

    assert response.status_code == 400
    assert message in response.json()["fields"]["until"][0]
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert not LeadEvent.objects.filter(enrollment=enrollment, kind=LeadEvent.Kind.PAUSED).exists()


def test_resuming_makes_the_lead_active_and_plans_its_next_attempt(api, enrollment, django_capture_on_commit_callbacks):
    api.post(pause_url(enrollment), {}, format="json")

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(resume_url(enrollment), format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert LeadEvent.objects.filter(enrollment=enrollment, kind=LeadEvent.Kind.RESUMED).exists()
    assert planned(enrollment)


def test_resuming_a_lead_that_is_not_paused_changes_nothing(api, enrollment):
    response = api.post(resume_url(enrollment), format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert not LeadEvent.objects.filter(enrollment=enrollment, kind=LeadEvent.Kind.RESUMED).exists()


@pytest.mark.parametrize("action", [pause_url, resume_url])
def test_an_ended_cadence_is_409_and_stays_ended(api, enrollment, action):
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.GAVE_UP, ended_at=timezone.now())

    response = api.post(action(enrollment), {}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "enrollment_ended"
    assert Enrollment.objects.get(pk=enrollment.pk).status == Enrollment.Status.GAVE_UP


@pytest.mark.parametrize("action", [pause_url, resume_url])
def test_another_reps_enrollment_is_404_and_untouched(carol_api, enrollment, action):
    response = carol_api.post(action(enrollment), {}, format="json")

    assert response.status_code == 404
    assert Enrollment.objects.get(pk=enrollment.pk).status == Enrollment.Status.ACTIVE


def test_a_malformed_id_is_404(api):
    assert api.post("/api/v1/enrollments/abc/pause/", {}, format="json").status_code == 404


def test_a_manager_pauses_a_lead_of_their_team(maria, enrollment):
    response = client_for(maria).post(pause_url(enrollment), {}, format="json")

    assert response.status_code == 200
    assert LeadEvent.objects.get(enrollment=enrollment, kind=LeadEvent.Kind.PAUSED).actor == maria


def test_a_retried_pause_with_the_same_key_pauses_once(api, enrollment):
    first = api.post(pause_url(enrollment), {}, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    again = api.post(pause_url(enrollment), {}, format="json", HTTP_IDEMPOTENCY_KEY="p-1")

    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert LeadEvent.objects.filter(enrollment=enrollment, kind=LeadEvent.Kind.PAUSED).count() == 1
