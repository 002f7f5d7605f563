from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from api.idempotency import idempotency_keys_prune
from api.models import IdempotencyKey
from tests.api.conftest import client_for, touch_body
from tests.threads import together
from touches.models import Touch

URL = "/api/v1/touches/"


@pytest.mark.django_db
def test_a_repeat_with_the_same_key_and_body_returns_the_stored_response(api, prospect):
    body = touch_body(prospect)

    first = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Touch.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422(api, prospect):
    api.post(URL, touch_body(prospect), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    response = api.post(URL, touch_body(prospect), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Touch.objects.count() == 1


@pytest.mark.django_db
def test_a_repeat_while_the_first_is_still_running_is_409(api, alice, prospect):
    body = touch_body(prospect)
    now = timezone.now()
    first = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    IdempotencyKey.objects.filter(key="k-2").update(status="in_progress", claimed_at=now)

    response = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    assert first.status_code == 201
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_progress"


@pytest.mark.django_db
def test_an_attempt_whose_process_died_is_taken_over(api, prospect):
    body = touch_body(prospect)
    api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    long_ago = timezone.now() - dt.timedelta(hours=1)
    IdempotencyKey.objects.filter(key="k-3").update(status="in_progress", claimed_at=long_ago)

    response = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-3")

    assert response.status_code == 200  # the touch itself was there: exactly once all the same
    assert IdempotencyKey.objects.get(key="k-3").status == "done"


@pytest.mark.django_db
def test_keys_are_scoped_per_user(api, carol_api, prospect, carol):
    from tests.factories import ProspectFactory

    api.post(URL, touch_body(prospect), format="json", HTTP_IDEMPOTENCY_KEY="shared")

    response = carol_api.post(
        URL, touch_body(ProspectFactory(owner=carol)), format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )

    assert response.status_code == 201


@pytest.mark.django_db
def test_a_failed_request_releases_its_key(api, prospect):
    bad = touch_body(prospect, outcome="maybe")

    first = api.post(URL, bad, format="json", HTTP_IDEMPOTENCY_KEY="k-4")

    assert first.status_code == 400
    assert not IdempotencyKey.objects.filter(key="k-4").exists()


@pytest.mark.django_db
def test_keys_are_kept_a_day_then_pruned(api, prospect):
    api.post(URL, touch_body(prospect), format="json", HTTP_IDEMPOTENCY_KEY="old")
    api.post(URL, touch_body(prospect), format="json", HTTP_IDEMPOTENCY_KEY="new")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - dt.timedelta(hours=25))

    assert idempotency_keys_prune(now=timezone.now() - dt.timedelta(hours=2)) == 0
    assert idempotency_keys_prune(now=timezone.now()) == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.django_db
def test_the_bulk_endpoint_honours_the_key_too(api, prospect):
    body = {"touches": [touch_body(prospect)]}

    first = api.post("/api/v1/touches/bulk/", body, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    second = api.post("/api/v1/touches/bulk/", body, format="json", HTTP_IDEMPOTENCY_KEY="b-1")

    assert first.json()["results"][0]["status"] == "created"
    assert second.json() == first.json()  # the stored response, not "unchanged"


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_run_once(alice, prospect):
    body = touch_body(prospect)
    barrier = threading.Barrier(5)
    codes: list[int] = []

    def send() -> None:
        try:
            client = client_for(alice)
            barrier.wait()
            codes.append(client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="race").status_code)
        finally:
            connection.close()

    together(send, times=5, timeout=30)

    assert len(codes) == 5
    assert set(codes) <= {201, 409}
    assert codes.count(201) >= 1
    assert Touch.objects.count() == 1
