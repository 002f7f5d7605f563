from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from tests.factories import CadenceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("windows", [["09:00", "08:00"]], "must end after it starts"),
        ("windows", [["8am", "9am"]], "not a [start, end] pair"),
        ("windows", [], "list of [start, end]"),
        ("windows", [["08:00", "10:00"], ["09:00", "11:00"]], "must not overlap"),
        ("gaps_days", [2, 0], "one day or more"),
        ("working_weekdays", [7], "0 (Monday) to 6 (Sunday)"),
    ],
)
def test_a_cadence_with_rules_that_make_no_sense_is_refused_with_a_clear_message(team, field, value, message):
    cadence = CadenceFactory.build(team=team, **{field: value})

    with pytest.raises(ValidationError, match=re.escape(message)):
        cadence.full_clean()


def test_the_default_cadence_is_valid(team):
    CadenceFactory.build(team=team).full_clean()


def test_a_team_has_at_most_one_default_cadence(team):
    from django.db import IntegrityError, transaction

    CadenceFactory(team=team)

    with pytest.raises(IntegrityError), transaction.atomic():
        CadenceFactory(team=team)


def test_an_enrollment_knows_its_prospects_newest_touch_whoever_logs_it_and_however():
    import datetime as dt

    from cadence.models import Enrollment
    from tests.factories import EnrollmentFactory, ProspectFactory, TouchFactory
    from touches.models import Touch

    def last_touch(enrollment: Enrollment) -> dt.datetime | None:
        return Enrollment.objects.values_list("last_touch_at", flat=True).get(pk=enrollment.pk)

    monday = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)
    prospect = ProspectFactory()
    before = TouchFactory(prospect=prospect, occurred_at=monday)
    enrollment = EnrollmentFactory(prospect=prospect, started_at=monday + dt.timedelta(days=1))
    assert last_touch(enrollment) == monday  # a new round starts knowing the prospect's history

    newest = TouchFactory(prospect=prospect, occurred_at=monday + dt.timedelta(days=3))
    TouchFactory(prospect=prospect, occurred_at=monday + dt.timedelta(days=2))  # logged late, older
    assert last_touch(enrollment) == newest.occurred_at

    Touch.objects.filter(pk=newest.pk).update(deleted_at=monday + dt.timedelta(days=4))
    assert last_touch(enrollment) == monday + dt.timedelta(days=2)

    Touch.objects.exclude(pk=before.pk).delete()
    assert last_touch(enrollment) == monday
