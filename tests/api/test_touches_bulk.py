from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection

from tests.api.conftest import client_for, touch_body
from tests.factories import ProspectFactory, TouchFactory
from tests.threads import together
from touches.models import Touch

URL = "/api/v1/touches/bulk/"


@pytest.mark.django_db
def test_each_item_gets_a_result_in_input_order(api, prospect):
    existing = touch_body(prospect)
    api.post("/api/v1/touches/", existing, format="json")
    fresh = touch_body(prospect)
    bad = touch_body(prospect, outcome="maybe")
    conflicting = {**existing, "note": "something else"}

    response = api.post(URL, {"touches": [fresh, existing, bad, conflicting]}, format="json")

    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "unchanged", "error", "error"]
    assert [r["index"] for r in results] == [0, 1, 2, 3]
    assert [r["id"] for r in results] == [fresh["id"], existing["id"], bad["id"], existing["id"]]
    assert "outcome" in results[2]["fields"]
    assert results[3]["code"] == "conflict"
    assert response.json()["committed"] is True
    assert Touch.objects.count() == 2


@pytest.mark.django_db
def test_valid_items_are_committed_even_when_others_fail(api, carol, prospect):
    hidden = ProspectFactory(owner=carol)
    good = touch_body(prospect)

    response = api.post(URL, {"touches": [touch_body(hidden), good]}, format="json")

    assert [r["status"] for r in response.json()["results"]] == ["error", "created"]
    assert list(Touch.objects.values_list("id", flat=True)) == [uuid.UUID(good["id"])]


@pytest.mark.django_db
def test_atomic_writes_nothing_when_one_item_fails(api, prospect):
    items = [touch_body(prospect), touch_body(prospect, occurred_at="2030-01-01T00:00:00Z")]

    response = api.post(f"{URL}?atomic=true", {"touches": items}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "bulk_rejected"
    assert [r["status"] for r in body["results"]] == ["error", "error"]
    assert body["results"][0]["code"] == "rolled_back"
    assert "occurred_at" in body["results"][1]["fields"]
    assert not Touch.objects.exists()


@pytest.mark.django_db
def test_atomic_commits_everything_when_all_are_valid(api, prospect):
    items = [touch_body(prospect) for _ in range(3)]

    response = api.post(f"{URL}?atomic=true", {"touches": items}, format="json")

    assert response.status_code == 200
    assert Touch.objects.count() == 3


@pytest.mark.django_db
def test_more_than_500_items_is_413_and_writes_nothing(api, prospect):
    items = [touch_body(prospect) for _ in range(501)]

    response = api.post(URL, {"touches": items}, format="json")

    assert response.status_code == 413
    assert not Touch.objects.exists()


@pytest.mark.django_db
def test_the_same_id_twice_in_one_request_is_written_once(api, prospect):
    item = touch_body(prospect)

    response = api.post(URL, {"touches": [item, item]}, format="json")

    assert [r["status"] for r in response.json()["results"]] == ["created", "unchanged"]
    assert Touch.objects.count() == 1


@pytest.mark.django_db
def test_a_body_without_a_list_is_400(api):
    response = api.post(URL, {"touches": "many"}, format="json")

    assert response.status_code == 400
    assert "touches" in response.json()["fields"]


@pytest.mark.django_db
def test_an_existing_touch_of_another_rep_is_a_conflict_not_an_overwrite(api, bob, prospect):
    theirs = TouchFactory(prospect=prospect, rep=bob)
    item = touch_body(prospect, id=str(theirs.pk))

    response = api.post(URL, {"touches": [item]}, format="json")

    assert response.json()["results"][0]["code"] == "conflict"
    theirs.refresh_from_db()
    assert theirs.rep == bob


@pytest.mark.django_db(transaction=True)
def test_concurrent_replays_of_one_bulk_request_write_each_touch_once(alice, prospect):
    """Several clients (a phone retrying over a flaky network) send the same batch at the same moment."""
    items = [touch_body(prospect, note=f"call {n}") for n in range(40)]
    barrier = threading.Barrier(6)
    statuses: list[list[str]] = []
    failures: list[BaseException] = []

    def replay() -> None:
        try:
            client = client_for(alice)
            barrier.wait()
            response = client.post(URL, {"touches": items}, format="json")
            assert response.status_code == 200, response.content
            statuses.append([r["status"] for r in response.json()["results"]])
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            connection.close()

    together(replay, times=6, timeout=60)

    assert not failures, failures
    assert len(statuses) == 6
    assert all(set(s) <= {"created", "unchanged"} for s in statuses)
    # Across all replays each item was created exactly once.
    for index in range(len(items)):
        assert sum(s[index] == "created" for s in statuses) == 1
    assert Touch.objects.filter(pk__in=[i["id"] for i in items]).count() == len(items)
    assert Touch.objects.count() == len(items)
