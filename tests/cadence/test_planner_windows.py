"""Local time, call windows, the window rotation, working days and holiday calendars. No Django needed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from cadence.planner import CallWindow, FixedDaysOff, NoDaysOff, Rules, holiday_calendar
from cadence.planner.windows import (
    day_bounds,
    first_open_slot,
    is_wall_time_skipped,
    next_workday,
    rotation,
    wall_to_utc,
    window_at,
    zone,
)

NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
KOLKATA = ZoneInfo("Asia/Kolkata")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def window_bounds(day: date, window: CallWindow, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return day_bounds(day, (window,), tz)[0]


# Wall-clock times around DST


def test_a_window_on_a_spring_forward_night_moves_forward_whole() -> None:
    # New York, Sunday 9 March 2025: 02:00 jumps to 03:00, so 02:00-03:00 never happens.
    start, end = window_bounds(date(2025, 3, 9), CallWindow(start=time(2), end=time(3)), NEW_YORK)

    assert start.astimezone(NEW_YORK).time() == time(3)
    assert end.astimezone(NEW_YORK).time() == time(4)


def test_a_window_whose_end_falls_in_the_gap_ends_after_the_jump() -> None:
    start, end = window_bounds(date(2025, 3, 9), CallWindow(start=time(1, 30), end=time(2, 30)), NEW_YORK)

    assert start == utc(2025, 3, 9, 6, 30)
    assert end == utc(2025, 3, 9, 7, 30)  # 03:30 EDT: still one real hour of calling


def test_lord_howes_half_hour_gap_shifts_a_window_by_half_an_hour_and_keeps_its_hour() -> None:
    # Lord Howe Island, Sunday 5 October 2025: 02:00 jumps to 02:30.
    start, end = window_bounds(date(2025, 10, 5), CallWindow(start=time(2, 15), end=time(3, 15)), LORD_HOWE)

    assert start.astimezone(LORD_HOWE).time() == time(2, 45)
    assert end.astimezone(LORD_HOWE).time() == time(3, 45)
    assert end - start == timedelta(hours=1)


def test_a_window_in_the_hour_that_happens_twice_is_taken_once_on_its_first_pass() -> None:
    # New York, Sunday 2 November 2025: 01:00-02:00 happens twice; the first time is still EDT (-4).
    start, end = window_bounds(date(2025, 11, 2), CallWindow(start=time(1), end=time(2)), NEW_YORK)

    assert start == utc(2025, 11, 2, 5, 0)
    assert end == utc(2025, 11, 2, 6, 0)  # 02:00 EDT, the moment the clocks go back to 01:00 EST


def test_a_window_moved_by_a_jump_pushes_the_next_one_rather_than_overlap_it() -> None:
    # New York, Sunday 8 March 2026: 01:30-02:30 keeps its hour and ends at 03:30 EDT.
    windows = (CallWindow(start=time(1, 30), end=time(2, 30)), CallWindow(start=time(3), end=time(4)))

    (first_start, first_end), (second_start, second_end) = day_bounds(date(2026, 3, 8), windows, NEW_YORK)

    assert first_end == second_start == utc(2026, 3, 8, 7, 30)
    assert second_end - second_start == timedelta(hours=1)


def test_a_skipped_wall_time_is_recognised_and_a_doubled_one_is_not() -> None:
    assert is_wall_time_skipped(date(2025, 3, 9), time(2, 30), NEW_YORK)
    assert not is_wall_time_skipped(date(2025, 11, 2), time(1, 30), NEW_YORK)
    assert not is_wall_time_skipped(date(2025, 3, 9), time(3, 0), NEW_YORK)


def test_wall_times_in_a_zone_without_dst_convert_with_the_half_hour_offset() -> None:
    assert wall_to_utc(date(2025, 6, 2), time(11), KOLKATA) == utc(2025, 6, 2, 5, 30)


def test_a_moment_is_placed_in_a_window_by_its_local_time() -> None:
    windows = Rules().windows

    assert window_at(utc(2025, 6, 2, 15, 20), windows, NEW_YORK) == 1  # 11:20 EDT
    assert window_at(utc(2025, 6, 2, 16, 0), windows, NEW_YORK) is None  # 12:00 EDT: the window has closed
    assert window_at(utc(2025, 6, 2, 5, 45), windows, KOLKATA) == 1  # 11:15 IST


def test_an_unknown_timezone_falls_back_to_the_prospects_then_to_utc() -> None:
    assert zone("Mars/Olympus_Mons", fallback="Europe/London") == ZoneInfo("Europe/London")
    assert zone("", fallback="") == ZoneInfo("UTC")
    assert zone("Asia/Kolkata", fallback="Europe/London") == KOLKATA


# The rotation: a different time each attempt


def test_the_first_round_walks_through_the_day_in_order() -> None:
    assert rotation(4, []) == (0, 1, 2, 3)
    assert rotation(4, [0]) == (1, 2, 3)
    assert rotation(4, [0, 1, 2]) == (3,)


def test_the_rotation_continues_from_the_window_after_the_last_one() -> None:
    assert rotation(4, [2]) == (3, 0, 1)


def test_a_new_round_never_starts_in_the_window_just_used() -> None:
    assert rotation(4, [0, 1, 2, 3]) == (0, 1, 2)


def test_an_early_repeat_by_the_rep_opens_a_new_round() -> None:
    # The rep called at 11:00 twice in a row; that second 11:00 call starts the next round.
    assert rotation(4, [0, 1, 1]) == (2, 3, 0)


def test_the_window_where_they_picked_up_goes_first() -> None:
    assert rotation(4, [0, 1], picked_up_in=3)[0] == 3
    assert rotation(4, [0, 1, 2, 3, 0], picked_up_in=3)[0] == 3  # even if already tried this round


def test_the_window_where_they_picked_up_is_not_used_twice_in_a_row() -> None:
    assert rotation(4, [0, 3], picked_up_in=3) == (1, 2)


def test_a_single_window_is_all_there_is() -> None:
    assert rotation(1, [0, 0]) == (0,)


# Working days and the first open slot


def test_the_next_workday_skips_weekends_and_days_off() -> None:
    rules = Rules()
    christmas = FixedDaysOff(days=frozenset({date(2025, 12, 25), date(2025, 12, 26)}))

    assert next_workday(date(2025, 12, 24), rules=rules, days_off=christmas) == date(2025, 12, 24)
    assert next_workday(date(2025, 12, 25), rules=rules, days_off=christmas) == date(2025, 12, 29)


def test_a_calendar_with_no_working_day_in_sight_is_an_error() -> None:
    mondays_only = Rules(working_weekdays=frozenset({0}))
    start = date(2025, 1, 1).toordinal()
    every_day_off = FixedDaysOff(days=frozenset(date.fromordinal(start + n) for n in range(800)))

    with pytest.raises(ValueError, match="no working day"):
        next_workday(date(2025, 1, 1), rules=mondays_only, days_off=every_day_off)


def test_a_window_that_is_still_open_is_taken_even_though_it_started_earlier() -> None:
    now = datetime(2025, 6, 2, 11, 40, tzinfo=NEW_YORK)

    slot = first_open_slot(
        earliest=date(2025, 6, 2),
        order=(0, 1, 2, 3),
        rules=Rules(),
        tz=NEW_YORK,
        days_off=NoDaysOff(),
        now=now,
    )

    assert (slot.day, slot.index) == (date(2025, 6, 2), 1)
    assert slot.start < now < slot.end


def test_windows_that_have_ended_today_push_the_slot_to_the_next_working_day() -> None:
    friday_evening = datetime(2025, 6, 6, 17, 30, tzinfo=NEW_YORK)

    slot = first_open_slot(
        earliest=date(2025, 6, 6),
        order=(0, 1, 2, 3),
        rules=Rules(),
        tz=NEW_YORK,
        days_off=NoDaysOff(),
        now=friday_evening,
    )

    assert (slot.day, slot.index) == (date(2025, 6, 9), 0)


# Rules validation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"gaps_days": ()}, "gaps_days"),
        ({"gaps_days": (2, 0)}, "gaps_days"),
        ({"windows": ()}, "call window"),
        (
            {"windows": (CallWindow(start=time(8), end=time(10)), CallWindow(start=time(9), end=time(11)))},
            "overlap",
        ),
        ({"working_weekdays": frozenset()}, "working_weekdays"),
        ({"working_weekdays": frozenset({7})}, "working_weekdays"),
        ({"min_touches": 9, "max_touches": 8}, "min_touches"),
        ({"min_touches": 0}, "min_touches"),
        ({"pleasantly_persistent": True, "min_touches": 1, "max_touches": 1}, "pleasantly persistent"),
        ({"recycle_after_days": 0}, "recycle_after_days"),
    ],
)
def test_rules_that_cannot_work_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Rules(**kwargs)  # type: ignore[arg-type]


def test_a_call_window_must_end_after_it_starts() -> None:
    with pytest.raises(ValueError, match="end after it starts"):
        CallWindow(start=time(17), end=time(16))


def test_the_last_gap_repeats() -> None:
    long_haul = Rules(gaps_days=(2, 2, 3, 3, 5, 7, 7, 14, 14, 21))

    assert [long_haul.gap_after(n) for n in (1, 3, 5, 10, 11, 40)] == [2, 3, 5, 21, 21, 21]


# Holiday calendars


def test_the_us_calendar_knows_independence_day_and_its_observed_friday() -> None:
    us = holiday_calendar(country="US")

    assert us.is_day_off(date(2025, 7, 4))
    assert us.is_day_off(date(2026, 7, 3))  # 4 July 2026 is a Saturday
    assert not us.is_day_off(date(2025, 7, 7))


def test_country_codes_are_read_in_any_case_and_subdivisions_add_their_own_days() -> None:
    assert holiday_calendar(country=" in ").is_day_off(date(2025, 1, 26))  # Republic Day
    assert holiday_calendar(country="US", subdivision="ma").is_day_off(date(2025, 4, 21))  # Patriots' Day
    assert not holiday_calendar(country="US").is_day_off(date(2025, 4, 21))


def test_an_unknown_subdivision_falls_back_to_the_country() -> None:
    assert holiday_calendar(country="GB", subdivision="Atlantis").is_day_off(date(2025, 12, 25))


@pytest.mark.parametrize("country", ["", "  ", "XX", "Narnia"])
def test_a_blank_or_unknown_country_means_no_public_holidays(country: str) -> None:
    assert not holiday_calendar(country=country).is_day_off(date(2025, 12, 25))


def test_company_days_off_come_on_top_of_public_holidays() -> None:
    shutdown = [date(2025, 12, 29), date(2025, 12, 30)]

    assert holiday_calendar(country="US", extra_days_off=shutdown).is_day_off(date(2025, 12, 29))
    assert holiday_calendar(country="", extra_days_off=shutdown).is_day_off(date(2025, 12, 30))
