from __future__ import annotations

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
    assert all(
        Touch(channel=channel).is_attempt for channel in [Channel.CALL, Channel.VOICEMAIL, Channel.EMAIL]
    )
    assert Touch(channel=Channel.OTHER, kind=Kind.BREAKUP).is_attempt


def test_a_soft_deleted_touch_leaves_the_alive_timeline(prospect):
    kept = TouchFactory(prospect=prospect)
    gone = TouchFactory(prospect=prospect, deleted_at=kept.occurred_at)

    assert list(Touch.objects.alive()) == [kept]
    assert Touch.objects.filter(pk=gone.pk).exists()
