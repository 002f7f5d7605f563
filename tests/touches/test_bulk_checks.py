"""The bulk path skips `full_clean` for touches it can see are valid; it must never skip one full_clean refuses."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from touches.models import Channel, Kind, Outcome, Source, Theme, Touch
from touches.services.store import _plainly_valid

NOW = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)
ODD = ["", "fax", None, 5, "x" * 31]

# The first value of each is valid.
VALUES: dict[str, list[Any]] = {
    "id": [uuid.uuid4(), str(uuid.uuid4()), "nope", None],
    "channel": [Channel.CALL, *Channel.values, *ODD],
    "kind": [Kind.REGULAR, *Kind.values, *ODD],
    "outcome": [*Outcome.values, *ODD],
    "theme": [Theme.NONE, *Theme.values, *ODD],
    "source": [Source.API, *Source.values, *ODD],
    "note": ["", "called", "é" * 5000, None, 5],
    "duration_seconds": [None, 0, 60, 2**31 - 1, 2**31, -1, "60", 1.5, True],
    "occurred_at": [NOW, NOW.replace(tzinfo=None), "2025-03-01T09:30:00Z", "later", None],
}


@st.composite
def touches(draw: Any) -> Touch:
    """A valid touch with up to three of its fields changed."""
    values = {name: options[0] for name, options in VALUES.items()}
    for name in draw(st.lists(st.sampled_from(sorted(VALUES)), max_size=3, unique=True)):
        values[name] = draw(st.sampled_from(VALUES[name]))
    return Touch(prospect_id=1, rep_id=1, **values)


@settings(max_examples=500, deadline=None)
@given(touches())
def test_a_touch_that_looks_valid_passes_full_clean(touch):
    if _plainly_valid(touch):
        touch.full_clean(exclude=["prospect", "contact", "rep"], validate_unique=False)


def test_what_full_clean_refuses_is_left_to_it():
    touch = Touch(id=uuid.uuid4(), prospect_id=1, rep_id=1, channel="fax", outcome=Outcome.SENT, occurred_at=NOW)

    assert not _plainly_valid(touch)
    with pytest.raises(ValidationError) as refused:
        touch.full_clean(exclude=["prospect", "contact", "rep"], validate_unique=False)
    assert "channel" in refused.value.message_dict
