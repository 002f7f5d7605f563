"""plan_next: the one next thing to do for a prospect. The same situation always gives the same decision."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, time, timedelta
from zoneinfo import ZoneInfo

from cadence.planner.attempts import plan_attempt
from cadence.planner.decision import Decision
from cadence.planner.enums import Action, Channel, Kind, OnFinish, Outcome, Theme
from cadence.planner.history import Ledger
from cadence.planner.inputs import PastTouch, Situation
from cadence.planner.reasons import (
    CONVERSATION_NAMES,
    DELIVERY_VERBS,
    STOP_NAMES,
    day_label,
    full_day,
    line,
    plural,
)
from cadence.planner.windows import local_date, wall_to_utc, zone

# An agreed next step has a time, not a window; give the rep an hour around it.
NEXT_STEP_SLACK = timedelta(hours=1)

# What plan_preview assumes happens at each planned attempt: nobody picks up, every message goes out.
_UNANSWERED = {
    Channel.CALL: Outcome.NO_ANSWER,
    Channel.VOICEMAIL: Outcome.LEFT_VOICEMAIL,
    Channel.EMAIL: Outcome.SENT,
    Channel.IN_PERSON: Outcome.NO_ANSWER,
}


def plan_next(situation: Situation) -> Decision:
    """Decide what happens next for one prospect.

    1. A closed prospect stops, and so does a "not interested", or an opt-out that names nobody, anywhere in the
       history: whatever was logged after it, we do not plan again. A person's opt-out is theirs: they are
       never planned again, and the company's other contacts still are.
    2. A pause holds everything until it ends.
    3. After a conversation (connected, replied, meeting booked) the cadence steps aside: the agreed next step
       becomes the follow-up, or the rep is asked to record one.
    4. Once the breakup is out (and at least min_touches attempts were made), wait breakup_wait_days local
       days for an answer, then give up (recycling later if the rules say so) or hand over to another rep.
    5. Choose the contact: the one we were chasing while still reachable, else the best one left by role.
       Nobody left: ask the rep for a contact.
    6. Number the attempt (real attempts so far + 1) and set its kind: attempt max_touches is the breakup,
       and with pleasantly_persistent the one before it is the "I'll <action> on <date>" message.
    7. After a pleasantly persistent message, plan the promised action on the promised date.
    8. Right after a no-answer call, the voicemail; right after a voicemail, the optional same-day email.
    9. Otherwise the next attempt after the gap in local calendar days, on a working day, in the next window
       of the rotation; a first attempt, or one to a contact we were just redirected to, as soon as possible.
    """
    ledger = read_ledger(situation)
    return (
        _stopped(situation, ledger)
        or _paused(situation)
        or _engaged(situation, ledger)
        or _finishing(situation, ledger)
        or plan_attempt(situation, ledger)
    )


def plan_preview(situation: Situation, *, count: int = 5) -> tuple[Decision, ...]:
    """The next `count` decisions, assuming every planned attempt happens at the start of its window (or now,
    if that is later) and nobody answers. A wait is sat out; any other non-attempt decision ends the preview.
    """
    decisions: list[Decision] = []
    while len(decisions) < count:
        decision = plan_next(situation)
        decisions.append(decision)
        if decision.action is Action.FOLLOW_UP:
            assert decision.due_start is not None and decision.channel is not None and decision.kind is not None
            at = max(decision.due_start, situation.now)
            touch = PastTouch(
                occurred_at=at,
                channel=decision.channel,
                kind=decision.kind,
                outcome=_UNANSWERED[decision.channel],
                theme=decision.theme or Theme.NONE,
                contact_id=decision.contact_id,
            )
            situation = replace(situation, history=(*situation.history, touch), now=at)
        elif decision.action is Action.WAIT and decision.until is not None:
            situation = replace(situation, now=max(decision.until, situation.now))
        else:
            break
    return tuple(decisions)


def read_ledger(situation: Situation) -> Ledger:
    """The situation's history, read once, with its touches grouped into attempts on each contact's clock."""
    zones = {c.id: c.timezone for c in situation.contacts}

    def zone_of(contact_id: int | None) -> ZoneInfo:
        return zone(zones.get(contact_id, "") if contact_id is not None else "", fallback=situation.default_timezone)

    return Ledger.read(situation.history, zone_of=zone_of)


def count_attempts(situation: Situation) -> int:
    """Attempts made: each occasion of calls, voicemails, emails and visits to one contact on one day of theirs
    counts once (a call, the voicemail left on it and the same-day email are one attempt). Notes never count."""
    return read_ledger(situation).count


def give_up_is_early(situation: Situation) -> bool:
    """True while fewer than min_touches attempts were made: most reps give up too early (docs/field-reports.md §1)."""
    return count_attempts(situation) < situation.rules.min_touches


def _tz_of(situation: Situation, contact_id: int | None) -> ZoneInfo:
    contact = next((c for c in situation.contacts if c.id == contact_id), None)
    return zone(contact.timezone if contact else "", fallback=situation.default_timezone)


def _stopped(situation: Situation, ledger: Ledger) -> Decision | None:
    if situation.prospect_closed:
        return Decision(action=Action.STOP, reason="Prospect closed · nothing more to plan")
    stopper = ledger.stopper()
    if stopper is None:
        return None
    tz = _tz_of(situation, stopper.contact_id)
    when = day_label(local_date(stopper.occurred_at, tz), today=local_date(situation.now, tz))
    verdict = "do not contact again" if stopper.outcome is Outcome.OPTED_OUT else "stopped for good"
    return Decision(
        action=Action.STOP,
        reason=line([f"{STOP_NAMES[stopper.outcome]} ({when})", verdict]),
        contact_id=stopper.contact_id,
    )


def _paused(situation: Situation) -> Decision | None:
    if not situation.is_paused:
        return None
    until = situation.paused_until
    if until is None:
        return Decision(action=Action.PAUSED, reason="Paused · resume when ready")
    tz = zone("", fallback=situation.default_timezone)
    return Decision(
        action=Action.PAUSED,
        reason=f"Paused until {full_day(local_date(until, tz))}",
        until=until.astimezone(UTC),
    )


def _engaged(situation: Situation, ledger: Ledger) -> Decision | None:
    talk = ledger.engagement()
    if talk is None:
        return None
    step = situation.next_step
    target_id = step.contact_id if step is not None and step.contact_id is not None else talk.contact_id
    target = next((c for c in situation.contacts if c.id == target_id), None)
    if target is not None and ledger.opted_out(target) is not None:
        return None  # the person talked to opted out since: theirs is over, the others are worked by the cadence
    if step is None:
        return Decision(
            action=Action.ENGAGE,
            reason=f"{CONVERSATION_NAMES[talk.outcome]} — record a next step",
            contact_id=talk.contact_id,
        )
    due = step.due_at.astimezone(UTC)
    late = ""
    if due + NEXT_STEP_SLACK <= situation.now:
        late = f"agreed for {full_day(local_date(due, _tz_of(situation, talk.contact_id)))}, not done yet"
    reason = line([f"Next step: {step.what}", late])
    return Decision(
        action=Action.FOLLOW_UP,
        reason=reason,
        attempt=ledger.count + 1,
        attempt_of=max(situation.rules.max_touches, ledger.count + 1),
        due_start=due,
        due_end=max(due, situation.now.astimezone(UTC)) + NEXT_STEP_SLACK,
        channel=step.channel,
        kind=Kind.REGULAR,
        theme=Theme.NONE,
        contact_id=step.contact_id if step.contact_id is not None else talk.contact_id,
        is_next_step=True,
    )


def _finishing(situation: Situation, ledger: Ledger) -> Decision | None:
    found = ledger.breakup(situation.rules)
    if found is None:
        return None
    rules = situation.rules
    number, breakup, delivered = found
    tz = _tz_of(situation, breakup.contact_id)
    sent_on = local_date(breakup.occurred_at, tz)
    answer_by = sent_on + timedelta(days=rules.breakup_wait_days)
    until = wall_to_utc(answer_by, time(0), tz)
    if delivered:
        story = f"{plural(number, 'attempt')}, breakup {DELIVERY_VERBS[breakup.channel]} {full_day(sent_on)}"
    else:
        story = f"{plural(number, 'attempt')}, the breakup never got through (last tried {full_day(sent_on)})"
    if situation.now < until:
        return Decision(
            action=Action.WAIT,
            reason=line([story, f"giving them until {full_day(answer_by)} to answer"]),
            until=until,
            contact_id=breakup.contact_id,
        )
    if rules.on_finish is OnFinish.REASSIGN:
        # Seed 000: "they don't get let off the hook, they get a new sales person".
        return Decision(
            action=Action.REASSIGN,
            reason=line([story, "still silent", "hand them to a new rep: they don't get let off the hook"]),
        )
    recycle_on = answer_by + timedelta(days=rules.recycle_after_days) if rules.recycle_after_days else None
    then = f"giving up for now, back in the queue on {full_day(recycle_on)}" if recycle_on else "giving up"
    return Decision(
        action=Action.GIVE_UP,
        reason=line([story, "still silent", then]),
        recycle_on=recycle_on,
        early=ledger.count < rules.min_touches,
    )
