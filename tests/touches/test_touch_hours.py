"""The dashboard's rollups (touches migration 0007) always say what the touches say, whatever wrote them, and two
transactions of one rep never wait for each other on them."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from cadence.services import touch_delete, touches_bulk_sync
from tests.factories import ContactFactory, ProspectFactory, TouchFactory, UserFactory
from touches.data import TouchData
from touches.models import Channel, Outcome, Touch, TouchHour, TouchHourDelta
from touches.services import touch_hours_fold, touch_hours_rebuild

HOURS = """
    SELECT rep_id, hour, sum(attempts), sum(dials), sum(connects), sum(seconds) FROM (
        SELECT rep_id, hour, attempts, dials, connects, seconds FROM touches_touchhour
        UNION ALL
        SELECT rep_id, date_trunc('hour', hour), attempts, dials, connects, seconds FROM touches_touchhourdelta
    ) r GROUP BY 1, 2 HAVING sum(attempts) <> 0 OR sum(dials) <> 0 OR sum(connects) <> 0 OR sum(seconds) <> 0
    ORDER BY 1, 2
"""
CALLEE_DAYS = """
    SELECT rep_id, day, callee_weekday, callee_hour, sum(dials), sum(connects) FROM (
        SELECT rep_id, day, callee_weekday, callee_hour, dials, connects FROM touches_touchcalleeday
        UNION ALL
        SELECT rep_id, (hour AT TIME ZONE 'UTC')::date, callee_weekday, callee_hour, dials, connects
        FROM touches_touchhourdelta WHERE callee_weekday > 0
    ) r GROUP BY 1, 2, 3, 4 HAVING sum(dials) <> 0 OR sum(connects) <> 0 ORDER BY 1, 2, 3, 4
"""


def rollups() -> tuple[list, list]:
    with connection.cursor() as cursor:
        cursor.execute(HOURS)
        hours = cursor.fetchall()
        cursor.execute(CALLEE_DAYS)
        return hours, cursor.fetchall()


def recomputed() -> tuple[list, list]:
    """The rollups as the touches say they should be: rebuilt in a savepoint that is rolled back."""
    sid = transaction.savepoint()
    touch_hours_rebuild()
    found = rollups()
    transaction.savepoint_rollback(sid)
    return found


@pytest.mark.django_db
def test_every_write_path_keeps_the_rollups_equal_to_the_touches(alice, bob, team):
    now = timezone.now()
    prospect = ProspectFactory(owner=alice, team=team, timezone="Asia/Kolkata")
    contact = ContactFactory(prospect=prospect, timezone="America/New_York")
    # Single inserts, by two reps, in several hours, with and without a contact and a duration.
    calls = [
        TouchFactory(prospect=prospect, contact=contact, rep=alice, occurred_at=now - dt.timedelta(hours=h))
        for h in (1, 1, 2, 30)
    ]
    TouchFactory(prospect=prospect, contact=None, rep=bob, channel=Channel.EMAIL, occurred_at=now)
    TouchFactory(
        prospect=prospect,
        rep=alice,
        outcome=Outcome.CONNECTED,
        duration_seconds=300,
        occurred_at=now - dt.timedelta(hours=2),
    )
    # A bulk sync: one statement, many rows.
    items = [
        TouchData(
            id=uuid.uuid4(),
            prospect=prospect,
            contact=contact,
            channel=Channel.CALL,
            outcome=Outcome.NO_ANSWER,
            occurred_at=now - dt.timedelta(minutes=m),
            kind="regular",
            theme="none",
            note="",
            duration_seconds=None,
        )
        for m in (5, 65, 125)
    ]
    touches_bulk_sync(rep=alice, items=items, now=now)
    assert rollups() == recomputed()

    # Updates that change what is counted (outcome, time, rep, contact's zone), and one that does not (a note).
    Touch.objects.filter(pk=calls[0].pk).update(outcome=Outcome.MEETING_BOOKED, duration_seconds=60)
    Touch.objects.filter(pk=calls[1].pk).update(occurred_at=now - dt.timedelta(days=3), rep=bob)
    before_note = TouchHourDelta.objects.count()
    Touch.objects.filter(pk=calls[2].pk).update(note="Asked for a callback")
    assert TouchHourDelta.objects.count() == before_note  # nothing counted changed: nothing written
    assert rollups() == recomputed()

    # A soft delete (undo, the prospect page) takes the touch out; a hard delete too.
    touch_delete(touch=calls[3], now=now)
    Touch.objects.filter(rep=bob, channel=Channel.EMAIL).delete()
    assert rollups() == recomputed()

    # Folded: the totals alone say it, and an hour whose touches all went leaves no row.
    assert touch_hours_fold() > 0
    assert not TouchHourDelta.objects.exists()
    assert rollups() == recomputed()
    assert not TouchHour.objects.filter(attempts=0, dials=0, connects=0, seconds=0).exists()


@pytest.mark.django_db(transaction=True)
def test_two_transactions_of_one_rep_writing_the_same_hour_do_not_wait_for_each_other(team):
    rep = UserFactory(team=team)
    prospects = [ProspectFactory(owner=rep, team=team) for _ in range(2)]
    at = timezone.now() - dt.timedelta(minutes=5)
    first_wrote, second_done = threading.Event(), threading.Event()

    def first() -> None:
        with transaction.atomic():
            TouchFactory(prospect=prospects[0], rep=rep, occurred_at=at)
            first_wrote.set()
            second_done.wait(timeout=10)  # holds its transaction open until the second one has committed
        connections.close_all()

    writer = threading.Thread(target=first)
    writer.start()
    assert first_wrote.wait(timeout=10)
    with transaction.atomic():
        TouchFactory(prospect=prospects[1], rep=rep, occurred_at=at)  # would block on an upserted total row
    second_done.set()
    writer.join(timeout=10)

    assert TouchHourDelta.objects.filter(rep_id=rep.pk).count() == 2
    touch_hours_fold()
    assert TouchHour.objects.get(rep_id=rep.pk).attempts == 2
