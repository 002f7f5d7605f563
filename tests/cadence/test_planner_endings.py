"""How a cadence ends: breakup, pleasantly persistent, waiting, giving up; stops, pauses and conversations."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cadence.planner import (
    Action,
    Channel,
    ContactInfo,
    ContactRole,
    Decision,
    Kind,
    NextStep,
    NoDaysOff,
    OnFinish,
    Outcome,
    PastTouch,
    Rules,
    Situation,
    Theme,
    count_attempts,
    give_up_is_early,
    plan_next,
    plan_preview,
)

NEW_YORK = ZoneInfo("America/New_York")
JOE = ContactInfo(id=1, role=ContactRole.DECISION_MAKER, timezone="America/New_York", has_phone=True, has_email=True)
BREAKUP_LINE = "breakup: you're busy, tell me if it's a no"


def oct_(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 10, 1, hour, minute, tzinfo=NEW_YORK) + timedelta(days=day - 1)


def touch(
    at: datetime,
    channel: Channel = Channel.CALL,
    outcome: Outcome = Outcome.LEFT_VOICEMAIL,
    *,
    kind: Kind = Kind.REGULAR,
    theme: Theme = Theme.NONE,
) -> PastTouch:
    return PastTouch(occurred_at=at, channel=channel, kind=kind, outcome=outcome, theme=theme, contact_id=1)


def voicemails(count: int) -> tuple[PastTouch, ...]:
    """`count` calls on which the rep left a voicemail: Mon 6, Wed 8, Fri 10, Tue 14 Oct ... one per day."""
    days = (6, 8, 10, 14, 16, 20, 22, 24, 28, 30)
    times = ((8, 5), (11, 5), (13, 35), (16, 5))
    themes = (Theme.INFORMATION, Theme.INVITATION, Theme.INTRODUCTION)
    return tuple(touch(oct_(days[n], *times[n % 4]), theme=themes[n % 3]) for n in range(count))


def situation(
    *,
    now: datetime,
    history: tuple[PastTouch, ...] = (),
    rules: Rules | None = None,
    contacts: tuple[ContactInfo, ...] = (JOE,),
    next_step: NextStep | None = None,
    paused: bool = False,
    paused_until: datetime | None = None,
    prospect_closed: bool = False,
) -> Situation:
    return Situation(
        rules=rules or Rules(),
        history=history,
        contacts=contacts,
        now=now,
        days_off=NoDaysOff(),
        default_timezone="America/New_York",
        next_step=next_step,
        paused=paused,
        paused_until=paused_until,
        prospect_closed=prospect_closed,
    )


def plan(**kwargs: Any) -> Decision:
    return plan_next(situation(**kwargs))


def local_date(moment: datetime | None) -> date:
    assert moment is not None
    return moment.astimezone(NEW_YORK).date()


# The breakup


def test_attempt_max_touches_is_the_breakup() -> None:
    decision = plan(now=oct_(22, 14), history=voicemails(7))

    assert (decision.attempt, decision.kind, decision.channel) == (8, Kind.BREAKUP, Channel.VOICEMAIL)
    assert decision.theme is Theme.NONE
    assert decision.reason.startswith("Attempt 8 of 8 · breakup: you're busy, tell me if it's a no · by voicemail")


def test_the_attempt_before_the_limit_is_a_regular_one() -> None:
    decision = plan(now=oct_(20, 14), history=voicemails(6))

    assert (decision.attempt, decision.kind) == (7, Kind.REGULAR)


def test_the_breakup_goes_by_email_to_a_contact_without_a_phone() -> None:
    decision = plan(now=oct_(22, 14), history=voicemails(7), contacts=(replace(JOE, has_phone=False),))

    assert (decision.kind, decision.channel) == (Kind.BREAKUP, Channel.EMAIL)


def test_an_unanswered_breakup_call_is_not_the_breakup_its_voicemail_is() -> None:
    history = (*voicemails(7), touch(oct_(24, 16, 5), outcome=Outcome.NO_ANSWER, kind=Kind.BREAKUP))

    decision = plan(now=oct_(24, 16, 6), history=history)

    assert decision.action is Action.FOLLOW_UP  # the breakup wait has not started: nobody heard it
    assert (decision.attempt, decision.step, decision.kind, decision.channel) == (
        8,
        1,
        Kind.BREAKUP,
        Channel.VOICEMAIL,
    )
    assert decision.reason == f"Attempt 8 of 8 · {BREAKUP_LINE} · no answer at 16:05, leave a voicemail now"


def test_a_breakup_nobody_heard_is_tried_again_as_an_attempt_within_the_plan() -> None:
    history = (*voicemails(7), touch(oct_(24, 16, 5), outcome=Outcome.NO_ANSWER, kind=Kind.BREAKUP))

    decision = plan(now=oct_(24, 18), history=history)  # the voicemail's moment has passed

    assert (decision.attempt, decision.attempt_of, decision.kind) == (9, 9, Kind.BREAKUP)
    assert decision.reason.startswith("Attempt 9 of 9 · the breakup did not get through on attempt 8, trying again")


def test_a_breakup_that_never_gets_through_ends_the_cadence_after_three_tries() -> None:
    history = (
        *voicemails(7),
        touch(oct_(24, 16, 5), outcome=Outcome.NO_ANSWER, kind=Kind.BREAKUP),
        touch(oct_(28, 8, 5), outcome=Outcome.NO_ANSWER, kind=Kind.BREAKUP),
        touch(oct_(30, 11, 5), outcome=Outcome.NO_ANSWER, kind=Kind.BREAKUP),
    )

    decision = plan(now=oct_(30, 18), history=history)

    assert decision.action is Action.WAIT
    assert "the breakup never got through" in decision.reason


def test_a_shorter_cadence_moves_the_breakup_with_it() -> None:
    decision = plan(now=oct_(10, 14), history=voicemails(3), rules=Rules(min_touches=3, max_touches=4))

    assert (decision.attempt, decision.kind) == (4, Kind.BREAKUP)
    assert decision.reason.startswith("Attempt 4 of 4 · breakup")


# Pleasantly persistent (docs/field-reports.md §3)


def test_the_pleasantly_persistent_message_names_the_action_and_a_date() -> None:
    decision = plan(now=oct_(20, 12), history=voicemails(6), rules=Rules(pleasantly_persistent=True))

    assert (decision.attempt, decision.kind, decision.channel) == (
        7,
        Kind.PLEASANTLY_PERSISTENT,
        Channel.VOICEMAIL,
    )
    assert local_date(decision.due_start) == date(2025, 10, 22)
    # Three days after Wed 22 Oct is a Saturday; the next working day is Monday.
    assert "pleasantly persistent: I'll stop by on Mon 27 Oct unless I hear back" in decision.reason


def test_the_promised_visit_is_the_breakup_and_happens_on_the_promised_date() -> None:
    rules = Rules(pleasantly_persistent=True)
    history = (*voicemails(6), touch(oct_(22, 13, 35), kind=Kind.PLEASANTLY_PERSISTENT))

    decision = plan(now=oct_(22, 14), history=history, rules=rules)

    assert (decision.attempt, decision.kind, decision.channel) == (8, Kind.BREAKUP, Channel.IN_PERSON)
    assert local_date(decision.due_start) == date(2025, 10, 27)
    assert decision.reason.startswith(f"Attempt 8 of 8 · stop by as promised (Mon 27 Oct) · {BREAKUP_LINE}")


def test_the_promised_action_can_be_a_call() -> None:
    rules = Rules(
        pleasantly_persistent=True,
        pleasantly_persistent_action="call",
        pleasantly_persistent_channel=Channel.CALL,
    )
    history = (*voicemails(6), touch(oct_(22, 13, 35), kind=Kind.PLEASANTLY_PERSISTENT))

    decision = plan(now=oct_(22, 14), history=history, rules=rules)

    assert (decision.channel, local_date(decision.due_start)) == (Channel.CALL, date(2025, 10, 27))
    assert "call as promised (Mon 27 Oct)" in decision.reason


def test_an_unanswered_pleasantly_persistent_call_leaves_the_message_as_its_voicemail() -> None:
    pp_call = touch(oct_(22, 11, 5), outcome=Outcome.NO_ANSWER, kind=Kind.PLEASANTLY_PERSISTENT)

    decision = plan(now=oct_(22, 11, 6), history=(*voicemails(6), pp_call), rules=Rules(pleasantly_persistent=True))

    assert (decision.attempt, decision.step, decision.kind, decision.channel) == (
        7,
        1,
        Kind.PLEASANTLY_PERSISTENT,
        Channel.VOICEMAIL,
    )
    assert "I'll stop by on Mon 27 Oct unless I hear back" in decision.reason


# After the breakup


def test_after_the_breakup_the_planner_waits_breakup_wait_days_on_the_local_calendar() -> None:
    history = (*voicemails(7), touch(oct_(24, 16, 5), Channel.VOICEMAIL, kind=Kind.BREAKUP))

    decision = plan(now=oct_(25, 9), history=history)

    assert decision.action is Action.WAIT
    assert decision.until == datetime(2025, 10, 29, 4, 0, tzinfo=UTC)  # midnight in New York
    assert decision.reason == "8 attempts, breakup left Fri 24 Oct · giving them until Wed 29 Oct to answer"


def test_when_the_wait_is_over_the_planner_gives_up() -> None:
    history = (*voicemails(7), touch(oct_(24, 16, 5), Channel.VOICEMAIL, kind=Kind.BREAKUP))

    decision = plan(now=oct_(29, 0), history=history)

    assert decision.action is Action.GIVE_UP
    assert (decision.early, decision.recycle_on) == (False, None)
    assert decision.reason == "8 attempts, breakup left Fri 24 Oct · still silent · giving up"


def test_a_give_up_carries_the_day_the_lead_comes_back() -> None:
    history = (*voicemails(7), touch(oct_(24, 16, 5), Channel.EMAIL, Outcome.SENT, kind=Kind.BREAKUP))

    decision = plan(now=oct_(30, 9), history=history, rules=Rules(recycle_after_days=90))

    assert decision.recycle_on == date(2025, 10, 29) + timedelta(days=90)
    assert decision.reason.endswith("giving up for now, back in the queue on Tue 27 Jan")


def test_a_cadence_can_hand_the_prospect_to_another_rep_instead() -> None:
    history = (*voicemails(7), touch(oct_(24, 16, 5), Channel.VOICEMAIL, kind=Kind.BREAKUP))

    decision = plan(now=oct_(30, 9), history=history, rules=Rules(on_finish=OnFinish.REASSIGN))

    assert decision.action is Action.REASSIGN
    assert "they don't get let off the hook" in decision.reason


def test_an_early_breakup_does_not_end_the_cadence_before_min_touches() -> None:
    history = (*voicemails(2), touch(oct_(10, 13, 35), Channel.VOICEMAIL, kind=Kind.BREAKUP))

    decision = plan(now=oct_(20, 9), history=history)

    assert (decision.action, decision.attempt, decision.kind) == (Action.FOLLOW_UP, 4, Kind.REGULAR)


def test_giving_up_is_early_below_min_touches_and_notes_do_not_help() -> None:
    notes = tuple(touch(oct_(7, 9 + n), Channel.OTHER, Outcome.SENT) for n in range(5))

    assert count_attempts(situation(now=oct_(20, 9), history=(*voicemails(4), *notes))) == 4

    assert give_up_is_early(situation(now=oct_(20, 9), history=(*voicemails(4), *notes)))
    assert not give_up_is_early(situation(now=oct_(20, 9), history=voicemails(5)))
    assert not give_up_is_early(situation(now=oct_(20, 9), history=voicemails(2), rules=Rules(min_touches=2)))


def test_a_call_and_its_voicemail_count_as_one_attempt_toward_the_minimum() -> None:
    calls = tuple(touch(oct_(6 + 2 * n, 11, 5), outcome=Outcome.NO_ANSWER) for n in range(4))
    voicemails_left = tuple(touch(oct_(6 + 2 * n, 11, 6), Channel.VOICEMAIL, Outcome.LEFT_VOICEMAIL) for n in range(4))

    assert count_attempts(situation(now=oct_(20, 9), history=(*calls, *voicemails_left))) == 4
    assert give_up_is_early(situation(now=oct_(20, 9), history=(*calls, *voicemails_left)))


def test_a_reply_to_the_breakup_is_a_conversation() -> None:
    history = (
        *voicemails(7),
        touch(oct_(24, 16, 5), Channel.VOICEMAIL, kind=Kind.BREAKUP),
        touch(oct_(27, 9, 12), Channel.EMAIL, Outcome.REPLIED),
    )

    decision = plan(now=oct_(27, 10), history=history)

    assert (decision.action, decision.reason) == (Action.ENGAGE, "Replied — record a next step")


# Stops and pauses


def test_not_interested_stops_for_good_whatever_comes_after() -> None:
    history = (
        touch(oct_(6, 11, 5), outcome=Outcome.NOT_INTERESTED),
        touch(oct_(8, 11, 5), outcome=Outcome.CONNECTED),
        touch(oct_(9, 11, 5), outcome=Outcome.NO_ANSWER),
    )

    decision = plan(now=oct_(9, 11, 6), history=history)

    assert decision.action is Action.STOP
    assert decision.reason == "Not interested (Mon 6 Oct) · stopped for good"


def test_an_opt_out_for_the_whole_company_recorded_in_a_note_stops_and_says_do_not_contact() -> None:
    company = replace(touch(oct_(9, 15), Channel.OTHER, Outcome.OPTED_OUT), contact_id=None)

    decision = plan(now=oct_(20, 9), history=(*voicemails(2), company))

    assert decision.action is Action.STOP
    assert decision.reason == "Opted out (Thu 9 Oct) · do not contact again"


def test_a_persons_opt_out_is_theirs_the_next_attempt_goes_to_the_next_contact() -> None:
    ann = ContactInfo(id=2, role=ContactRole.INFLUENCER, timezone="America/New_York", has_phone=True, has_email=True)
    history = (*voicemails(2), touch(oct_(9, 15), Channel.EMAIL, Outcome.OPTED_OUT))

    decision = plan(now=oct_(20, 9), history=history, contacts=(JOE, ann))
    alone = plan(now=oct_(20, 9), history=history)

    assert decision.action is not Action.STOP and decision.contact_id == 2
    assert alone.action is Action.NEEDS_CONTACT and "opted out" in alone.reason


def test_a_closed_prospect_is_never_planned() -> None:
    decision = plan(now=oct_(6, 11), history=voicemails(2), prospect_closed=True)

    assert (decision.action, decision.reason) == (Action.STOP, "Prospect closed · nothing more to plan")


def test_a_paused_prospect_waits_until_the_pause_ends() -> None:
    back_on = oct_(20, 0)

    decision = plan(now=oct_(9, 9), history=voicemails(2), paused=True, paused_until=back_on)

    assert (decision.action, decision.until) == (Action.PAUSED, back_on.astimezone(UTC))
    assert decision.reason == "Paused until Mon 20 Oct"


def test_an_open_ended_pause_holds_until_the_rep_resumes() -> None:
    decision = plan(now=oct_(9, 9), paused=True)

    assert (decision.action, decision.until) == (Action.PAUSED, None)


def test_when_the_pause_is_over_the_cadence_carries_on() -> None:
    decision = plan(now=oct_(20, 9), history=voicemails(2), paused=True, paused_until=oct_(20, 0))

    assert (decision.action, decision.attempt) == (Action.FOLLOW_UP, 3)


def test_a_stop_beats_a_pause() -> None:
    decision = plan(now=oct_(9, 9), paused=True, prospect_closed=True)

    assert decision.action is Action.STOP


# Conversations


def test_a_connected_call_without_a_next_step_asks_the_rep_to_record_one() -> None:
    decision = plan(now=oct_(8, 11, 30), history=(*voicemails(1), touch(oct_(8, 11, 5), outcome=Outcome.CONNECTED)))

    assert (decision.action, decision.reason) == (Action.ENGAGE, "Connected — record a next step")


def test_a_booked_meeting_also_waits_for_a_next_step() -> None:
    decision = plan(now=oct_(8, 12), history=(touch(oct_(8, 11, 5), outcome=Outcome.MEETING_BOOKED),))

    assert decision.reason == "Meeting booked — record a next step"


def test_a_next_step_is_planned_at_the_agreed_time_and_numbering_continues() -> None:
    agreed = oct_(9, 10)
    history = (*voicemails(2), touch(oct_(8, 16, 5), outcome=Outcome.CONNECTED))

    decision = plan(now=oct_(8, 16, 30), history=history, next_step=NextStep(what="Send lane pricing", due_at=agreed))

    assert decision.action is Action.FOLLOW_UP
    # The callback on the day of attempt 2 belongs to attempt 2: the agreed step is attempt 3.
    assert (decision.attempt, decision.kind, decision.channel) == (3, Kind.REGULAR, Channel.CALL)
    assert (decision.due_start, decision.due_end) == (agreed, agreed + timedelta(hours=1))
    assert (decision.contact_id, decision.window_index, decision.is_next_step) == (1, None, True)
    assert decision.reason == "Next step: Send lane pricing"


def test_a_conversation_logged_in_the_same_minute_as_a_no_answer_is_read_as_the_latest() -> None:
    same_minute = oct_(8, 11, 5)
    history = (touch(same_minute, outcome=Outcome.CONNECTED), touch(same_minute, outcome=Outcome.NO_ANSWER))

    assert plan(now=oct_(8, 11, 30), history=history).action is Action.ENGAGE


def test_an_overdue_next_step_stays_due_for_another_hour() -> None:
    history = (touch(oct_(8, 11, 5), outcome=Outcome.CONNECTED),)
    now = oct_(10, 15)

    decision = plan(now=now, history=history, next_step=NextStep(what="Send lane pricing", due_at=oct_(9, 10)))

    assert decision.due_end == now + timedelta(hours=1)
    assert decision.reason == "Next step: Send lane pricing · agreed for Thu 9 Oct, not done yet"


def test_a_reply_noted_by_the_rep_counts_as_a_conversation() -> None:
    history = (*voicemails(2), touch(oct_(9, 15), Channel.OTHER, Outcome.REPLIED))

    assert plan(now=oct_(9, 16), history=history).action is Action.ENGAGE


def test_a_note_after_a_conversation_does_not_end_it() -> None:
    history = (
        touch(oct_(8, 11, 5), outcome=Outcome.CONNECTED),
        touch(oct_(8, 11, 20), Channel.OTHER, Outcome.SENT),
    )

    assert plan(now=oct_(8, 12), history=history).action is Action.ENGAGE


def test_when_the_next_step_goes_unanswered_the_cadence_picks_up_again() -> None:
    history = (
        touch(oct_(8, 11, 5), outcome=Outcome.CONNECTED),
        touch(oct_(9, 10, 2), outcome=Outcome.NO_ANSWER),
    )

    decision = plan(now=oct_(9, 10, 3), history=history, next_step=NextStep(what="Pricing call", due_at=oct_(9, 10)))

    assert (decision.action, decision.attempt, decision.step, decision.channel) == (
        Action.FOLLOW_UP,
        2,
        1,
        Channel.VOICEMAIL,
    )
    assert not decision.is_next_step


def test_a_prospect_who_goes_quiet_after_a_late_conversation_gets_the_closing_message_next() -> None:
    # Seed 004: you followed up as agreed and heard nothing: time for the closing message.
    history = (
        *voicemails(6),
        touch(oct_(22, 13, 35), outcome=Outcome.CONNECTED),
        touch(oct_(24, 10, 1), outcome=Outcome.LEFT_VOICEMAIL),
    )

    decision = plan(now=oct_(24, 11), history=history)

    assert (decision.attempt, decision.attempt_of, decision.kind) == (9, 9, Kind.BREAKUP)
    assert decision.reason.startswith("Attempt 9 of 9 · 8 planned, one more to close after the conversation on Wed")


# The preview


def test_the_preview_walks_the_default_cadence_to_the_end() -> None:
    decisions = plan_preview(situation(now=oct_(6, 7)), count=20)

    follow_ups = [d for d in decisions if d.action is Action.FOLLOW_UP]
    # Seven attempts, each a call and the voicemail left when nobody picks up; the eighth is the breakup voicemail.
    assert [(d.attempt, d.step) for d in follow_ups] == [(n, step) for n in range(1, 8) for step in (0, 1)] + [(8, 0)]
    assert [d.channel for d in follow_ups] == [Channel.CALL, Channel.VOICEMAIL] * 7 + [Channel.VOICEMAIL]
    assert follow_ups[-1].kind is Kind.BREAKUP
    assert [d.action for d in decisions[15:]] == [Action.WAIT, Action.GIVE_UP]
    assert [local_date(d.due_start) for d in follow_ups[::2]][:4] == [
        date(2025, 10, 6),
        date(2025, 10, 8),
        date(2025, 10, 10),
        date(2025, 10, 13),
    ]
    assert [d.window_index for d in follow_ups[::2]][:4] == [0, 1, 2, 3]


def test_the_preview_stops_after_count_decisions() -> None:
    assert len(plan_preview(situation(now=oct_(6, 7)), count=3)) == 3


def test_the_preview_of_a_stopped_prospect_is_just_the_stop() -> None:
    decisions = plan_preview(situation(now=oct_(6, 7), prospect_closed=True))

    assert [d.action for d in decisions] == [Action.STOP]
