"""cadence 0006: existing follow-ups are renumbered as the planner counts attempts, one occasion each."""

from __future__ import annotations

import datetime as dt
import importlib
from zoneinfo import ZoneInfo

migration = importlib.import_module("cadence.migrations.0006_attempts_are_occasions")
NEW_YORK = ZoneInfo("America/New_York")


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, 0, tzinfo=NEW_YORK)


def test_a_call_its_voicemail_and_the_same_day_email_are_one_attempt_and_the_next_day_is_the_next():
    touches = [
        ("call", at(2, 9), "call", "no_answer", 1),
        ("voicemail", at(2, 9), "voicemail", "left_voicemail", 1),
        ("email", at(2, 15), "email", "sent", 1),
        ("next call", at(3, 10), "call", "no_answer", 1),
    ]

    numbers = migration._numbers(touches, {1: NEW_YORK}, NEW_YORK)

    assert numbers == {"call": (1, 0), "voicemail": (1, 1), "email": (1, 2), "next call": (2, 0)}


def test_late_evening_in_new_york_is_still_that_day_on_their_clock():
    evening = dt.datetime(2026, 3, 3, 2, 30, tzinfo=dt.UTC)  # 21:30 on the 2nd in New York
    touches = [("call", at(2, 9), "call", "no_answer", 1), ("email", evening, "email", "sent", 1)]

    assert migration._numbers(touches, {1: NEW_YORK}, NEW_YORK) == {"call": (1, 0), "email": (1, 1)}


def test_a_call_after_a_conversation_the_same_day_is_a_new_attempt_and_notes_are_not_attempts():
    touches = [
        ("connected", at(2, 9), "call", "connected", 1),
        ("note", at(2, 10), "note", "other", 1),
        ("call back", at(2, 16), "call", "no_answer", 1),
    ]

    assert migration._numbers(touches, {1: NEW_YORK}, NEW_YORK) == {"connected": (1, 0), "call back": (2, 0)}


def test_touches_to_another_contact_the_same_day_are_another_attempt():
    touches = [("to Joe", at(2, 9), "call", "no_answer", 1), ("to Ann", at(2, 11), "call", "no_answer", 2)]

    assert migration._numbers(touches, {1: NEW_YORK, 2: NEW_YORK}, NEW_YORK) == {"to Joe": (1, 0), "to Ann": (2, 0)}
