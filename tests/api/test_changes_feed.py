"""The changes feed never loses a committed change. These tests commit for real (transactional_db): the feed
only shows transactions older than every running one, and a test wrapped in its own transaction is one."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from api.changes import touch_changes_prune, touch_changes_since
from crm.models import Prospect
from tests.api.conftest import client_for, touch_body
from tests.factories import ManagerFactory, ProspectFactory, TeamFactory, UserFactory, touch_logged

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/touches/changes/"


def follow(
    client, cursor: str | None = None, *, until: set[str], timeout: float = 30.0, limit: int | None = None
) -> tuple[list, str]:
    """Poll the feed like a client, until every id in `until` was seen; returns all changes and the cursor."""
    seen: list[dict] = []
    deadline = time.monotonic() + timeout
    while True:
        params = {"cursor": cursor} if cursor else {}
        if limit is not None:
            params["limit"] = limit
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
    return touch_logged(
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
    """A begins first and commits last; B commits in between; a reader polls throughout.

    On two prospects: writers of touches of one prospect go one after the other (the trigger locks it)."""
    api = client_for(alice)
    other = ProspectFactory(owner=alice)
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
                ids["b"] = str(log(other).pk)
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


def ids_of(changes: list[dict]) -> list[str]:
    return [c["id"] for c in changes]


def test_a_manager_sees_their_own_touches_and_those_of_every_team_they_manage_in_order(alice, team):
    other_team = TeamFactory()
    maria = ManagerFactory(username="maria", team=team, manages=[team, other_team])
    dave = UserFactory(team=other_team)
    written = [
        log(ProspectFactory(owner=alice)),
        log(ProspectFactory(owner=dave)),
        log(ProspectFactory(owner=UserFactory())),  # a team she does not manage
        log(ProspectFactory(owner=maria, team=TeamFactory())),  # her own, on a team she does not manage
        log(ProspectFactory(owner=maria, team=team)),  # her own, on her team: once, not twice
        log(ProspectFactory(owner=dave)),
    ]
    expected = [str(touch.pk) for i, touch in enumerate(written) if i != 2]

    changes, _ = follow(client_for(maria), until=set(expected), limit=2)

    assert ids_of(changes) == expected


def test_a_rep_does_not_see_their_teammates_touches(alice, bob, prospect):
    log(ProspectFactory(owner=bob))
    mine = log(prospect)

    changes, _ = follow(client_for(alice), until={str(mine.pk)})

    assert ids_of(changes) == [str(mine.pk)]


def test_a_superuser_sees_every_touch(alice, carol, prospect):
    admin = UserFactory(is_superuser=True)
    written = {str(log(prospect).pk), str(log(ProspectFactory(owner=carol)).pk)}

    changes, _ = follow(client_for(admin), until=written)

    assert set(ids_of(changes)) == written


def test_the_previous_owner_is_told_to_drop_the_touches_of_a_prospect_handed_over(alice, bob, prospect):
    handed = log(prospect)
    prospect.owner = bob
    prospect.save()
    kept = log(ProspectFactory(owner=alice))

    # One row a page: pages holding only rows she may no longer see still move her cursor on.
    changes, _ = follow(client_for(alice), until={str(kept.pk)}, limit=1)

    assert [(c["op"], c["id"]) for c in changes] == [("deleted", str(handed.pk)), ("created", str(kept.pk))]
    assert changes[0]["touch"] is None  # a tombstone tells which touch, nothing of it


def test_a_manager_who_still_sees_a_lead_handed_within_the_team_ends_with_its_touches(alice, bob, maria, prospect):
    earlier = log(prospect)
    _, cursor = follow(client_for(maria), until={str(earlier.pk)})

    prospect.owner = bob
    prospect.save()
    later = log(prospect)

    changes, _ = follow(client_for(maria), cursor, until={str(later.pk)})
    final = {c["id"]: c["op"] for c in changes}  # the last word on each touch
    assert final[str(earlier.pk)] == "updated"


def test_a_prospect_moved_to_another_team_brings_its_history_to_that_teams_manager(alice, team, prospect):
    maria = ManagerFactory(username="maria", team=team)
    other_team = TeamFactory()
    nina = ManagerFactory(team=other_team)
    earlier = log(prospect)
    ninas_own = log(ProspectFactory(owner=nina))
    _, ninas_cursor = follow(client_for(nina), until={str(ninas_own.pk)})
    _, marias_cursor = follow(client_for(maria), until={str(earlier.pk)})
    theirs_now = log(ProspectFactory(owner=alice))

    prospect.team = other_team
    prospect.save()

    changes, _ = follow(client_for(nina), ninas_cursor, until={str(earlier.pk)})
    assert [c["op"] for c in changes if c["id"] == str(earlier.pk)] == ["updated"]
    changes, _ = follow(client_for(maria), marias_cursor, until={str(theirs_now.pk)})
    assert [c["op"] for c in changes if c["id"] == str(earlier.pk)] == ["deleted"]


def test_deleting_a_prospect_leaves_tombstones_for_its_owner(alice, prospect):
    api = client_for(alice)
    touch = log(prospect)
    _, cursor = follow(api, until={str(touch.pk)})

    Prospect.objects.get(pk=prospect.pk).delete()

    changes, _ = follow(api, cursor, until={str(touch.pk)})
    assert [(c["op"], c["id"], c["touch"]) for c in changes] == [("deleted", str(touch.pk), None)]


def _hand_over(prospect, to) -> None:
    Prospect.objects.filter(pk=prospect.pk).update(owner=to)


def _in_thread(target, failures: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            target()
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.parametrize("first", ["touch", "hand-over"])
def test_a_touch_written_while_its_prospect_changes_hands_reaches_the_new_owner(alice, bob, prospect, first):
    """Whichever of the two transactions starts first, the other waits for it: the new owner gets the touch."""
    bobs_own = log(ProspectFactory(owner=bob))
    _, bobs_cursor = follow(client_for(bob), until={str(bobs_own.pk)})
    started, may_commit = threading.Event(), threading.Event()
    ids: dict[str, str] = {}
    failures: list[BaseException] = []

    def write_touch() -> None:
        ids["touch"] = str(log(prospect).pk)

    def hand_over() -> None:
        _hand_over(prospect, bob)

    def held_open(step):
        def run() -> None:
            with transaction.atomic():
                step()
                started.set()
                assert may_commit.wait(30)

        return run

    steps = {"touch": write_touch, "hand-over": hand_over}
    then = "hand-over" if first == "touch" else "touch"
    opened = _in_thread(held_open(steps[first]), failures)
    assert started.wait(30), failures
    waiting = _in_thread(steps[then], failures)
    waiting.join(timeout=0.5)
    assert waiting.is_alive(), "the second transaction should wait for the first"
    may_commit.set()
    for thread in (opened, waiting):
        thread.join(timeout=30)
    assert not failures, failures

    changes, _ = follow(client_for(bob), bobs_cursor, until={ids["touch"]}, timeout=10)
    assert ids["touch"] in ids_of(changes)


def test_a_page_takes_as_many_queries_for_a_manager_as_for_a_rep(alice, maria, prospect, django_assert_num_queries):
    touch = log(prospect)
    follow(client_for(maria), until={str(touch.pk)})

    for user in (alice, maria):
        with django_assert_num_queries(4):  # horizon, xmin, the page's rows, its touches
            page = touch_changes_since(user=user, cursor=None)
        assert [change.touch_id for change in page.changes] == [touch.pk]
