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
