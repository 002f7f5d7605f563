"""Planning the next attempt: who, which channel, which day and window, what kind of message."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from cadence.planner.decision import Decision
from cadence.planner.enums import (
    GONE_OUTCOMES,
    ROLE_PRIORITY,
    Action,
    Channel,
    Kind,
    Outcome,
    Theme,
)
from cadence.planner.history import CLOSING_TRIES, Attempt, Ledger
from cadence.planner.inputs import ContactInfo, Situation
from cadence.planner.reasons import (
    BREAKUP_LINE,
    SEPARATOR,
    day_label,
    full_day,
    gap_phrase,
    line,
    theme_phrase,
    who,
)
from cadence.planner.rules import Rules
from cadence.planner.windows import (
    MAX_DAYS_AHEAD,
    Slot,
    first_open_slot,
    is_workday,
    local_date,
    next_workday,
    rotation,
    wall_to_utc,
    window_at,
    window_bounds,
    zone,
)

# A call made outside every window still deserves its voicemail: give it an hour.
RIGHT_AWAY_SLACK = timedelta(hours=1)
# Seed 004: "I'll stop by next Tuesday": far enough out to get a reply first, close enough to be real.
PROMISE_LEAD_DAYS = 3
KIND_NAMES = {Kind.BREAKUP: "breakup", Kind.PLEASANTLY_PERSISTENT: "pleasantly persistent message"}


def _on(label: str) -> str:
    """ "today", "on Tue", "on Tue 21 Oct" """
    return label if label == "today" else f"on {label}"


@dataclass(frozen=True)
class _Next:
    """The attempt being planned, before we know when."""

    situation: Situation
    ledger: Ledger
    contact: ContactInfo
    tz: ZoneInfo
    number: int
    kind: Kind
    # 0 opens the attempt; the voicemail and the same-day email that ride on its call are steps 1 and 2.
    step: int = 0
    # The attempt this one continues (its call went unanswered a moment ago), if any.
    continues: Attempt | None = None

    @property
    def rules(self) -> Rules:
        return self.situation.rules

    @property
    def planned_total(self) -> int:
        """The attempts this cadence plans: its maximum, or more when the closing messages had to come later."""
        return max(self.rules.max_touches, self.number)

    @property
    def heading(self) -> str:
        heading = f"Attempt {self.number} of {self.planned_total}"
        earlier = self.situation.earlier_attempts
        if not earlier:
            return heading
        by = f", by {self.situation.earlier_by}" if self.situation.earlier_by else ""
        return f"{heading} for you{SEPARATOR}{earlier} before{by}"

    def beyond_line(self) -> str:
        """Why this attempt goes past the cadence's maximum: a closing message that did not get through yet, or
        a conversation late in the cadence that the closing messages now follow."""
        if self.number <= self.rules.max_touches or self.continues is not None:
            return ""
        name = KIND_NAMES.get(self.kind, "message")
        missed = [
            a for a in self.ledger.since_last_conversation() if a.kind is self.kind and a.delivered(self.kind) is None
        ]
        if missed:
            return f"the {name} did not get through on attempt {missed[-1].number}, trying again"
        talk = self.ledger.last_conversation()
        if talk is not None:
            said = day_label(local_date(talk.occurred_at, self.tz), today=self.today)
            return f"{self.rules.max_touches} planned, one more to close after the conversation {_on(said)}"
        return ""

    @property
    def today(self) -> date:
        return local_date(self.situation.now, self.tz)

    # Both the rotation and the window line ask these; each reads every attempt's window, so read them once.

    @cached_property
    def occasions(self) -> list[tuple[date, int]]:
        return self.ledger.occasions(self.rules, self.tz)

    @cached_property
    def picked_up(self) -> tuple[int, datetime] | None:
        return self.ledger.picked_up(self.contact, self.rules, self.tz)

    def message_line(self, promised: date | None = None) -> str:
        if self.kind is Kind.BREAKUP:
            return BREAKUP_LINE
        if self.kind is Kind.PLEASANTLY_PERSISTENT and promised is not None:
            action = self.rules.pleasantly_persistent_action
            return f"pleasantly persistent: I'll {action} on {full_day(promised)} unless I hear back"
        return ""

    def theme(self) -> Theme:
        if self.kind is not Kind.REGULAR:
            return Theme.NONE
        # One attempt says one thing: the voicemail and email after a call carry the call's theme.
        if self.continues is not None and self.continues.first.theme is not Theme.NONE:
            return self.continues.first.theme
        return self.ledger.next_theme(self.contact, self.rules.themes)

    def theme_line(self) -> str:
        if self.kind is not Kind.REGULAR:
            return ""
        theme, last = self.theme(), self.ledger.last_theme(self.contact)
        # The email backing up a voicemail says the same thing: no "(last: ...)" about itself.
        return theme_phrase(theme, None if last is theme else last)

    def follow_up(
        self, *, start: datetime, end: datetime, channel: Channel, window: int | None, parts: list[str]
    ) -> Decision:
        return Decision(
            action=Action.FOLLOW_UP,
            reason=line([self.heading, self.beyond_line(), *parts]),
            attempt=self.number,
            step=self.step,
            attempt_of=self.planned_total,
            due_start=start,
            due_end=end,
            channel=channel,
            kind=self.kind,
            theme=self.theme(),
            contact_id=self.contact.id,
            window_index=window,
        )


def kind_for(number: int, *, rules: Rules, ledger: Ledger) -> Kind:
    """Attempt max_touches is the breakup; with pleasantly_persistent, the one before it is that message.

    A closing message counts once it got through: a breakup call nobody answered leaves the breakup for its
    voicemail or the next attempt. After a late conversation the numbers run past max_touches; then the closing
    messages come next, as docs/field-reports.md §3 advises when a prospect who agreed a next step goes quiet.
    """
    closing_from = rules.max_touches - (1 if rules.pleasantly_persistent else 0)
    if number < closing_from:
        return Kind.REGULAR
    if rules.pleasantly_persistent:
        tries = [
            a
            for a in ledger.since_last_conversation()
            if a.kind is Kind.PLEASANTLY_PERSISTENT and a.number >= closing_from
        ]
        said = any(a.delivered(Kind.PLEASANTLY_PERSISTENT) is not None for a in tries)
        if not said and len(tries) < CLOSING_TRIES:
            return Kind.PLEASANTLY_PERSISTENT
    return Kind.BREAKUP


def promised_day(said_on: date, *, rules: Rules, situation: Situation) -> date:
    return next_workday(said_on + timedelta(days=PROMISE_LEAD_DAYS), rules=rules, days_off=situation.days_off)


def choose_contact(situation: Situation, ledger: Ledger) -> tuple[ContactInfo | None, str]:
    """Keep chasing the person we were chasing while they are reachable; otherwise the best one left by role.

    Returns the contact and, when we moved away from someone, why: "the decision maker (#3) left the company".
    """
    reachable = [c for c in situation.contacts if ledger.unreachable_because(c) is None]
    last = ledger.last_attempt
    current = next((c for c in situation.contacts if last and c.id == last.contact_id), None)
    if current is not None and current in reachable:
        return current, ""
    ranked = sorted(reachable, key=lambda c: ROLE_PRIORITY.index(c.role))
    dropped = f"{who(current)} {ledger.unreachable_because(current)}" if current is not None else ""
    return (ranked[0] if ranked else None), dropped


def needs_contact(situation: Situation, ledger: Ledger) -> Decision:
    if not situation.contacts:
        return Decision(action=Action.NEEDS_CONTACT, reason="No contacts on file · add the decision maker")
    notes = [f"{who(c)} {ledger.unreachable_because(c)}" for c in situation.contacts]
    shown = notes[:3] + ([f"{len(notes) - 3} more"] if len(notes) > 3 else [])
    last = ledger.last_attempt
    return Decision(
        action=Action.NEEDS_CONTACT,
        reason=line(["No one left to try: " + ", ".join(shown), "add a contact, decision maker first"]),
        contact_id=last.contact_id if last else None,
    )


def plan_attempt(situation: Situation, ledger: Ledger) -> Decision:
    """Steps 5 to 9 of plan_next: contact, number and kind; then the promised action, right away, or gap."""
    contact, dropped = choose_contact(situation, ledger)
    if contact is None:
        return needs_contact(situation, ledger)
    tz = zone(contact.timezone, fallback=situation.default_timezone)
    number = ledger.count + 1
    plan = _Next(
        situation=situation,
        ledger=ledger,
        contact=contact,
        tz=tz,
        number=number,
        kind=kind_for(number, rules=situation.rules, ledger=ledger),
    )
    current, last = ledger.current, ledger.last_attempt
    if current is not None and last is not None:
        promise = current.delivered(Kind.PLEASANTLY_PERSISTENT)
        if promise is not None:
            return _promised_action(plan, said_at=promise.occurred_at)
        if not dropped and current.contact_id in (contact.id, None):
            ongoing = replace(
                plan, number=current.number, kind=current.kind, step=len(current.touches), continues=current
            )
            right_away = _right_away(ongoing, last.occurred_at, last.channel, last.outcome)
            if right_away is not None:
                return right_away
    # Told "wrong person" or "she left" a minute ago: the new contact gets a call now, not after the gap.
    redirected = bool(dropped) and last is not None and last.outcome in GONE_OUTCOMES
    return _after_gap(plan, dropped=dropped, right_away=redirected)


def _right_away(plan: _Next, at: datetime, channel: Channel, outcome: Outcome) -> Decision | None:
    """Seed 002: "I always leave a voicemail!" The voicemail is due from the moment of the call to the end of
    that window; the optional email to the end of that local day. Once that moment has passed, it is gone:
    the next call after the gap takes over."""
    rules, ledger, contact = plan.rules, plan.ledger, plan.contact
    if rules.voicemail_after_no_answer and channel is Channel.CALL and outcome is Outcome.NO_ANSWER:
        if not ledger.phone_works(contact):
            return None
        window = window_at(at, rules.windows, plan.tz)
        end = at + RIGHT_AWAY_SLACK
        if window is not None:
            end = window_bounds(local_date(at, plan.tz), window, rules.windows, plan.tz)[1]
        if rules.calling_hours is not None:
            # Never a phone call after the legal hour, even a voicemail left on a call the rep made late.
            end = min(end, wall_to_utc(local_date(at, plan.tz), rules.calling_hours[1], plan.tz))
        follow = f"no answer at {at.astimezone(plan.tz):%H:%M}, leave a voicemail now"
        new_channel = Channel.VOICEMAIL
    elif rules.email_after_voicemail and (
        channel is Channel.VOICEMAIL or (channel is Channel.CALL and outcome is Outcome.LEFT_VOICEMAIL)
    ):
        if not ledger.email_works(contact):
            return None
        end = wall_to_utc(local_date(at, plan.tz) + timedelta(days=1), time(0), plan.tz)
        follow = "email the same day to back up the voicemail"
        new_channel = Channel.EMAIL
    else:
        return None
    if end <= plan.situation.now:
        return None
    promised = None
    if plan.kind is Kind.PLEASANTLY_PERSISTENT:
        promised = promised_day(local_date(at, plan.tz), rules=rules, situation=plan.situation)
    parts = [plan.message_line(promised), follow, plan.theme_line()]
    return plan.follow_up(start=at, end=end, channel=new_channel, window=None, parts=parts)


def _promised_action(plan: _Next, *, said_at: datetime) -> Decision:
    rules = plan.rules
    promised = promised_day(local_date(said_at, plan.tz), rules=rules, situation=plan.situation)
    slot = _slot(plan, earliest=promised)
    channel = _usable(plan, rules.pleasantly_persistent_channel)
    as_promised = f"{rules.pleasantly_persistent_action} as promised ({full_day(promised)})"
    if slot.day != promised:
        as_promised += ", later than promised"
    parts = [as_promised, plan.message_line(), _window_line(plan, slot), plan.theme_line()]
    return plan.follow_up(start=slot.start, end=slot.end, channel=channel, window=slot.index, parts=parts)


def _after_gap(plan: _Next, *, dropped: str, right_away: bool) -> Decision:
    rules, ledger = plan.rules, plan.ledger
    days = ledger.attempt_days(plan.tz)
    switch = f"{dropped}, trying {who(plan.contact)} next" if dropped else ""
    paced_from = plan.situation.first_attempt_from
    if not days and plan.situation.inbound_since is not None and plan.step == 0:
        return _inbound_first(plan, switch=switch)
    if not days and paced_from is not None and local_date(paced_from, plan.tz) > plan.today:
        earliest = local_date(paced_from, plan.tz)
        spacing = f"first try {_on(full_day(earliest))}: new leads are spread over the coming days"
    elif not days or right_away:
        earliest = plan.today
        spacing = "" if days else "first try, as soon as possible"
    else:
        gap = rules.gap_after(len(days))
        earliest = days[-1] + timedelta(days=gap)
        spacing = gap_phrase(gap, days[-1], today=earliest)
    slot = _slot(plan, earliest=earliest)
    moved = _moved_because(plan, planned=earliest, slot=slot)
    promised = None
    if plan.kind is Kind.PLEASANTLY_PERSISTENT:
        promised = promised_day(slot.day, rules=rules, situation=plan.situation)
    channel = _usable(plan, Channel.CALL if plan.kind is Kind.REGULAR else Channel.VOICEMAIL)
    by = _channel_note(channel)
    parts = [
        plan.message_line(promised),
        by,
        switch,
        spacing,
        moved,
        _window_line(plan, slot),
        plan.theme_line(),
    ]
    return plan.follow_up(start=slot.start, end=slot.end, channel=channel, window=slot.index, parts=parts)


# An inbound lead's first call is due at once; past this it reads as late on My day.
INBOUND_CALL_WITHIN = timedelta(minutes=15)


def _inbound_first(plan: _Next, *, switch: str) -> Decision:
    """The first attempt at a lead that asked for us: now if the contact's calling hours are open on a working day
    of theirs, else the moment they next open. Inbound leads are never paced."""
    situation, rules, tz = plan.situation, plan.rules, plan.tz
    start_at, end_at = rules.calling_hours or (time(0), time(23, 59))
    now = situation.now
    day = local_date(now, tz)
    opens = closes = now
    for _ in range(MAX_DAYS_AHEAD):
        day = next_workday(day, rules=rules, days_off=situation.days_off)
        opens, closes = wall_to_utc(day, start_at, tz), wall_to_utc(day, end_at, tz)
        if closes > now:
            break
        day += timedelta(days=1)
    arrived = situation.inbound_since
    assert arrived is not None
    at_local = arrived.astimezone(tz)
    if opens <= now:
        start, timing = now, "call now"
    else:
        start = opens
        when = _on(day_label(day, today=plan.today))
        timing = f"first call {when} at {start_at:%H:%M} their time, when calling opens"
    end = min(max(start, now) + INBOUND_CALL_WITHIN, closes)
    channel = _usable(plan, Channel.CALL)
    parts = [
        f"new inbound: asked for us at {at_local:%H:%M} their time",
        _channel_note(channel),
        switch,
        timing,
        plan.theme_line(),
    ]
    return replace(plan.follow_up(start=start, end=end, channel=channel, window=None, parts=parts), is_inbound=True)


def _slot(plan: _Next, *, earliest: date) -> Slot:
    picked = plan.picked_up
    used = [index for _, index in plan.occasions]
    order = rotation(len(plan.rules.windows), used, picked_up_in=picked[0] if picked else None)
    situation = plan.situation
    return first_open_slot(
        earliest=earliest,
        order=order,
        rules=plan.rules,
        tz=plan.tz,
        days_off=situation.days_off,
        now=situation.now,
    )


def _usable(plan: _Next, wanted: Channel) -> Channel:
    """The wanted channel if this contact can take it; otherwise the other one that works."""
    phone, email = plan.ledger.phone_works(plan.contact), plan.ledger.email_works(plan.contact)
    if wanted in (Channel.CALL, Channel.VOICEMAIL) and not phone:
        return Channel.EMAIL if email else wanted
    if wanted is Channel.EMAIL and not email:
        return Channel.CALL if phone else wanted
    return wanted


def _channel_note(channel: Channel) -> str:
    if channel is Channel.EMAIL:
        return "by email (no working phone)"
    if channel is Channel.VOICEMAIL:
        return "by voicemail"
    return ""


def _window_line(plan: _Next, slot: Slot) -> str:
    label = f"{plan.rules.windows[slot.index].label} window"
    picked = plan.picked_up
    if picked is not None and picked[0] == slot.index:
        return f"{label}, they picked up there {day_label(local_date(picked[1], plan.tz), today=slot.day)}"
    tried = [day for day, index in plan.occasions if index == slot.index]
    if not tried:
        return f"{label}, not tried yet"
    return f"{label}, not tried since {day_label(tried[-1], today=slot.day)}"


def _moved_because(plan: _Next, *, planned: date, slot: Slot) -> str:
    if slot.day == planned:
        return ""
    if planned < plan.today:
        # Never "overdue" here: the queue says how late a follow-up is from its own time, and "overdue since Sun"
        # beside "Mon 16:00" reads as a contradiction.
        return f"meant for {day_label(planned, today=plan.today)}, this is the first open window since"
    if is_workday(planned, rules=plan.rules, days_off=plan.situation.days_off):
        return f"{day_label(planned, today=plan.today)}'s windows are over"
    moved_to = full_day(slot.day)
    if not plan.rules.is_working_weekday(planned):
        return f"{full_day(planned)} is not a working day, moved to {moved_to}"
    # HolidayCalendar knows names; any other DaysOff just says "a day off".
    name = getattr(plan.situation.days_off, "name", lambda day: None)(planned)
    return f"{full_day(planned)} is {name or 'a day off'}, moved to {moved_to}"
