"""Properties of the planner that must hold for any rules, any zone, any moment and any history.

Zones include half-hour DST (Australia/Lord_Howe), a zone that dropped DST in 2021 (Pacific/Apia), changes at
midnight (America/Santiago), negative DST (Europe/Dublin), Ramadan DST (Africa/Casablanca) and odd offsets
(Asia/Kolkata, Pacific/Chatham). "now" is drawn from 2020-2030, half the time within days of a clock change.

Runs are simulated the way plan_preview describes them: each planned attempt happens at the start of its
window and nobody answers; the touch is fed back and the planner is asked again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cadence.planner import (
    DEFAULT_WINDOWS,
    Action,
    CallWindow,
    Channel,
    ContactInfo,
    ContactRole,
    DaysOff,
    Decision,
    FixedDaysOff,
    Kind,
    NextStep,
    NoDaysOff,
    OnFinish,
    Outcome,
    PastTouch,
    Rules,
    Situation,
    Theme,
    holiday_calendar,
    plan_next,
    plan_preview,
)
from cadence.planner.history import CLOSING_TRIES
from cadence.planner.windows import day_bounds

ZONES = (
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Pacific/Apia",
    "America/Santiago",
    "Europe/Dublin",
    "Africa/Casablanca",
    "Pacific/Chatham",
    "America/St_Johns",
    "UTC",
)
REAL = (Channel.CALL, Channel.VOICEMAIL, Channel.EMAIL, Channel.IN_PERSON)
STOPS = (Outcome.NOT_INTERESTED, Outcome.OPTED_OUT)
NOT_STOPS = tuple(o for o in Outcome if o not in STOPS)
UNANSWERED = {
    Channel.CALL: Outcome.NO_ANSWER,
    Channel.VOICEMAIL: Outcome.LEFT_VOICEMAIL,
    Channel.EMAIL: Outcome.SENT,
    Channel.IN_PERSON: Outcome.NO_ANSWER,
}
# Drawing a whole situation is what costs time (planning one is ~0.2 ms); these counts keep the file near 10 s.
LOOSE = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
QUICK = settings(LOOSE, max_examples=50)


def offset_at(timestamp: int, tz: ZoneInfo) -> timedelta | None:
    return datetime.fromtimestamp(timestamp, tz).utcoffset()


def offset(moment: datetime, tz: ZoneInfo) -> timedelta:
    result = moment.astimezone(tz).utcoffset()
    assert result is not None
    return result


@cache
def transitions(key: str) -> tuple[datetime, ...]:
    """Every UTC instant in 2020-2030 at which the zone's offset changes, to the second."""
    tz = ZoneInfo(key)
    found = []
    moment, end = datetime(2020, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC)
    while moment < end:
        later = moment + timedelta(days=1)
        if moment.astimezone(tz).utcoffset() != later.astimezone(tz).utcoffset():
            low, high = int(moment.timestamp()), int(later.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                same = offset_at(middle, tz) == offset_at(low, tz)
                low, high = (middle, high) if same else (low, middle)
            found.append(datetime.fromtimestamp(high, UTC))
        moment = later
    return tuple(found)


DST_ZONES = tuple(key for key in ZONES if transitions(key))


def wall_time(quarter_hours: int) -> time:
    return time(quarter_hours // 4, quarter_hours % 4 * 15)


def is_skipped(day: date, at: time, tz: ZoneInfo) -> bool:
    """Independent of the planner: a wall time that cannot survive a round trip through UTC never happens."""
    local = datetime.combine(day, at, tzinfo=tz)
    return local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None)


def offsets_around(day: date, tz: ZoneInfo) -> tuple[timedelta, timedelta]:
    """The zone's UTC offset just before the local day begins and just before it ends, so a change at
    midnight (America/Santiago) counts for the day it opens."""
    second = timedelta(seconds=1)
    begins = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC) - second
    ends = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC) - second
    return offset(begins, tz), offset(ends, tz)


def forward_jump(day: date, tz: ZoneInfo) -> timedelta:
    begins, ends = offsets_around(day, tz)
    return max(ends - begins, timedelta(0))


def zone_of(situation: Situation, contact_id: int | None) -> ZoneInfo:
    contact = next((c for c in situation.contacts if c.id == contact_id), None)
    for key in (contact.timezone if contact else "", situation.default_timezone, "UTC"):
        if key in ZONES:
            return ZoneInfo(key)
    raise AssertionError("strategies only use known zones")


def attempts_in(situation: Situation) -> int:
    """The test's own count of attempts (one occasion each): a real touch opens a new attempt unless it is to the
    same person, on the same day of their clock, as the one before, with no conversation in between."""
    order = {Channel.CALL: 0, Channel.VOICEMAIL: 1, Channel.EMAIL: 2, Channel.IN_PERSON: 3, Channel.OTHER: 4}
    count, previous, talked = 0, None, False
    for touch in sorted(situation.history, key=lambda t: (t.occurred_at, order[t.channel])):
        if touch.channel not in REAL:
            talked = talked or touch.outcome in TALKS
            continue
        day = touch.occurred_at.astimezone(zone_of(situation, touch.contact_id)).date()
        same_person = previous is not None and (
            None in (previous[1], touch.contact_id) or previous[1] == touch.contact_id
        )
        if previous is None or talked or previous[0] != day or not same_person:
            count += 1
            previous = (day, touch.contact_id)
        elif previous[1] is None:
            previous = (day, touch.contact_id)
        talked = touch.outcome in TALKS
    return count


TALKS = frozenset({Outcome.CONNECTED, Outcome.REPLIED, Outcome.MEETING_BOOKED})


# Strategies


@st.composite
def moments(draw: st.DrawFn, key: str) -> datetime:
    changes = transitions(key)
    if draw(st.booleans()) and changes:
        near = draw(st.sampled_from(changes))
        return near + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 3 * 24 * 60)))
    return draw(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)))


@st.composite
def call_windows(draw: st.DrawFn) -> tuple[CallWindow, ...]:
    style = draw(st.sampled_from(["default", "any", "small_hours"]))
    if style == "default":
        return DEFAULT_WINDOWS
    # The small hours are where clocks change: windows there exercise DST gaps and repeats.
    top = 95 if style == "any" else 24
    count = draw(st.integers(1, 4))
    points = sorted(draw(st.sets(st.integers(0, top), min_size=2 * count, max_size=2 * count)))
    return tuple(CallWindow(start=wall_time(points[2 * n]), end=wall_time(points[2 * n + 1])) for n in range(count))


@st.composite
def cadence_rules(draw: st.DrawFn) -> Rules:
    max_touches = draw(st.integers(1, 10))
    return Rules(
        gaps_days=tuple(draw(st.lists(st.integers(1, 21), min_size=1, max_size=10))),
        windows=draw(call_windows()),
        working_weekdays=frozenset(draw(st.sets(st.integers(0, 6), min_size=1))),
        voicemail_after_no_answer=draw(st.booleans()),
        email_after_voicemail=draw(st.booleans()),
        min_touches=draw(st.integers(1, max_touches)),
        max_touches=max_touches,
        pleasantly_persistent=max_touches >= 2 and draw(st.booleans()),
        pleasantly_persistent_channel=draw(st.sampled_from(REAL)),
        breakup_wait_days=draw(st.integers(0, 7)),
        on_finish=draw(st.sampled_from(OnFinish)),
        recycle_after_days=draw(st.none() | st.integers(1, 120)),
    )


@st.composite
def days_off(draw: st.DrawFn, around: date) -> DaysOff:
    style = draw(st.sampled_from(["none", "holidays", "fixed"]))
    if style == "holidays":
        return holiday_calendar(country=draw(st.sampled_from(["US", "GB", "IN", "AU", "WS", "NZ", "CL"])))
    if style == "fixed":
        offsets = draw(st.sets(st.integers(-10, 60), max_size=25))
        return FixedDaysOff(days=frozenset(around + timedelta(days=n) for n in offsets))
    return NoDaysOff()


@st.composite
def reachable_contacts(draw: st.DrawFn, key: str) -> tuple[ContactInfo, ...]:
    first = ContactInfo(
        id=1,
        role=draw(st.sampled_from(ContactRole)),
        timezone=key,
        has_phone=draw(st.booleans()),
        has_email=True,
    )
    first = replace(first, has_email=not first.has_phone or draw(st.booleans()))
    others = draw(
        st.lists(
            st.builds(
                ContactInfo,
                id=st.integers(2, 5),
                role=st.sampled_from(ContactRole),
                timezone=st.sampled_from(ZONES),
                has_phone=st.booleans(),
                has_email=st.booleans(),
                do_not_contact=st.booleans(),
                left_company=st.booleans(),
                email_bounced=st.booleans(),
            ),
            max_size=2,
            unique_by=lambda c: c.id,
        )
    )
    return (first, *others)


@st.composite
def histories(
    draw: st.DrawFn, now: datetime, contact_ids: tuple[int, ...], outcomes: tuple[Outcome, ...] = NOT_STOPS
) -> tuple[PastTouch, ...]:
    minutes_ago = draw(st.lists(st.integers(0, 60 * 24 * 60), max_size=12, unique=True))
    return tuple(
        PastTouch(
            occurred_at=now - timedelta(minutes=ago),
            channel=draw(st.sampled_from(Channel)),
            kind=draw(st.sampled_from(Kind)),
            outcome=draw(st.sampled_from(outcomes)),
            theme=draw(st.sampled_from(Theme)),
            contact_id=draw(st.sampled_from((*contact_ids, None))),
        )
        for ago in minutes_ago
    )


@st.composite
def situations(draw: st.DrawFn, *, with_history: bool = True) -> Situation:
    key = draw(st.sampled_from(ZONES))
    now = draw(moments(key))
    contacts = draw(reachable_contacts(key))
    history = draw(histories(now, tuple(c.id for c in contacts))) if with_history else ()
    next_step = None
    if with_history and draw(st.booleans()):
        next_step = NextStep(what="Send lane pricing", due_at=now + timedelta(minutes=draw(st.integers(-5000, 5000))))
    return Situation(
        rules=draw(cadence_rules()),
        history=history,
        contacts=contacts,
        now=now,
        days_off=draw(days_off(now.date())),
        default_timezone=draw(st.sampled_from(ZONES)),
        next_step=next_step,
    )


# Simulation


@dataclass(frozen=True)
class Step:
    situation: Situation
    decision: Decision


def unanswered(decision: Decision, now: datetime) -> PastTouch:
    assert decision.due_start is not None and decision.channel is not None and decision.kind is not None
    return PastTouch(
        occurred_at=max(decision.due_start, now),
        channel=decision.channel,
        kind=decision.kind,
        outcome=UNANSWERED[decision.channel],
        theme=decision.theme or Theme.NONE,
        contact_id=decision.contact_id,
    )


def simulate(situation: Situation, *, limit: int = 30) -> list[Step]:
    steps = []
    for _ in range(limit):
        decision = plan_next(situation)
        steps.append(Step(situation, decision))
        if decision.action is Action.FOLLOW_UP:
            touch = unanswered(decision, situation.now)
            situation = replace(situation, history=(*situation.history, touch), now=touch.occurred_at)
        elif decision.action is Action.WAIT and decision.until is not None:
            situation = replace(situation, now=decision.until)
        else:
            break
    return steps


def follow_ups(steps: list[Step]) -> list[Step]:
    return [step for step in steps if step.decision.action is Action.FOLLOW_UP]


# (1) and (2): every follow-up sits in its window, on a working day, and ends after now


def assert_reachable(situation: Situation, decision: Decision) -> None:
    """Never someone who asked not to be contacted, has left or is the wrong person; never a dead channel."""
    contact = next(c for c in situation.contacts if c.id == decision.contact_id)
    about = [t for t in situation.history if t.contact_id == contact.id]
    assert not contact.do_not_contact and not contact.left_company
    assert not any(t.outcome in (Outcome.WRONG_PERSON, Outcome.LEFT_COMPANY) for t in about)
    bounced = {t.channel for t in about if t.outcome is Outcome.BOUNCED}
    if decision.channel in (Channel.CALL, Channel.VOICEMAIL):
        assert contact.has_phone and not bounced & {Channel.CALL, Channel.VOICEMAIL}
    if decision.channel is Channel.EMAIL:
        assert contact.has_email and not contact.email_bounced and Channel.EMAIL not in bounced


def assert_well_formed(step: Step) -> None:
    situation, decision = step.situation, step.decision
    assert "\n" not in decision.reason and 0 < len(decision.reason) <= 300
    if decision.action is not Action.FOLLOW_UP:
        return
    assert decision.due_start is not None and decision.due_end is not None
    assert decision.due_start.utcoffset() == timedelta(0) and decision.due_end.utcoffset() == timedelta(0)
    assert decision.due_end > decision.due_start
    assert decision.due_end > situation.now
    assert decision.channel in REAL and decision.kind is not None and decision.theme is not None
    if decision.is_next_step:
        assert decision.kind is Kind.REGULAR and decision.window_index is None
    else:
        assert_reachable(situation, decision)
    if decision.window_index is None:
        return

    rules, tz = situation.rules, zone_of(situation, decision.contact_id)
    window = rules.windows[decision.window_index]
    day = decision.due_start.astimezone(tz).date()
    assert day.weekday() in rules.working_weekdays
    assert not situation.days_off.is_day_off(day)

    # Exactly the window's length in real time: a clock change may move a window, never shrink or erase it.
    nominal_start = datetime.combine(day, window.start)
    assert decision.due_end - decision.due_start == datetime.combine(day, window.end) - nominal_start
    # Never before its wall-clock start; later only on a day the clocks jump forward, and by no more than the jump.
    start_wall = decision.due_start.astimezone(tz).replace(tzinfo=None)
    assert nominal_start <= start_wall <= nominal_start + forward_jump(day, tz)
    if forward_jump(day, tz) == timedelta(0):
        # fold=0: a start that happens twice is taken at its first occurrence.
        assert decision.due_start == datetime.combine(day, window.start, tzinfo=tz).astimezone(UTC)


@LOOSE
@given(situations())
def test_any_follow_up_is_inside_its_window_on_a_working_day_and_ends_after_now(situation: Situation) -> None:
    assert_well_formed(Step(situation, plan_next(situation)))


@LOOSE
@given(situations(with_history=False))
def test_every_follow_up_of_a_whole_run_is_inside_its_window_and_ends_after_now(situation: Situation) -> None:
    for step in simulate(situation):
        assert_well_formed(step)


# (3) a different window each attempt, all windows before any repeats


@LOOSE
@given(situations(with_history=False))
def test_consecutive_attempts_never_share_a_window_while_another_is_untried(situation: Situation) -> None:
    windows = [s.decision.window_index for s in follow_ups(simulate(situation))]
    windowed = [index for index in windows if index is not None]
    count = len(situation.rules.windows)

    for round_start in range(0, len(windowed), count):
        one_round = windowed[round_start : round_start + count]
        assert len(set(one_round)) == len(one_round), windowed
    if count > 1:
        assert all(a != b for a, b in zip(windowed, windowed[1:], strict=False)), windowed


@st.composite
def off_plan_calls(draw: st.DrawFn, situation: Situation) -> tuple[PastTouch, ...]:
    """Calls the rep made on their own over the last three weeks, each inside some window, repeats and all."""
    tz = ZoneInfo(situation.contacts[0].timezone)
    today = situation.now.astimezone(tz).date()
    calls = []
    for days_ago in sorted(draw(st.sets(st.integers(1, 21), max_size=6)), reverse=True):
        window, day = draw(st.sampled_from(situation.rules.windows)), today - timedelta(days=days_ago)
        begins, ends = offsets_around(day, tz)
        if begins != ends:
            continue  # on a clock-change day the wall clock alone cannot say which window a call was in
        at = datetime.combine(day, window.start, tzinfo=tz).astimezone(UTC)
        calls.append(PastTouch(at, Channel.CALL, Kind.REGULAR, Outcome.LEFT_VOICEMAIL, Theme.NONE, 1))
    return tuple(calls)


@LOOSE
@given(st.data(), situations(with_history=False))
def test_after_off_plan_calls_every_window_still_gets_a_turn_before_any_repeats(
    data: st.DataObject, situation: Situation
) -> None:
    rules = replace(situation.rules, max_touches=10, min_touches=1)
    situation = replace(situation, rules=rules, history=data.draw(off_plan_calls(situation)))
    tz = ZoneInfo(situation.contacts[0].timezone)
    count = len(rules.windows)

    def window_of(moment: datetime) -> int | None:
        local = moment.astimezone(tz)
        return next((n for n, w in enumerate(rules.windows) if w.start <= local.time() < w.end), None)

    tried: set[int] = set()
    last: int | None = None

    def take(index: int) -> None:
        nonlocal tried, last
        if index in tried:
            tried = set()  # the rep repeated a window early: that opens a new round
        tried.add(index)
        last = index
        if len(tried) == count:
            tried = set()

    seen_days: set[tuple[date, int]] = set()
    for call in situation.history:
        index = window_of(call.occurred_at)
        if index is not None and (call.occurred_at.astimezone(tz).date(), index) not in seen_days:
            seen_days.add((call.occurred_at.astimezone(tz).date(), index))
            take(index)
    for step in follow_ups(simulate(situation)):
        index = step.decision.window_index
        if index is None or step.decision.contact_id != 1:
            continue
        if count > 1:
            assert index != last
        assert index not in tried
        take(index)


# (4) and (5): minimum persistence, and the breakup exactly at max_touches


@LOOSE
@given(situations())
def test_the_planner_never_gives_up_before_min_touches(situation: Situation) -> None:
    for step in simulate(situation):
        if step.decision.action in (Action.GIVE_UP, Action.REASSIGN):
            assert attempts_in(step.situation) >= situation.rules.min_touches
            assert step.decision.early is False


@LOOSE
@given(st.data(), situations())
def test_an_early_breakup_does_not_let_the_planner_give_up_early(data: st.DataObject, situation: Situation) -> None:
    rules = situation.rules
    assume(rules.min_touches >= 2)
    before = situation.history[: data.draw(st.integers(0, rules.min_touches - 2))]
    breakup = PastTouch(
        occurred_at=situation.now - timedelta(days=data.draw(st.integers(0, 30))),
        channel=data.draw(st.sampled_from(REAL)),
        kind=Kind.BREAKUP,
        outcome=data.draw(st.sampled_from((Outcome.LEFT_VOICEMAIL, Outcome.SENT, Outcome.NO_ANSWER))),
        theme=Theme.NONE,
        contact_id=1,
    )
    situation = replace(situation, history=(*before, breakup))
    assume(attempts_in(situation) < rules.min_touches)

    for step in simulate(situation):
        if step.decision.action in (Action.GIVE_UP, Action.REASSIGN):
            assert attempts_in(step.situation) >= situation.rules.min_touches
            assert step.decision.early is False


@LOOSE
@given(situations(with_history=False))
def test_the_breakup_is_exactly_attempt_max_touches_and_nothing_follows_it(situation: Situation) -> None:
    rules = situation.rules
    steps = simulate(situation)
    planned = follow_ups(steps)
    assume(planned)

    numbers = [(s.decision.attempt, s.decision.step) for s in planned]
    assert numbers == sorted(set(numbers))  # each step of each attempt once, in order
    last = numbers[-1][0]
    assert sorted({n for n, _ in numbers}) == list(range(1, last + 1))
    # The breakup is attempt max_touches; a breakup nobody heard (an unanswered call) is tried again, a few times.
    breakups = sorted({s.decision.attempt for s in planned if s.decision.kind is Kind.BREAKUP})
    assert breakups == list(range(rules.max_touches, last + 1))
    assert len(breakups) <= CLOSING_TRIES
    assert all(s.decision.attempt_of == max(rules.max_touches, s.decision.attempt) for s in planned)
    assert planned[-1].decision.kind is Kind.BREAKUP
    assert steps[-1].decision.action in (Action.GIVE_UP, Action.REASSIGN)
    if rules.pleasantly_persistent:
        said = {s.decision.attempt for s in planned if s.decision.kind is Kind.PLEASANTLY_PERSISTENT}
        assert said == {rules.max_touches - 1}


@LOOSE
@given(situations(with_history=False))
def test_the_promised_action_happens_on_the_promised_date(situation: Situation) -> None:
    rules = replace(situation.rules, pleasantly_persistent=True, max_touches=max(situation.rules.max_touches, 2))
    planned = follow_ups(simulate(replace(situation, rules=rules)))
    assume(len(planned) == rules.max_touches)

    promise, action = planned[-2], planned[-1]
    tz = zone_of(situation, promise.decision.contact_id)
    assert promise.decision.due_start is not None and action.decision.due_start is not None
    said_on = max(promise.decision.due_start, promise.situation.now).astimezone(tz).date()
    promised = said_on + timedelta(days=3)
    while promised.weekday() not in rules.working_weekdays or situation.days_off.is_day_off(promised):
        promised += timedelta(days=1)
    assert action.decision.due_start.astimezone(tz).date() == promised
    assert f"{promised:%a} {promised.day} {promised:%b}" in promise.decision.reason


# (6) a stopped enrollment never plans again


@LOOSE
@given(st.data(), situations())
def test_a_stop_is_for_good_whatever_comes_after(data: st.DataObject, situation: Situation) -> None:
    ids = tuple(c.id for c in situation.contacts)
    outcome = data.draw(st.sampled_from(STOPS))
    stop = PastTouch(
        occurred_at=situation.now - timedelta(days=data.draw(st.integers(1, 40))),
        channel=data.draw(st.sampled_from(Channel)),
        kind=data.draw(st.sampled_from(Kind)),
        outcome=outcome,
        theme=Theme.NONE,
        # "Not interested" from anyone stops the lead; an opt-out stops it when it names nobody (the company's).
        contact_id=None if outcome is Outcome.OPTED_OUT else data.draw(st.sampled_from(ids)),
    )
    anything = data.draw(histories(situation.now, ids, outcomes=tuple(Outcome)))
    stopped = replace(situation, history=(*situation.history, stop, *anything), paused=data.draw(st.booleans()))

    assert plan_next(stopped).action is Action.STOP
    assert [d.action for d in plan_preview(stopped, count=3)] == [Action.STOP]


@LOOSE
@given(st.data(), situations())
def test_a_person_who_opted_out_is_never_planned_again_and_the_others_still_are(
    data: st.DataObject, situation: Situation
) -> None:
    ids = tuple(c.id for c in situation.contacts)
    who = data.draw(st.sampled_from(ids))
    opt_out = PastTouch(
        occurred_at=situation.now - timedelta(days=data.draw(st.integers(1, 40))),
        channel=data.draw(st.sampled_from(Channel)),
        kind=data.draw(st.sampled_from(Kind)),
        outcome=Outcome.OPTED_OUT,
        theme=Theme.NONE,
        contact_id=who,
    )
    anything = data.draw(histories(situation.now, ids, outcomes=tuple(o for o in Outcome if o not in STOPS)))
    after = replace(situation, history=(*situation.history, opt_out, *anything))

    planned = [d for d in (plan_next(after), *plan_preview(after, count=4)) if d.channel is not None]
    assert all(d.contact_id != who for d in planned), [(d.action, d.contact_id, d.reason) for d in planned]


@QUICK
@given(situations())
def test_a_closed_prospect_is_never_planned(situation: Situation) -> None:
    assert plan_next(replace(situation, prospect_closed=True)).action is Action.STOP


# (7) DST: a skipped window start moves forward, a doubled one is taken once


@st.composite
def windows_at_a_clock_change(draw: st.DrawFn) -> tuple[str, date, CallWindow]:
    key = draw(st.sampled_from(DST_ZONES))
    tz = ZoneInfo(key)
    change = draw(st.sampled_from(transitions(key)))
    before = change - timedelta(seconds=1)
    wall_at_change = (change + offset(before, tz)).replace(tzinfo=None)  # read on the old clock
    start = wall_at_change + timedelta(minutes=15 * draw(st.integers(-6, 5)))
    end = start + timedelta(minutes=15 * draw(st.integers(1, 8)))
    assume(end.date() == start.date() and end.time() != time(0))
    return key, start.date(), CallWindow(start=start.time(), end=end.time())


@settings(max_examples=300, deadline=None)
@given(windows_at_a_clock_change())
def test_a_window_at_a_clock_change_shifts_forward_or_is_taken_once_but_never_vanishes(
    case: tuple[str, date, CallWindow],
) -> None:
    key, day, window = case
    tz = ZoneInfo(key)
    every_day = Rules(
        gaps_days=(1,),
        windows=(window,),
        working_weekdays=frozenset(range(7)),
        voicemail_after_no_answer=False,
        max_touches=10,
    )
    yesterday = datetime.combine(day - timedelta(days=1), time(12), tzinfo=tz)
    contact = ContactInfo(id=1, role=ContactRole.DECISION_MAKER, timezone=key, has_phone=True, has_email=True)
    call = PastTouch(yesterday, Channel.CALL, Kind.REGULAR, Outcome.LEFT_VOICEMAIL, Theme.NONE, 1)
    situation = Situation(
        rules=every_day,
        history=(call,),
        contacts=(contact,),
        now=yesterday,
        days_off=NoDaysOff(),
        default_timezone=key,
    )

    steps = simulate(situation, limit=3)
    first, second = steps[0].decision, steps[1].decision
    assert first.due_start is not None and first.due_end is not None and second.due_start is not None

    assert first.due_start.astimezone(tz).date() == day
    assert first.due_end - first.due_start >= timedelta(minutes=15)
    first_wall = first.due_start.astimezone(tz).replace(tzinfo=None)
    nominal = datetime.combine(day, window.start)
    if is_skipped(day, window.start, tz):
        jump = offset(first.due_start + timedelta(hours=3), tz) - offset(first.due_start - timedelta(hours=3), tz)
        assert first_wall - nominal == jump  # forward by exactly the size of the gap
    else:
        assert first_wall == nominal
        first_occurrence = datetime.combine(day, window.start, tzinfo=tz)  # fold=0
        assert first.due_start == first_occurrence.astimezone(UTC)
    # Taken once: the next attempt is on a later day, not the second run of the same wall-clock hour.
    assert second.due_start.astimezone(tz).date() > day


# (8) gaps are local calendar days


@LOOSE
@given(situations(with_history=False))
def test_gaps_are_local_calendar_days_and_exact_unless_a_day_off_intervenes(situation: Situation) -> None:
    rules, days_off = situation.rules, situation.days_off
    steps = follow_ups(simulate(situation))

    for previous, current in zip(steps, steps[1:], strict=False):
        if current.decision.window_index is None or previous.decision.kind is Kind.PLEASANTLY_PERSISTENT:
            continue  # a voicemail on the heels of its call, or the promised action: not a gap
        tz = zone_of(situation, current.decision.contact_id)
        assert previous.decision.due_start is not None and current.decision.due_start is not None
        last_day = max(previous.decision.due_start, previous.situation.now).astimezone(tz).date()
        history = current.situation.history
        attempt_days = len({t.occurred_at.astimezone(tz).date() for t in history if t.channel in REAL})
        gap = rules.gaps_days[min(attempt_days, len(rules.gaps_days)) - 1]
        due = current.decision.due_start.astimezone(tz).date()

        assert (due - last_day).days >= gap
        first_working = last_day + timedelta(days=gap)
        while first_working.weekday() not in rules.working_weekdays or days_off.is_day_off(first_working):
            first_working += timedelta(days=1)
        assert due == first_working


# Themes: one attempt says one thing (the same-day email backs up the voicemail, docs/field-reports.md §2), and no two
# attempts in a row to a contact say the same kind of thing (docs/field-reports.md §4's three I's)


def assert_one_theme_per_attempt_and_none_twice_in_a_row(steps: list[Step]) -> None:
    said: dict[int | None, dict[int, set[Theme]]] = {}
    for step in follow_ups(steps):
        touch = unanswered(step.decision, step.situation.now)
        if touch.outcome is not Outcome.NO_ANSWER and touch.theme is not Theme.NONE:
            attempts = said.setdefault(touch.contact_id, {})
            attempts.setdefault(step.decision.attempt, set()).add(touch.theme)
    for attempts in said.values():
        assert all(len(themes) == 1 for themes in attempts.values()), attempts
        themes = [next(iter(attempts[number])) for number in sorted(attempts)]
        assert all(a != b for a, b in zip(themes, themes[1:], strict=False)), themes


@LOOSE
@given(situations(with_history=False))
def test_one_attempt_says_one_thing_and_no_two_attempts_in_a_row_to_a_contact_share_a_theme(
    situation: Situation,
) -> None:
    assert_one_theme_per_attempt_and_none_twice_in_a_row(simulate(situation))


def test_the_voicemail_and_the_email_that_backs_it_up_say_the_same_thing_and_the_next_attempt_something_else() -> None:
    """The example hypothesis found when the property still asked every two messages in a row to differ: the
    voicemail and the same-day email of attempt 1 were both "information", as they should be."""
    contact = ContactInfo(
        id=1, role=ContactRole.DECISION_MAKER, timezone="America/New_York", has_phone=True, has_email=True
    )
    situation = Situation(
        rules=Rules(
            gaps_days=(1,),
            windows=(
                CallWindow(start=time(8), end=time(9)),
                CallWindow(start=time(11), end=time(12)),
                CallWindow(start=time(13, 30), end=time(14, 30)),
                CallWindow(start=time(16), end=time(17)),
            ),
            working_weekdays=frozenset({0}),
            voicemail_after_no_answer=True,
            email_after_voicemail=True,
            min_touches=1,
            max_touches=2,
            breakup_wait_days=0,
            calling_hours=None,
        ),
        history=(),
        contacts=(contact,),
        now=datetime(2020, 3, 8, 7, 0, tzinfo=UTC),
        days_off=NoDaysOff(),
        default_timezone="America/New_York",
    )

    steps = simulate(situation)

    messages = [(s.decision.attempt, s.decision.channel, s.decision.theme) for s in follow_ups(steps)]
    assert messages[:3] == [
        (1, Channel.CALL, Theme.INFORMATION),
        (1, Channel.VOICEMAIL, Theme.INFORMATION),
        (1, Channel.EMAIL, Theme.INFORMATION),
    ]
    assert_one_theme_per_attempt_and_none_twice_in_a_row(steps)


# Windows on any day: the shape of a day, clock changes included


@st.composite
def days_with_windows(draw: st.DrawFn) -> tuple[ZoneInfo, date, tuple[CallWindow, ...]]:
    """Half the time a clock-change day with windows packed around the change; otherwise any day."""
    key = draw(st.sampled_from(ZONES))
    tz = ZoneInfo(key)
    if not (draw(st.booleans()) and transitions(key)):
        return tz, draw(moments(key)).astimezone(tz).date(), draw(call_windows())
    change = draw(st.sampled_from(transitions(key)))
    wall = (change + offset(change - timedelta(seconds=1), tz)).replace(tzinfo=None)  # read on the old clock
    middle = wall.hour * 4 + wall.minute // 15
    count = draw(st.integers(1, 3))
    points = sorted(
        draw(st.sets(st.integers(max(0, middle - 8), min(95, middle + 8)), min_size=2 * count, max_size=2 * count))
    )
    windows = tuple(CallWindow(start=wall_time(points[2 * n]), end=wall_time(points[2 * n + 1])) for n in range(count))
    return tz, wall.date(), windows


@LOOSE
@given(days_with_windows())
def test_on_any_day_windows_keep_their_length_start_no_earlier_than_their_wall_time_and_never_overlap(
    case: tuple[ZoneInfo, date, tuple[CallWindow, ...]],
) -> None:
    tz, day, windows = case

    bounds = day_bounds(day, windows, tz)

    for window, (start, end) in zip(windows, bounds, strict=True):
        nominal_start = datetime.combine(day, window.start)
        assert end - start == datetime.combine(day, window.end) - nominal_start
        assert nominal_start <= start.astimezone(tz).replace(tzinfo=None) <= nominal_start + forward_jump(day, tz)
    assert all(earlier[1] <= later[0] for earlier, later in zip(bounds, bounds[1:], strict=False))


# The rest of the contract


@QUICK
@given(st.data(), situations())
def test_history_order_does_not_matter(data: st.DataObject, situation: Situation) -> None:
    shuffled = data.draw(st.permutations(situation.history))

    assert plan_next(replace(situation, history=tuple(shuffled))) == plan_next(situation)


@LOOSE
@given(situations())
def test_the_preview_is_what_plan_next_says_step_by_step(situation: Situation) -> None:
    expected = [step.decision for step in simulate(situation, limit=6)]

    assert list(plan_preview(situation, count=6)) == expected


@QUICK
@given(situations())
def test_attempt_numbers_count_real_attempts_and_never_notes(situation: Situation) -> None:
    decision = plan_next(situation)
    if decision.action is Action.FOLLOW_UP:
        made = attempts_in(situation)
        # A voicemail or email riding on the call just made continues that attempt; anything else opens one.
        assert decision.attempt == (made if decision.step > 0 else made + 1)
        assert decision.attempt <= decision.attempt_of


@QUICK
@given(situations())
def test_an_attempt_is_never_numbered_beyond_the_attempts_planned(situation: Situation) -> None:
    for step in simulate(situation):
        decision = step.decision
        if decision.action is Action.FOLLOW_UP:
            assert decision.attempt_of is not None and decision.attempt <= decision.attempt_of
            heading = decision.reason.split(" · ")[0]
            if heading.startswith("Attempt "):
                number, planned_total = (int(n) for n in heading.removeprefix("Attempt ").split(" of "))
                assert number <= planned_total
