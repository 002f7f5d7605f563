"""Bulk items take a shortcut through validation; it must agree with the serializer on everything it accepts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from api.views.touches import TouchInputSerializer

ABSENT = object()

# For each field: values it should take plainly, and values the serializer must judge (or that it coerces).
VALUES: dict[str, list[Any]] = {
    "id": ["9b2f4a8e-6f0e-4d1a-9a53-2c1d5f0e7a11", "9B2F4A8E6F0E4D1A9A532C1D5F0E7A11", "nope", 5, None, ""],
    "prospect": [1, 42, 2**63 - 1, 0, -1, 2**63, "42", 4.0, True, None],
    "contact": [7, None, 0, "7", False, 2**63],
    "channel": ["call", "email", "other", "fax", "", " call", 5, None],
    "kind": ["regular", "breakup", "nope", None, 1],
    "outcome": ["no_answer", "connected", "opted_out", "maybe", "", None, ["no_answer"]],
    "theme": ["none", "invitation", "nope", None],
    "note": ["", "  ", " hello ", "ok\x00", "\ud800", "é" * 4000, "x" * 4001, " " + "x" * 4000 + " ", 5, None],
    "duration_seconds": [0, 60, 2**31 - 1, 2**31, -1, None, "60", 1.5, True],
    "occurred_at": [
        "2025-03-01T09:30:00+01:00",
        "2025-03-01T09:30:00Z",
        "2025-03-01 09:30:00.123456-05:00",
        "2025-03-01T09:30:00",
        "2025-02-30T09:30:00+00:00",
        "9999-12-31T23:59:59-14:00",
        "yesterday",
        "",
        1740821400,
        None,
    ],
}


BASE = {name: values[0] for name, values in VALUES.items()}


@st.composite
def items(draw: Any) -> dict[str, Any]:
    """A plainly valid item with up to three of its fields changed or left out."""
    item = dict(BASE)
    for name in draw(st.lists(st.sampled_from(sorted(VALUES)), max_size=3, unique=True)):
        value = draw(st.sampled_from([ABSENT, *VALUES[name]]))
        if value is ABSENT:
            del item[name]
        else:
            item[name] = value
    return item


@settings(max_examples=600, deadline=None)
@given(items())
def test_the_shortcut_accepts_only_what_the_serializer_accepts_and_returns_the_same(item):
    serializer = TouchInputSerializer()
    plain = serializer.plainly_valid(item)
    try:
        expected = serializer.run_validation(item)
    except ValidationError:
        assert plain is None
    else:
        if plain is not None:
            assert plain == dict(expected)
            assert [type(v) for v in plain.values()] == [type(expected[k]) for k in plain]


def test_a_well_formed_item_takes_the_shortcut():
    item = {
        "id": "9b2f4a8e-6f0e-4d1a-9a53-2c1d5f0e7a11",
        "prospect": 3,
        "contact": None,
        "channel": "call",
        "outcome": "no_answer",
        "note": " called twice ",
        "occurred_at": "2025-03-01T09:30:00+01:00",
    }

    plain = TouchInputSerializer().plainly_valid(item)

    assert plain is not None
    assert plain["note"] == "called twice"
    assert plain["occurred_at"] == dt.datetime(2025, 3, 1, 8, 30, tzinfo=dt.UTC)
