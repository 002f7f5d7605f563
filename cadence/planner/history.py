"""Reading the touch history once: what counts as an attempt, who is still reachable, what was said last."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from cadence.planner.enums import (
    ENGAGED_OUTCOMES,
    GONE_OUTCOMES,
    PHONE_CHANNELS,
    REAL_CHANNELS,
    STOP_OUTCOMES,
    THEME_CYCLE,
    UNDELIVERED_OUTCOMES,
    Channel,
    Kind,
    Outcome,
    Theme,
)
from cadence.planner.inputs import ContactInfo, PastTouch
from cadence.planner.rules import Rules
from cadence.planner.windows import local_date, window_at

# Touches logged at the same moment: the call came before its voicemail, and the more decisive outcome is read
# as the later one (a "connected" beats a "no answer" logged twice by mistake). The rest of the key only makes
# the order total, so the same history in any order reads the same.
_DECISIVENESS = (
    Outcome.NO_ANSWER,
    Outcome.LEFT_VOICEMAIL,
    Outcome.SENT,
    Outcome.BOUNCED,
    Outcome.WRONG_PERSON,
    Outcome.LEFT_COMPANY,
    Outcome.CONNECTED,
    Outcome.REPLIED,
    Outcome.MEETING_BOOKED,
    Outcome.NOT_INTERESTED,
    Outcome.OPTED_OUT,
)
_SAME_MOMENT_ORDER = {
    Channel.CALL: 0,
    Channel.VOICEMAIL: 1,
    Channel.EMAIL: 2,
    Channel.IN_PERSON: 3,
    Channel.OTHER: 4,
}


def _chronological(touch: PastTouch) -> tuple[datetime, int, int, str, str, int]:
    channel, outcome = _SAME_MOMENT_ORDER[touch.channel], _DECISIVENESS.index(touch.outcome)
    contact = -1 if touch.contact_id is None else touch.contact_id
    return (touch.occurred_at, channel, outcome, touch.kind, touch.theme, contact)


def is_attempt(touch: PastTouch) -> bool:
    """A real touch reaches (or tries to reach) the prospect. A note (channel "other") never counts."""
    return touch.channel in REAL_CHANNELS


def is_delivered(touch: PastTouch) -> bool:
    """The message got through: a voicemail left, an email sent, a conversation. An unanswered call did not. A
    visit made as promised is done even if nobody came to the door: the promise was kept."""
    if touch.channel is Channel.IN_PERSON and touch.outcome is Outcome.NO_ANSWER:
        return True
    return touch.outcome not in UNDELIVERED_OUTCOMES


# A breakup that cannot be delivered (nobody picks up, no voicemail or email possible) is tried this many times,
# then the cadence ends as if it had been: chasing an undeliverable goodbye forever helps nobody.
CLOSING_TRIES = 3


@dataclass(frozen=True)
class Attempt:
    """One occasion of reaching out (docs/field-reports.md §2): the call, the voicemail left on it and the same-day
    email are one attempt. `number` counts from 1 over the enrollment's history."""

    number: int
    touches: tuple[PastTouch, ...]

    @property
    def first(self) -> PastTouch:
        return self.touches[0]

    @property
    def last(self) -> PastTouch:
        return self.touches[-1]

    @property
    def contact_id(self) -> int | None:
        """Who the attempt was with; touches without a contact belong to the whole prospect."""
        return next((t.contact_id for t in self.touches if t.contact_id is not None), None)

    @property
    def kind(self) -> Kind:
        """What the attempt was planned as: its closing kind if any of its touches carries one."""
        return next((t.kind for t in self.touches if t.kind is not Kind.REGULAR), Kind.REGULAR)

    def delivered(self, kind: Kind) -> PastTouch | None:
        """The touch that got a message of this kind through (the breakup voicemail left, say), if any."""
        return next((t for t in self.touches if t.kind is kind and is_delivered(t)), None)

    @property
    def talked(self) -> bool:
        return any(t.outcome in ENGAGED_OUTCOMES for t in self.touches)


def group_attempts(touches: Iterable[PastTouch], *, zone_of: Callable[[int | None], ZoneInfo]) -> tuple[Attempt, ...]:
    """Group chronological touches into attempts.

    1. A real touch joins the attempt before it when it is to the same contact (or either names nobody), on the
       same local date (their clock) and that attempt was not a conversation; otherwise it opens a new attempt.
    2. A conversation closes its attempt, whatever recorded it (a note of a LinkedIn reply too): what comes
       after it is a new occasion.
    3. Notes are never part of an attempt.
    """
    groups: list[list[PastTouch]] = []
    days: list[date] = []
    closed = True
    for touch in touches:
        if not is_attempt(touch):
            if touch.outcome in ENGAGED_OUTCOMES:
                closed = True
            continue
        day = local_date(touch.occurred_at, zone_of(touch.contact_id))
        if not closed and days[-1] == day and _same_person(groups[-1], touch.contact_id):
            groups[-1].append(touch)
        else:
            groups.append([touch])
            days.append(day)
        closed = touch.outcome in ENGAGED_OUTCOMES
    return tuple(Attempt(number=n, touches=tuple(group)) for n, group in enumerate(groups, start=1))


def _same_person(group: list[PastTouch], contact_id: int | None) -> bool:
    them = next((t.contact_id for t in group if t.contact_id is not None), None)
    return contact_id is None or them is None or them == contact_id


def _no_zones(contact_id: int | None) -> ZoneInfo:
    return ZoneInfo("UTC")


@dataclass(frozen=True)
class Ledger:
    """The history sorted once, with the questions the planner asks of it."""

    touches: tuple[PastTouch, ...]
    # Every real touch, in order; `attempts` groups them into occasions.
    real: tuple[PastTouch, ...]
    attempts: tuple[Attempt, ...]

    @classmethod
    def read(cls, history: Iterable[PastTouch], *, zone_of: Callable[[int | None], ZoneInfo] = _no_zones) -> Ledger:
        touches = tuple(sorted(history, key=_chronological))
        return cls(
            touches=touches,
            real=tuple(t for t in touches if is_attempt(t)),
            attempts=group_attempts(touches, zone_of=zone_of),
        )

    @property
    def count(self) -> int:
        return len(self.attempts)

    @property
    def current(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def last_attempt(self) -> PastTouch | None:
        """The latest real touch."""
        return self.real[-1] if self.real else None

    def stopper(self) -> PastTouch | None:
        """The first "not interested", or an opt-out that names nobody: after it nothing else matters, notes
        included. A person's opt-out is theirs (unreachable_because): the company's other contacts are still worked."""
        return next(
            (
                t
                for t in self.touches
                if t.outcome in STOP_OUTCOMES and not (t.outcome is Outcome.OPTED_OUT and t.contact_id is not None)
            ),
            None,
        )

    def opted_out(self, contact: ContactInfo) -> PastTouch | None:
        return next((t for t in self.touches if t.contact_id == contact.id and t.outcome is Outcome.OPTED_OUT), None)

    def engagement(self) -> PastTouch | None:
        """The latest touch if it is a conversation. A note can record one (a reply on LinkedIn); a note
        logged after a conversation does not end it."""
        relevant = [t for t in self.touches if is_attempt(t) or t.outcome in ENGAGED_OUTCOMES]
        if relevant and relevant[-1].outcome in ENGAGED_OUTCOMES:
            return relevant[-1]
        return None

    def last_conversation(self) -> PastTouch | None:
        return next((t for t in reversed(self.touches) if t.outcome in ENGAGED_OUTCOMES), None)

    def since_last_conversation(self) -> tuple[Attempt, ...]:
        """The attempts after the latest conversation, or all of them."""
        talk = self.last_conversation()
        if talk is None:
            return self.attempts
        return tuple(a for a in self.attempts if _chronological(a.first) > _chronological(talk))

    def breakup(self, rules: Rules) -> tuple[int, PastTouch, bool] | None:
        """The breakup that ends the cadence: (attempt number, the touch, whether it got through).

        The first breakup delivered since the latest conversation, once at least min_touches attempts were
        made; an early breakup is just another message, and one nobody heard (a call without an answer) is
        not a breakup yet. A breakup tried CLOSING_TRIES times without getting through ends the cadence too.
        """
        tries = [a for a in self.since_last_conversation() if a.kind is Kind.BREAKUP and a.number >= rules.min_touches]
        for attempt in tries:
            said = attempt.delivered(Kind.BREAKUP)
            if said is not None:
                return attempt.number, said, True
        if len(tries) >= CLOSING_TRIES:
            return tries[-1].number, tries[-1].last, False
        return None

    def attempt_days(self, tz: ZoneInfo) -> list[date]:
        """The distinct local dates with attempts on them, oldest first."""
        return sorted({local_date(t.occurred_at, tz) for t in self.real})

    def occasions(self, rules: Rules, tz: ZoneInfo) -> list[tuple[date, int]]:
        """(local date, window) per attempt made inside a window; a call and the voicemail left on it are
        one occasion. Attempts outside every window do not take part in the rotation."""
        result: list[tuple[date, int]] = []
        for touch in self.real:
            index = window_at(touch.occurred_at, rules.windows, tz)
            if index is None:
                continue
            occasion = (local_date(touch.occurred_at, tz), index)
            if not result or result[-1] != occasion:
                result.append(occasion)
        return result

    # Per-contact facts. Touches without a contact belong to the whole prospect and count for everyone.

    def _about(self, contact: ContactInfo) -> list[PastTouch]:
        return [t for t in self.touches if t.contact_id in (contact.id, None)]

    def _flagged(self, contact: ContactInfo, outcome: Outcome, channels: frozenset[Channel]) -> bool:
        return any(t.contact_id == contact.id and t.outcome is outcome and t.channel in channels for t in self.touches)

    def gone(self, contact: ContactInfo) -> PastTouch | None:
        """The touch that told us this contact is the wrong person or has left."""
        return next((t for t in self.touches if t.contact_id == contact.id and t.outcome in GONE_OUTCOMES), None)

    def phone_works(self, contact: ContactInfo) -> bool:
        return contact.has_phone and not self._flagged(contact, Outcome.BOUNCED, PHONE_CHANNELS)

    def email_works(self, contact: ContactInfo) -> bool:
        return (
            contact.has_email
            and not contact.email_bounced
            and not self._flagged(contact, Outcome.BOUNCED, frozenset({Channel.EMAIL}))
        )

    def unreachable_because(self, contact: ContactInfo) -> str | None:
        if self.opted_out(contact) is not None:
            return "opted out"
        if contact.do_not_contact:
            return "is marked do not contact"
        gone = self.gone(contact)
        if contact.left_company or (gone is not None and gone.outcome is Outcome.LEFT_COMPANY):
            return "left the company"
        if gone is not None:
            return "is the wrong person"
        if not self.phone_works(contact) and not self.email_works(contact):
            return "has no phone or email that works"
        return None

    def last_theme(self, contact: ContactInfo) -> Theme | None:
        """The theme of the last message that reached them. An unanswered call or a bounce said nothing, so
        the theme planned for it is still unused."""
        said = [
            t.theme
            for t in self._about(contact)
            if is_attempt(t) and t.theme is not Theme.NONE and t.outcome not in UNDELIVERED_OUTCOMES
        ]
        return said[-1] if said else None

    def next_theme(self, contact: ContactInfo, themes: tuple[Theme, ...] = THEME_CYCLE) -> Theme:
        """information -> invitation -> introduction, so two messages in a row never repeat themselves. Only the
        themes the team has messages for take part (`themes`, in that order)."""
        cycle = themes or THEME_CYCLE
        last = self.last_theme(contact)
        if last is None:
            return cycle[0]
        if last not in cycle:
            # The team stopped using that theme: the next one in the full cycle that it still uses.
            after = THEME_CYCLE[THEME_CYCLE.index(last) + 1 :] + THEME_CYCLE
            return next(theme for theme in after if theme in cycle)
        return cycle[(cycle.index(last) + 1) % len(cycle)]

    def picked_up(self, contact: ContactInfo, rules: Rules, tz: ZoneInfo) -> tuple[int, datetime] | None:
        """(window, when) of the latest call this contact answered inside a window."""
        for touch in reversed(self._about(contact)):
            if touch.channel is Channel.CALL and touch.outcome in ENGAGED_OUTCOMES:
                index = window_at(touch.occurred_at, rules.windows, tz)
                if index is not None:
                    return index, touch.occurred_at
        return None
