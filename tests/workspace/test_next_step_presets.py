"""A next step agreed on the phone in one key: the days on offer, at 10:00 on the contact's clock (later today two
hours on), each said on both clocks; a day typed instead; and nothing saved without a day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.http import QueryDict

from workspace.touch_forms import QuickLogForm, next_step_presets

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
# Thursday 3 December 2026, 11:07 in New York.
NOW = dt.datetime(2026, 12, 3, 11, 7, tzinfo=NEW_YORK)


def test_the_presets_are_later_today_tomorrow_two_working_days_and_next_monday_on_the_contacts_clock():
    presets = {p.key: p for p in next_step_presets(tz=NEW_YORK, rep_tz=BERLIN, now=NOW)}

    assert presets["later_today"].at == dt.datetime(2026, 12, 3, 13, 15, tzinfo=NEW_YORK)
    assert presets["tomorrow"].at == dt.datetime(2026, 12, 4, 10, 0, tzinfo=NEW_YORK)
    assert presets["two_working_days"].at == dt.datetime(2026, 12, 7, 10, 0, tzinfo=NEW_YORK)  # Fri, then Mon
    assert presets["next_week"].at == dt.datetime(2026, 12, 7, 10, 0, tzinfo=NEW_YORK)
    assert presets["tomorrow"].when == "Fri 4 Dec 10:00 their time · 16:00 yours"


def test_later_today_is_not_offered_after_the_last_calling_hour():
    evening = dt.datetime(2026, 12, 3, 18, 30, tzinfo=NEW_YORK)

    keys = [p.key for p in next_step_presets(tz=NEW_YORK, rep_tz=None, now=evening)]

    assert keys == ["tomorrow", "two_working_days", "next_week"]


def _form(**data: str) -> QuickLogForm:
    query = QueryDict(mutable=True)
    query.update({"outcome": "connected", **data})
    return QuickLogForm(query, earlier_notes=[], tz=NEW_YORK, rep_tz=BERLIN, now=NOW)


def test_a_preset_pressed_is_the_next_steps_moment():
    form = _form(next_step_what="Call back", next_step_preset="tomorrow")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["next_step_when"] == dt.datetime(2026, 12, 4, 10, 0, tzinfo=NEW_YORK)


def test_a_day_typed_takes_its_time_or_ten_and_a_past_day_is_refused_next_to_the_day():
    typed = _form(next_step_what="Send rates", next_step_day="2026-12-09", next_step_time="15:30")
    no_time = _form(next_step_what="Send rates", next_step_day="2026-12-09", next_step_time="")
    past = _form(next_step_what="Send rates", next_step_day="2026-12-01", next_step_time="10:00")

    assert typed.is_valid() and typed.cleaned_data["next_step_when"] == dt.datetime(
        2026, 12, 9, 15, 30, tzinfo=NEW_YORK
    )
    assert no_time.is_valid() and no_time.cleaned_data["next_step_when"].time() == dt.time(10)
    assert not past.is_valid() and past.errors["next_step_day"] == ["Pick a day and time in the future."]


def test_a_conversation_without_a_day_saves_nothing_and_says_so_next_to_the_day():
    form = _form(next_step_what="Call back", next_step_day="")

    assert not form.is_valid()
    assert "Before saving: when is it?" in form.errors["next_step_day"][0]
