"""Planning attempts: when, in which window, on which channel, with which theme, and how they are counted.

The calendar is October 2025 in New York unless a test says otherwise: Mon 6, Wed 8, Fri 10, Mon 13.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from cadence.planner import (
    Action,
    CallWindow,
    Channel,
    ContactInfo,
    ContactRole,
    DaysOff,
    Decision,
    FixedDaysOff,
    Kind,
    NoDaysOff,
    Outcome,
    PastTouch,
    Rules,
    Situation,
    Theme,
    holiday_calendar,
    plan_next,
)

NEW_YORK = ZoneInfo("America/New_York")
JOE = ContactInfo(id=1, role=ContactRole.DECISION_MAKER, timezone="America/New_York", has_phone=True, has_email=True)


def oct_(day: int, hour: int, minute: int = 0, *, month: int = 10) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=NEW_YORK)


def touch(
    at: datetime,
    channel: Channel = Channel.CALL,
    outcome: Outcome = Outcome.NO_ANSWER,
    *,
    kind: Kind = Kind.REGULAR,
    theme: Theme = Theme.NONE,
    contact_id: int | None = 1,
) -> PastTouch:
    return PastTouch(occurred_at=at, channel=channel, kind=kind, outcome=outcome, theme=theme, contact_id=contact_id)


def plan(
    *,
    now: datetime,
    history: tuple[PastTouch, ...] = (),
    rules: Rules | None = None,
    contacts: tuple[ContactInfo, ...] = (JOE,),
    days_off: DaysOff | None = None,
) -> Decision:
    return plan_next(
        Situation(
            rules=rules or Rules(),
            history=history,
            contacts=contacts,
            now=now,
            days_off=days_off or NoDaysOff(),
            default_timezone="America/New_York",
        )
    )


def local(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment.astimezone(NEW_YORK)


# The first attempt: as soon as possible (speed to lead)


def test_the_first_attempt_goes_into_the_window_we_are_in_right_now() -> None:
    decision = plan(now=oct_(6, 11, 20))

    assert decision.action is Action.FOLLOW_UP
    assert (decision.attempt, decision.channel, decision.kind) == (1, Channel.CALL, Kind.REGULAR)
    assert (local(decision.due_start), local(decision.due_end)) == (oct_(6, 11), oct_(6, 12))
    assert decision.window_index == 1
    assert decision.reason.startswith("Attempt 1 of 8 · first try, as soon as possible · 11:00 window")


def test_the_first_attempt_between_windows_takes_the_next_window_today() -> None:
    decision = plan(now=oct_(6, 12, 30))

    assert local(decision.due_start) == oct_(6, 13, 30)


def test_the_first_attempt_after_the_last_window_goes_to_the_next_working_day() -> None:
    friday_evening = oct_(10, 17, 30)

    decision = plan(now=friday_evening)

    assert local(decision.due_start) == oct_(13, 8)


def test_a_first_attempt_on_a_public_holiday_waits_for_the_next_working_day() -> None:
    columbus_day = oct_(13, 9, 30)

    decision = plan(now=columbus_day, days_off=holiday_calendar(country="US"))

    assert local(decision.due_start) == oct_(14, 8)
    assert "Mon 13 Oct is Columbus Day, moved to Tue" in decision.reason


def test_due_times_come_back_in_utc() -> None:
    decision = plan(now=oct_(6, 11, 20))

    assert decision.due_start == datetime(2025, 10, 6, 15, 0, tzinfo=UTC)
    assert decision.due_start is not None and decision.due_start.tzinfo is UTC


# Voicemail and email on the heels of a call


def test_a_no_answer_call_is_followed_by_a_voicemail_right_away_as_the_same_attempt() -> None:
    call = touch(oct_(6, 11, 5))

    decision = plan(now=oct_(6, 11, 6), history=(call,))

    assert (decision.attempt, decision.step, decision.channel, decision.kind) == (1, 1, Channel.VOICEMAIL, Kind.REGULAR)
    assert decision.due_start == call.occurred_at
    assert local(decision.due_end) == oct_(6, 12)  # the end of the window the call was made in
    assert decision.window_index is None
    assert decision.reason == "Attempt 1 of 8 · no answer at 11:05, leave a voicemail now · share something useful"


def test_a_call_outside_every_window_still_gets_an_hour_for_its_voicemail() -> None:
    decision = plan(now=oct_(6, 10, 1), history=(touch(oct_(6, 10)),))

    assert decision.channel is Channel.VOICEMAIL
    assert local(decision.due_end) == oct_(6, 11)


def test_a_voicemail_not_left_by_the_end_of_the_window_gives_way_to_the_next_call() -> None:
    decision = plan(now=oct_(6, 15), history=(touch(oct_(6, 11, 5)),))

    assert (decision.attempt, decision.channel) == (2, Channel.CALL)
    assert local(decision.due_start).date() == date(2025, 10, 8)


def test_without_voicemail_after_no_answer_the_next_call_waits_for_the_gap() -> None:
    decision = plan(now=oct_(6, 11, 6), history=(touch(oct_(6, 11, 5)),), rules=Rules(voicemail_after_no_answer=False))

    assert decision.channel is Channel.CALL
    assert local(decision.due_start).date() == date(2025, 10, 8)


def test_a_voicemail_is_followed_by_an_email_the_same_local_day_when_the_cadence_says_so() -> None:
    history = (touch(oct_(6, 11, 5)), touch(oct_(6, 11, 6), Channel.VOICEMAIL, Outcome.LEFT_VOICEMAIL))

    decision = plan(now=oct_(6, 11, 10), history=history, rules=Rules(email_after_voicemail=True))

    assert (decision.attempt, decision.step, decision.channel) == (1, 2, Channel.EMAIL)
    assert decision.due_start == oct_(6, 11, 6)
    assert local(decision.due_end) == oct_(7, 0)  # any time today, local midnight
    assert "email the same day to back up the voicemail" in decision.reason


def test_a_call_where_the_rep_left_a_voicemail_also_gets_the_same_day_email() -> None:
    decision = plan(
        now=oct_(6, 16, 30),
        history=(touch(oct_(6, 16, 5), outcome=Outcome.LEFT_VOICEMAIL),),
        rules=Rules(email_after_voicemail=True),
    )

    assert (decision.attempt, decision.step, decision.channel) == (1, 1, Channel.EMAIL)


def test_there_is_no_same_day_email_unless_the_cadence_asks_for_one() -> None:
    history = (touch(oct_(6, 11, 5)), touch(oct_(6, 11, 6), Channel.VOICEMAIL, Outcome.LEFT_VOICEMAIL))

    decision = plan(now=oct_(6, 11, 10), history=history)

    assert decision.channel is Channel.CALL
    assert local(decision.due_start).date() == date(2025, 10, 8)


def test_a_call_and_its_voicemail_logged_in_the_same_minute_are_read_in_that_order() -> None:
    same_minute = oct_(6, 11, 5)
    voicemail = touch(same_minute, Channel.VOICEMAIL, Outcome.LEFT_VOICEMAIL, theme=Theme.INFORMATION)

    decision = plan(now=oct_(6, 11, 10), history=(voicemail, touch(same_minute)))

    assert decision.channel is Channel.CALL  # not a second voicemail


# Spacing: local calendar days, working days, holidays


def test_after_the_voicemail_the_next_call_is_every_other_day_in_a_different_window() -> None:
    history = (
        touch(oct_(6, 11, 5)),
        touch(oct_(6, 11, 6), Channel.VOICEMAIL, Outcome.LEFT_VOICEMAIL, theme=Theme.INFORMATION),
    )

    decision = plan(now=oct_(6, 11, 10), history=history)

    assert (decision.attempt, decision.step, decision.channel, decision.window_index) == (2, 0, Channel.CALL, 2)
    assert (local(decision.due_start), local(decision.due_end)) == (oct_(8, 13, 30), oct_(8, 14, 30))
    assert decision.reason == (
        "Attempt 2 of 8 · every other day · 13:30 window, not tried yet · "
        "invite them to something (last time: information)"
    )


def test_the_gap_is_counted_in_local_calendar_days_not_in_24_hour_blocks() -> None:
    # 23:30 on Monday in New York is already Tuesday in UTC; the next call is still Wednesday, local time.
    late_monday_call = touch(oct_(6, 23, 30).astimezone(UTC))  # as the database hands it over

    decision = plan(now=oct_(6, 23, 31), history=(late_monday_call,), rules=Rules(voicemail_after_no_answer=False))

    assert late_monday_call.occurred_at.astimezone(UTC).date() == date(2025, 10, 7)
    assert local(decision.due_start).date() == date(2025, 10, 8)


def test_a_window_keeps_its_local_time_across_the_end_of_daylight_saving() -> None:
    # Clocks go back on Sunday 2 November; Friday's 11:00 call was at 15:00 UTC, Monday's 13:30 is 18:30 UTC.
    decision = plan(
        now=oct_(31, 12),
        history=(touch(oct_(31, 11, 5), outcome=Outcome.LEFT_VOICEMAIL),),
        rules=Rules(gaps_days=(3,)),
    )

    assert local(decision.due_start) == oct_(3, 13, 30, month=11)
    assert decision.due_start == datetime(2025, 11, 3, 18, 30, tzinfo=UTC)


def test_a_window_in_the_hour_that_happens_twice_is_planned_once_at_its_first_occurrence() -> None:
    # Sunday 2 November 2025 in New York: 01:00-02:00 happens first in EDT, then again in EST.
    night_owl = Rules(
        windows=(CallWindow(start=time(1), end=time(2)),),
        working_weekdays=frozenset(range(7)),
        gaps_days=(1,),
        voicemail_after_no_answer=False,
    )
    saturday_call = touch(oct_(1, 1, 5, month=11))

    sunday = plan(now=oct_(1, 2, month=11), history=(saturday_call,), rules=night_owl)
    assert sunday.due_start is not None
    after_sunday = plan(now=oct_(2, 6, month=11), history=(saturday_call, touch(sunday.due_start)), rules=night_owl)

    assert sunday.due_start == datetime(2025, 11, 2, 5, 0, tzinfo=UTC)  # 01:00 EDT
    assert sunday.due_end == datetime(2025, 11, 2, 6, 0, tzinfo=UTC)  # its first pass only
    assert local(after_sunday.due_start).date() == date(2025, 11, 3)


def test_a_window_in_the_hour_that_never_happens_is_planned_an_hour_later_not_dropped() -> None:
    # Sunday 8 March 2026 in New York: the clocks jump from 02:00 to 03:00.
    night_owl = Rules(
        windows=(CallWindow(start=time(2, 15), end=time(2, 45)),),
        working_weekdays=frozenset(range(7)),
        gaps_days=(1,),
        voicemail_after_no_answer=False,
    )
    saturday_call = touch(datetime(2026, 3, 7, 2, 20, tzinfo=NEW_YORK))

    decision = plan(now=datetime(2026, 3, 7, 9, tzinfo=NEW_YORK), history=(saturday_call,), rules=night_owl)

    assert decision.action is Action.FOLLOW_UP
    assert local(decision.due_start) == datetime(2026, 3, 8, 3, 15, tzinfo=NEW_YORK)
    assert local(decision.due_end) == datetime(2026, 3, 8, 3, 45, tzinfo=NEW_YORK)


def test_the_next_call_moves_off_the_weekend() -> None:
    thursday_call = touch(oct_(9, 11, 5), outcome=Outcome.LEFT_VOICEMAIL)

    decision = plan(now=oct_(9, 12), history=(thursday_call,))

    assert local(decision.due_start).date() == date(2025, 10, 13)
    assert "Sat 11 Oct is not a working day, moved to Mon" in decision.reason


def test_a_due_date_on_a_day_off_moves_to_the_next_working_day() -> None:
    offsite = FixedDaysOff(days=frozenset({date(2025, 10, 8)}))

    decision = plan(now=oct_(6, 12), history=(touch(oct_(6, 11, 5), outcome=Outcome.LEFT_VOICEMAIL),), days_off=offsite)

    assert local(decision.due_start).date() == date(2025, 10, 9)
    assert "Wed 8 Oct is a day off, moved to Thu" in decision.reason


def test_a_custom_working_week_is_respected() -> None:
    sunday_to_thursday = Rules(working_weekdays=frozenset({6, 0, 1, 2, 3}))
    thursday_call = touch(oct_(9, 11, 5), outcome=Outcome.LEFT_VOICEMAIL)

    decision = plan(now=oct_(9, 12), history=(thursday_call,), rules=sunday_to_thursday)

    assert local(decision.due_start).date() == date(2025, 10, 12)  # Sunday


def test_long_haul_gaps_stretch_out_and_the_last_one_repeats() -> None:
    long_haul = Rules(gaps_days=(1, 3, 7), min_touches=1, max_touches=20)
    days = [oct_(6, 11, 5), oct_(7, 13, 35), oct_(10, 16, 5), oct_(17, 8, 5)]
    history = tuple(touch(day, outcome=Outcome.LEFT_VOICEMAIL) for day in days)

    after_three_days = plan(now=oct_(10, 17), history=history[:3], rules=long_haul)
    after_four_days = plan(now=oct_(17, 9), history=history, rules=long_haul)

    assert local(after_three_days.due_start).date() == date(2025, 10, 17)
    assert "a week after Fri" in after_three_days.reason
    assert local(after_four_days.due_start).date() == date(2025, 10, 24)


def test_an_overdue_attempt_is_due_today_in_a_window_that_is_still_open() -> None:
    monday_call = touch(oct_(6, 11, 5), outcome=Outcome.LEFT_VOICEMAIL)

    decision = plan(now=oct_(10, 13, 50), history=(monday_call,))

    assert (local(decision.due_start), local(decision.due_end)) == (oct_(10, 13, 30), oct_(10, 14, 30))
    assert "meant for Wed 8 Oct, this is the first open window since" in decision.reason


# A different time each attempt


def test_every_window_is_tried_before_any_repeats() -> None:
    history = tuple(
        touch(at, outcome=Outcome.LEFT_VOICEMAIL) for at in (oct_(6, 11, 5), oct_(8, 16, 5), oct_(10, 8, 5))
    )

    decision = plan(now=oct_(10, 9), history=history)

    assert decision.window_index == 2
    assert "13:30 window, not tried yet" in decision.reason


def test_once_all_windows_had_a_turn_the_longest_unused_one_comes_round_again() -> None:
    history = tuple(
        touch(at, outcome=Outcome.LEFT_VOICEMAIL)
        for at in (oct_(6, 8, 5), oct_(8, 11, 5), oct_(10, 13, 35), oct_(14, 16, 5))
    )

    decision = plan(now=oct_(14, 17), history=history)

    assert decision.window_index == 0
    assert "08:00 window, not tried since Mon 6 Oct" in decision.reason


def test_later_attempts_prefer_the_window_where_the_contact_picked_up() -> None:
    history = (
        touch(oct_(6, 16, 10), outcome=Outcome.CONNECTED),
        touch(oct_(9, 8, 5), outcome=Outcome.LEFT_VOICEMAIL),  # the agreed follow-up call: no answer
    )

    decision = plan(now=oct_(9, 9), history=history)

    assert decision.window_index == 3
    assert "16:00 window, they picked up there Mon" in decision.reason


# Counting attempts


def test_notes_never_count_as_attempts() -> None:
    note = touch(oct_(6, 10), Channel.OTHER, Outcome.SENT)
    history = (
        note,
        touch(oct_(6, 11, 5), outcome=Outcome.LEFT_VOICEMAIL),
        replace(note, occurred_at=oct_(6, 12)),
    )

    decision = plan(now=oct_(6, 13), history=history)

    assert decision.attempt == 2


def test_calls_voicemails_emails_and_visits_count_once_per_occasion() -> None:
    history = (
        touch(oct_(6, 11, 5), Channel.CALL, Outcome.NO_ANSWER),
        touch(oct_(6, 11, 6), Channel.VOICEMAIL, Outcome.LEFT_VOICEMAIL),  # the same attempt as its call
        touch(oct_(8, 13, 35), Channel.EMAIL, Outcome.SENT),
        touch(oct_(10, 16, 5), Channel.IN_PERSON, Outcome.NO_ANSWER),
    )

    decision = plan(now=oct_(10, 17), history=history, rules=Rules(voicemail_after_no_answer=False))

    assert decision.attempt == 4
    assert decision.reason.startswith("Attempt 4 of 8")


def test_the_same_day_email_after_a_voicemail_is_part_of_that_attempt() -> None:
    history = (
        touch(oct_(6, 11, 5), Channel.CALL, Outcome.NO_ANSWER),
        touch(oct_(6, 11, 6), Channel.VOICEMAIL, Outcome.LEFT_VOICEMAIL),
        touch(oct_(6, 15, 0), Channel.EMAIL, Outcome.SENT),
    )

    decision = plan(now=oct_(6, 16), history=history)

    assert (decision.attempt, decision.step) == (2, 0)


def test_a_touch_the_next_local_day_is_a_new_attempt_even_within_24_hours() -> None:
    history = (
        touch(oct_(6, 16, 5), Channel.CALL, Outcome.LEFT_VOICEMAIL),
        touch(oct_(7, 8, 5), Channel.EMAIL, Outcome.SENT),
    )

    assert plan(now=oct_(7, 9), history=history).attempt == 3


def test_a_call_after_a_conversation_the_same_day_is_a_new_attempt() -> None:
    history = (
        touch(oct_(6, 11, 5), Channel.CALL, Outcome.CONNECTED),
        touch(oct_(6, 15, 5), Channel.CALL, Outcome.NO_ANSWER),
    )

    decision = plan(now=oct_(6, 15, 6), history=history)

    assert (decision.attempt, decision.step, decision.channel) == (2, 1, Channel.VOICEMAIL)


# Channels and themes


def test_a_contact_without_a_phone_gets_emails() -> None:
    decision = plan(now=oct_(6, 11, 20), contacts=(replace(JOE, has_phone=False),))

    assert decision.channel is Channel.EMAIL
    assert "by email (no working phone)" in decision.reason


def test_a_bounced_email_means_no_more_emails_to_that_contact() -> None:
    history = (
        touch(oct_(6, 11, 5), outcome=Outcome.LEFT_VOICEMAIL),
        touch(oct_(6, 11, 6), Channel.EMAIL, Outcome.BOUNCED),
    )

    after_voicemail = plan(
        now=oct_(8, 13, 40),
        history=(*history, touch(oct_(8, 13, 35), Channel.VOICEMAIL, Outcome.LEFT_VOICEMAIL)),
        rules=Rules(email_after_voicemail=True),
    )
    flagged = plan(now=oct_(8, 13, 40), history=history[:1], contacts=(replace(JOE, email_bounced=True),))

    assert after_voicemail.channel is Channel.CALL
    assert flagged.channel is Channel.CALL


def test_themes_rotate_information_invitation_introduction() -> None:
    def next_theme_after(theme: Theme) -> Theme | None:
        spoken = touch(oct_(6, 11, 5), outcome=Outcome.LEFT_VOICEMAIL, theme=theme)
        return plan(now=oct_(6, 12), history=(spoken,)).theme

    assert plan(now=oct_(6, 11, 20)).theme is Theme.INFORMATION
    assert next_theme_after(Theme.INFORMATION) is Theme.INVITATION
    assert next_theme_after(Theme.INVITATION) is Theme.INTRODUCTION
    assert next_theme_after(Theme.INTRODUCTION) is Theme.INFORMATION


def test_an_unanswered_call_said_nothing_so_its_theme_goes_into_the_voicemail() -> None:
    history = (
        touch(oct_(6, 11, 5), outcome=Outcome.LEFT_VOICEMAIL, theme=Theme.INVITATION),
        touch(oct_(8, 13, 35), theme=Theme.INTRODUCTION),
    )

    decision = plan(now=oct_(8, 13, 36), history=history)

    assert (decision.channel, decision.theme) == (Channel.VOICEMAIL, Theme.INTRODUCTION)
    assert decision.reason.endswith("offer an introduction (last time: an invitation)")


def test_the_planner_is_deterministic() -> None:
    history = (touch(oct_(6, 11, 5), outcome=Outcome.LEFT_VOICEMAIL, theme=Theme.INFORMATION),)

    assert plan(now=oct_(7, 9), history=history) == plan(now=oct_(7, 9), history=history)
    assert plan(now=oct_(7, 9), history=history) == plan(now=oct_(7, 9, 30), history=history)


def test_a_window_given_in_local_time_lands_in_the_contacts_zone() -> None:
    priya = ContactInfo(id=1, role=ContactRole.DECISION_MAKER, timezone="Asia/Kolkata", has_phone=True, has_email=True)
    early_morning_in_new_york = oct_(6, 0, 30)  # 10:00 in Kolkata

    decision = plan(now=early_morning_in_new_york, contacts=(priya,), rules=Rules())

    start = decision.due_start
    assert start is not None
    assert start.astimezone(ZoneInfo("Asia/Kolkata")).time() == time(11)
    assert start == datetime(2025, 10, 6, 5, 30, tzinfo=UTC)
