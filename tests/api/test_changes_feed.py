"""The changes feed never loses a committed change. These tests commit for real (transactional_db): the feed
only shows transactions older than every running one, and a test wrapped in its own transaction is one."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from api.changes import touch_changes_prune
from tests.api.conftest import client_for, touch_body
from tests.factories import ProspectFactory
from touches.services import touch_log

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/touches/changes/"


def follow(client, cursor: str | None = None, *, until: set[str], timeout: float = 30.0) -> tuple[list, str]:
    """Poll the feed like a client, until every id in `until` was seen; returns all changes and the cursor."""
    seen: list[dict] = []
    deadline = time.monotonic() + timeout
    while True:
        params = {"cursor": cursor} if cursor else {}
        page = client.get(URL, params).json()
        seen.extend(page["changes"])
        cursor = page["next_cursor"]
        if until <= {c["id"] for c in seen} and not page["has_more"]:
            return seen, cursor
        if time.monotonic() > deadline:
            raise AssertionError(f"feed never showed {until - {c['id'] for c in seen}}")
        if not page["has_more"]:
            time.sleep(0.05)


def log(prospect, **overrides):
    body = touch_body(prospect, **overrides)
    return touch_log(
        rep=prospect.owner,
        prospect=prospect,
        channel=body["channel"],
        outcome=body["outcome"],
        occurred_at=timezone.now(),
        now=timezone.now(),
        touch_id=body["id"],
    )


def test_a_client_sees_touches_created_updated_and_deleted(alice, prospect):
    api = client_for(alice)
    body = touch_body(prospect)
    api.post("/api/v1/touches/", body, format="json")
    changes, cursor = follow(api, until={body["id"]})
    assert [(c["op"], c["id"]) for c in changes] == [("created", body["id"])]
    assert changes[0]["touch"]["outcome"] == "no_answer"

    update = {k: v for k, v in body.items() if k != "id"}
    api.put(f"/api/v1/touches/{body['id']}/", {**update, "outcome": "connected"}, format="json")
    changes, cursor = follow(api, cursor, until={body["id"]})
    assert [(c["op"], c["touch"]["outcome"]) for c in changes] == [("updated", "connected")]

    api.delete(f"/api/v1/touches/{body['id']}/")
    changes, cursor = follow(api, cursor, until={body["id"]})
    assert [(c["op"], c["touch"]) for c in changes] == [("deleted", None)]

    assert api.get(URL, {"cursor": cursor}).json()["changes"] == []


def test_a_transaction_that_commits_late_is_not_missed(alice, prospect):
    """A begins first and commits last; B commits in between; a reader polls throughout."""
    api = client_for(alice)
    a_written, b_committed, a_may_commit = threading.Event(), threading.Event(), threading.Event()
    ids: dict[str, str] = {}
    failures: list[BaseException] = []

    def writer_a() -> None:
        try:
            with transaction.atomic():
                ids["a"] = str(log(prospect).pk)
                a_written.set()
                assert a_may_commit.wait(30)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    def writer_b() -> None:
        try:
            assert a_written.wait(30)
            with transaction.atomic():
                ids["b"] = str(log(prospect).pk)
            b_committed.set()
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
    for thread in threads:
        thread.start()
    assert b_committed.wait(30), failures

    # B is committed but A, older, is still running: the feed holds B back rather than move past A.
    page = api.get(URL).json()
    assert ids["b"] not in {c["id"] for c in page["changes"]}
    cursor = page["next_cursor"]

    a_may_commit.set()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures

    changes, _ = follow(api, cursor, until={ids["a"], ids["b"]})
    assert [c["id"] for c in changes] == [ids["a"], ids["b"]]


def test_the_feed_is_scoped_to_what_the_user_can_see(alice, carol, prospect):
    mine = log(prospect)
    theirs = log(ProspectFactory(owner=carol))

    changes, _ = follow(client_for(carol), until={str(theirs.pk)})

    assert {c["id"] for c in changes} == {str(theirs.pk)}
    assert str(mine.pk) not in {c["id"] for c in changes}


def test_paging_with_a_small_limit_reaches_everything_once(alice, prospect):
    api = client_for(alice)
    ids = {str(log(prospect).pk) for _ in range(7)}
    seen: list[str] = []
    cursor = None
    deadline = time.monotonic() + 30
    while set(seen) != ids and time.monotonic() < deadline:
        page = api.get(URL, {"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        assert len(page["changes"]) <= 3
        seen += [c["id"] for c in page["changes"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:  # a transaction elsewhere on the server holds the feed back: wait, like a client
            time.sleep(0.05)

    assert sorted(seen) == sorted(ids)


def test_a_cursor_older_than_the_retention_is_410_with_a_cursor_to_resync_from(alice, prospect):
    api = client_for(alice)
    first = log(prospect)
    _, old_cursor = follow(api, until={str(first.pk)})
    later = log(prospect)
    _, fresh_cursor = follow(api, old_cursor, until={str(later.pk)})

    pruned = touch_changes_prune(now=timezone.now() + dt.timedelta(days=31))

    expired = api.get(URL, {"cursor": old_cursor})
    assert pruned >= 2
    assert expired.status_code == 410
    assert expired.json()["code"] == "cursor_expired"
    assert api.get(URL).status_code == 410  # no cursor means "from the start", which is gone too
    resync = api.get(URL, {"cursor": expired.json()["resync_cursor"]})
    assert resync.status_code == 200
    assert api.get(URL, {"cursor": fresh_cursor}).status_code == 200


@pytest.mark.parametrize("cursor", ["nonsense", "djE6LTE6LTE", "", "====", "v1:1:2"])
def test_a_cursor_the_feed_did_not_hand_out_is_400(alice, cursor):
    response = client_for(alice).get(URL, {"cursor": cursor})

    assert response.status_code in (200, 400)
    if cursor:
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_cursor"


def test_a_new_owner_receives_the_history_of_a_prospect_handed_over_after_their_last_sync(alice, bob, prospect):
    earlier = log(prospect)
    bobs_own = log(ProspectFactory(owner=bob))  # once Bob's client has this, its cursor is past `earlier` too
    _, bobs_cursor = follow(client_for(bob), until={str(bobs_own.pk)})

    prospect.owner = bob
    prospect.save()

    changes, _ = follow(client_for(bob), bobs_cursor, until={str(earlier.pk)})
    assert [c["op"] for c in changes if c["id"] == str(earlier.pk)] == ["updated"]


def test_saving_a_prospect_without_changing_its_owner_adds_nothing_to_the_feed(alice, prospect):
    from api.models import TouchChange

    log(prospect)
    before = TouchChange.objects.count()

    prospect.name = "Globex Logistics"
    prospect.save()

    assert TouchChange.objects.count() == before
