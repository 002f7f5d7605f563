from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, transaction

from tests.factories import TouchFactory
from touches.models import Channel, Kind, Touch

pytestmark = pytest.mark.django_db


def test_a_touch_keeps_the_id_its_client_generated(prospect):
    client_id = uuid.uuid4()

    touch = TouchFactory(id=client_id, prospect=prospect)

    assert Touch.objects.get(pk=client_id) == touch


def test_the_same_client_id_can_never_be_stored_twice(prospect):
    touch = TouchFactory(prospect=prospect)

    with pytest.raises(IntegrityError), transaction.atomic():
        Touch.objects.create(
            id=touch.id,
            prospect=prospect,
            rep=touch.rep,
            channel="call",
            outcome="no_answer",
            occurred_at=touch.occurred_at,
        )


def test_a_note_is_not_an_attempt_but_calls_voicemails_emails_and_breakups_are():
    assert not Touch(channel=Channel.OTHER).is_attempt
    assert all(Touch(channel=channel).is_attempt for channel in [Channel.CALL, Channel.VOICEMAIL, Channel.EMAIL])
    assert Touch(channel=Channel.OTHER, kind=Kind.BREAKUP).is_attempt


def test_a_soft_deleted_touch_leaves_the_alive_timeline(prospect):
    kept = TouchFactory(prospect=prospect)
    gone = TouchFactory(prospect=prospect, deleted_at=kept.occurred_at)

    assert list(Touch.objects.alive()) == [kept]
    assert Touch.objects.filter(pk=gone.pk).exists()


def test_a_touch_records_the_callees_local_weekday_and_hour_from_the_contacts_zone_else_the_prospects():
    from tests.factories import ContactFactory, ProspectFactory

    tokyo = ProspectFactory(timezone="Asia/Tokyo")
    in_london = ContactFactory(prospect=tokyo, timezone="Europe/London")
    wednesday_evening_utc = dt.datetime(2026, 11, 18, 16, 30, tzinfo=dt.UTC)

    to_london = TouchFactory(prospect=tokyo, contact=in_london, occurred_at=wednesday_evening_utc)
    to_tokyo = TouchFactory(prospect=tokyo, contact=None, occurred_at=wednesday_evening_utc)

    rows = dict(Touch.objects.values_list("pk", "callee_hour"))
    assert rows == {to_london.pk: 16, to_tokyo.pk: 1}  # 01:30 on Thursday in Tokyo
    assert Touch.objects.get(pk=to_tokyo.pk).callee_weekday == 4


def test_moving_a_touch_in_time_moves_its_local_hour_but_a_zone_edited_later_does_not_rewrite_history():
    from tests.factories import ProspectFactory

    prospect = ProspectFactory(timezone="America/New_York")
    touch = TouchFactory(prospect=prospect, contact=None, occurred_at=dt.datetime(2026, 6, 2, 13, 0, tzinfo=dt.UTC))
    assert Touch.objects.get(pk=touch.pk).callee_hour == 9  # EDT

    prospect.timezone = "Europe/Paris"
    prospect.save()
    assert Touch.objects.get(pk=touch.pk).callee_hour == 9

    touch.occurred_at = dt.datetime(2026, 6, 2, 15, 0, tzinfo=dt.UTC)
    touch.save()
    assert Touch.objects.get(pk=touch.pk).callee_hour == 17  # now read in Paris (CEST)
