"""Each prospect's first reach (touches migration 0010) always says what its touches say, whatever wrote them:
the earliest live conversation, its rep and time, and the attempts the prospect had had by then."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cadence.services import touch_delete, touches_bulk_sync
from tests.factories import ProspectFactory, TouchFactory
from touches.data import TouchData
from touches.models import Channel, Outcome, Touch, TouchFirstReach
from touches.services import touch_first_reaches_rebuild

pytestmark = pytest.mark.django_db


def first_reaches() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT prospect_id, rep_id, occurred_at, attempt FROM touches_touchfirstreach ORDER BY 1")
        return cursor.fetchall()


def recomputed() -> list[tuple]:
    """The first reaches as the touches say they should be: rebuilt in a savepoint that is rolled back."""
    sid = transaction.savepoint()
    touch_first_reaches_rebuild()
    found = first_reaches()
    transaction.savepoint_rollback(sid)
    return found


def reach_of(prospect) -> tuple[int, int] | None:
    row = TouchFirstReach.objects.filter(prospect_id=prospect.pk).values_list("rep_id", "attempt").first()
    return None if row is None else tuple(row)


def test_a_lead_is_first_reached_on_the_attempt_that_reached_it_and_later_touches_change_nothing(alice, bob):
    now = timezone.now()
    lead = ProspectFactory(owner=alice)
    for hours in (50, 30, 10):
        TouchFactory(prospect=lead, rep=alice, outcome=Outcome.NO_ANSWER, occurred_at=now - dt.timedelta(hours=hours))
    assert reach_of(lead) is None

    TouchFactory(prospect=lead, rep=bob, outcome=Outcome.CONNECTED, occurred_at=now - dt.timedelta(hours=5))
    TouchFactory(prospect=lead, rep=alice, outcome=Outcome.MEETING_BOOKED, occurred_at=now - dt.timedelta(hours=1))
    TouchFactory(prospect=lead, rep=alice, channel=Channel.EMAIL, occurred_at=now)

    assert reach_of(lead) == (bob.pk, 4)


def test_a_backdated_touch_an_undo_and_a_restore_move_the_first_reach_as_they_should(alice, bob):
    now = timezone.now()
    lead = ProspectFactory(owner=alice)
    reach = TouchFactory(prospect=lead, rep=alice, outcome=Outcome.CONNECTED, occurred_at=now - dt.timedelta(hours=2))
    assert reach_of(lead) == (alice.pk, 1)

    # Synced late from a phone: a voicemail left before the conversation is one more attempt before it.
    TouchFactory(prospect=lead, rep=alice, outcome=Outcome.LEFT_VOICEMAIL, occurred_at=now - dt.timedelta(days=1))
    assert reach_of(lead) == (alice.pk, 2)
    # An earlier conversation, also synced late, is the first reach now.
    earlier = TouchFactory(prospect=lead, rep=bob, outcome=Outcome.REPLIED, occurred_at=now - dt.timedelta(days=3))
    assert reach_of(lead) == (bob.pk, 1)

    touch_delete(touch=earlier, now=now)  # undone: the conversation two hours ago is first again
    assert reach_of(lead) == (alice.pk, 2)
    Touch.objects.filter(pk=earlier.pk).update(deleted_at=None)  # restored
    assert reach_of(lead) == (bob.pk, 1)
    Touch.objects.filter(pk__in=[earlier.pk, reach.pk]).update(outcome=Outcome.NO_ANSWER)  # corrected outcomes
    assert reach_of(lead) is None
    assert first_reaches() == recomputed()


def test_every_write_path_keeps_the_first_reaches_equal_to_the_touches(alice, bob):
    now = timezone.now()
    leads = [ProspectFactory(owner=alice) for _ in range(3)]
    TouchFactory(prospect=leads[0], rep=alice, outcome=Outcome.CONNECTED, occurred_at=now - dt.timedelta(hours=3))
    items = [
        TouchData(
            id=uuid.uuid4(),
            prospect=lead,
            contact=None,
            channel=Channel.CALL,
            outcome=outcome,
            occurred_at=now - dt.timedelta(minutes=minutes),
            kind="regular",
            theme="none",
            note="",
            duration_seconds=None,
        )
        for lead in leads
        for outcome, minutes in ((Outcome.NO_ANSWER, 400), (Outcome.CONNECTED, 90), (Outcome.NO_ANSWER, 30))
    ]
    touches_bulk_sync(rep=alice, items=items, now=now)  # one statement, a reach of three leads
    assert first_reaches() == recomputed()
    assert [reach_of(lead) for lead in leads] == [(alice.pk, 2), (alice.pk, 2), (alice.pk, 2)]

    Touch.objects.filter(prospect=leads[1], outcome=Outcome.CONNECTED).update(rep=bob)  # reassigned credit
    Touch.objects.filter(prospect=leads[2]).delete()  # the lead's touches gone
    Touch.objects.filter(prospect=leads[0]).update(note="Called back")  # counts nothing

    assert first_reaches() == recomputed()
    assert reach_of(leads[1]) == (bob.pk, 2)
    assert reach_of(leads[2]) is None
