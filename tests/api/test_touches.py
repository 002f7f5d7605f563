from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone

from cadence.models import FollowUp
from cadence.services import enrollment_create
from crm.models import Prospect
from tests.api.conftest import touch_body
from tests.cadence.helpers import MONDAY_MORNING
from tests.factories import ContactFactory, ProspectFactory, TouchFactory
from touches.models import Source, Touch

pytestmark = pytest.mark.django_db

URL = "/api/v1/touches/"


def test_a_new_touch_is_created_with_its_client_id(api, prospect):
    body = touch_body(prospect, note="Rang twice")

    response = api.post(URL, body, format="json")

    assert response.status_code == 201, response.json()
    touch = Touch.objects.get(pk=body["id"])
    assert touch.source == Source.API
    assert touch.note == "Rang twice"
    assert response.json()["id"] == body["id"]


def test_replaying_the_same_touch_returns_200_with_the_same_body_and_writes_nothing(api, prospect):
    body = touch_body(prospect)
    first = api.post(URL, body, format="json")

    second = api.post(URL, body, format="json")

    assert second.status_code == 200
    assert second.json() == first.json()
    assert Touch.objects.count() == 1


def test_the_same_id_with_other_content_is_409_and_writes_nothing(api, prospect):
    body = touch_body(prospect)
    api.post(URL, body, format="json")

    response = api.post(URL, {**body, "outcome": "connected"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["conflicting_fields"] == ["outcome"]
    assert "outcome" in response.json()["message"]
    assert Touch.objects.get(pk=body["id"]).outcome == "no_answer"
    prospect.refresh_from_db()
    assert prospect.status == Prospect.Status.ACTIVE


def test_the_same_id_with_other_content_that_is_also_invalid_is_still_a_409(api, prospect):
    body = touch_body(prospect)
    api.post(URL, body, format="json")
    later = (timezone.now() + dt.timedelta(days=3)).isoformat()

    response = api.post(URL, {**body, "occurred_at": later}, format="json")

    assert response.status_code == 409
    assert response.json()["conflicting_fields"] == ["occurred_at"]
    assert Touch.objects.count() == 1


def test_the_same_instant_in_another_offset_is_the_same_touch(api, prospect):
    body = touch_body(prospect, occurred_at="2025-01-10T10:00:00+00:00")
    api.post(URL, body, format="json")

    response = api.post(URL, {**body, "occurred_at": "2025-01-10T11:00:00+01:00"}, format="json")

    assert response.status_code == 200


def test_an_id_used_by_another_rep_is_a_conflict_that_reveals_nothing(api, carol_api, carol, prospect):
    body = touch_body(prospect)
    api.post(URL, body, format="json")
    carols = ProspectFactory(owner=carol)

    response = carol_api.post(URL, {**body, "prospect": carols.pk}, format="json")

    assert response.status_code == 409
    assert str(prospect.pk) not in response.json()["message"]
    assert Touch.objects.count() == 1


def test_a_touch_on_a_prospect_the_user_cannot_see_is_refused_like_a_missing_one(carol_api, prospect):
    hidden = carol_api.post(URL, touch_body(prospect), format="json")
    missing = carol_api.post(URL, touch_body(prospect, prospect=prospect.pk + 1000), format="json")

    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json()
    assert hidden.json()["fields"]["prospect"]
    assert not Touch.objects.exists()


def test_a_contact_of_another_prospect_is_refused(api, alice, prospect):
    other = ContactFactory(prospect=ProspectFactory(owner=alice))

    response = api.post(URL, touch_body(prospect, contact=other.pk), format="json")

    assert response.status_code == 400
    assert "contact" in response.json()["fields"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("occurred_at", "2025-01-10T10:00:00"),
        ("occurred_at", "yesterday"),
        ("channel", "fax"),
        ("outcome", "maybe"),
        ("kind", "loud"),
        ("duration_seconds", -1),
        ("id", "not-a-uuid"),
        ("note", "x" * 4001),
        ("note", "\ud800"),
        ("prospect", 2**64),
    ],
)
def test_invalid_input_is_a_400_naming_the_field(api, prospect, field, value):
    response = api.post(URL, json.dumps(touch_body(prospect, **{field: value})), content_type="application/json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"]
    assert body["message"]
    assert not Touch.objects.exists()


def test_a_touch_in_the_far_future_is_refused(api, prospect):
    later = (timezone.now() + dt.timedelta(days=3)).isoformat()

    response = api.post(URL, touch_body(prospect, occurred_at=later), format="json")

    assert response.status_code == 400
    assert "future" in response.json()["fields"]["occurred_at"][0]


def test_malformed_json_is_a_400_in_the_error_shape(api):
    response = api.post(URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) >= {"code", "message"}


def test_an_oversize_body_is_413(api, prospect, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = api.post(URL, touch_body(prospect, note="x" * 2000), format="json")

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_an_outcome_logged_through_the_api_has_its_effects(api, prospect):
    joe = ContactFactory(prospect=prospect)

    api.post(URL, touch_body(prospect, contact=joe.pk, outcome="wrong_person"), format="json")

    joe.refresh_from_db()
    assert joe.wrong_person


def test_a_touch_through_the_api_triggers_the_same_planning_as_the_browser(
    api, prospect, cadence, django_capture_on_commit_callbacks
):
    joe = ContactFactory(prospect=prospect)
    with time_machine.travel(MONDAY_MORNING, tick=False), django_capture_on_commit_callbacks(execute=True):
        enrollment = enrollment_create(prospect=prospect, now=MONDAY_MORNING)
    first = FollowUp.objects.get(enrollment=enrollment, status=FollowUp.Status.PLANNED)
    called_at = first.due_start + dt.timedelta(minutes=5)

    with time_machine.travel(called_at, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = api.post(URL, touch_body(prospect, contact=joe.pk, occurred_at=called_at.isoformat()), format="json")

    assert response.status_code == 201
    first.refresh_from_db()
    assert first.status == FollowUp.Status.DONE
    assert str(first.touch_id) == response.json()["id"]
    following = FollowUp.objects.get(enrollment=enrollment, status=FollowUp.Status.PLANNED)
    # The voicemail on the unanswered call: the same attempt, its next step.
    assert (following.attempt, following.step, following.channel) == (first.attempt, 1, "voicemail")
    shown = api.get(f"/api/v1/prospects/{prospect.pk}/").json()["next_follow_up"]
    assert shown["id"] == following.pk
    assert shown["reason"] == following.reason
    assert set(shown) >= {"due_start", "due_end", "channel", "kind", "theme", "reason"}


def test_put_creates_then_replays_then_updates(api, prospect):
    body = touch_body(prospect)
    touch_id = body.pop("id")
    url = f"{URL}{touch_id}/"

    created = api.put(url, body, format="json")
    replayed = api.put(url, body, format="json")
    updated = api.put(url, {**body, "note": "Called back"}, format="json")

    assert (created.status_code, replayed.status_code, updated.status_code) == (201, 200, 200)
    assert replayed.json() == created.json()
    assert updated.json()["note"] == "Called back"
    assert Touch.objects.count() == 1


def test_put_cannot_move_a_touch_to_another_prospect(api, alice, prospect):
    body = touch_body(prospect)
    touch_id = body.pop("id")
    api.put(f"{URL}{touch_id}/", body, format="json")

    response = api.put(f"{URL}{touch_id}/", {**body, "prospect": ProspectFactory(owner=alice).pk}, format="json")

    assert response.status_code == 409
    assert response.json()["conflicting_fields"] == ["prospect"]


def test_put_on_someone_elses_touch_is_404(carol_api, prospect):
    touch = TouchFactory(prospect=prospect)
    body = touch_body(prospect)
    del body["id"]

    response = carol_api.put(f"{URL}{touch.pk}/", body, format="json")

    assert response.status_code == 404


def test_delete_soft_deletes_and_a_replayed_create_is_then_a_conflict(api, prospect):
    body = touch_body(prospect)
    api.post(URL, body, format="json")

    deleted = api.delete(f"{URL}{body['id']}/")
    again = api.delete(f"{URL}{body['id']}/")
    replay = api.post(URL, body, format="json")

    assert (deleted.status_code, again.status_code) == (204, 204)
    assert Touch.objects.get(pk=body["id"]).deleted_at is not None
    assert api.get(f"{URL}{body['id']}/").status_code == 404
    assert replay.status_code == 409
    assert replay.json()["code"] == "deleted"


def test_the_touch_list_shows_only_visible_live_touches(api, carol_api, prospect):
    TouchFactory(prospect=prospect)
    TouchFactory(prospect=prospect, deleted_at=timezone.now())

    mine = api.get(URL).json()
    carols = carol_api.get(URL).json()

    assert mine["count"] == 1
    assert carols["count"] == 0


def test_a_malformed_touch_id_is_a_json_404(api):
    response = api.get(f"{URL}not-a-uuid/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
