"""What the planner is told about a prospect: frozen values only; the planner never looks anything up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cadence.planner.calendar import DaysOff
from cadence.planner.enums import Channel, ContactRole, Kind, Outcome, Theme
from cadence.planner.rules import Rules


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {value!r}")


@dataclass(frozen=True)
class PastTouch:
    occurred_at: datetime
    channel: Channel
    kind: Kind
    outcome: Outcome
    theme: Theme
    contact_id: int | None

    def __post_init__(self) -> None:
        _require_aware(self.occurred_at, "PastTouch.occurred_at")


@dataclass(frozen=True)
class ContactInfo:
    id: int
    role: ContactRole
    timezone: str
    has_phone: bool
    has_email: bool
    do_not_contact: bool = False
    left_company: bool = False
    email_bounced: bool = False
    # How the reason names them ("Dana Reyes (decision maker)"); blank falls back to the role.
    name: str = ""


@dataclass(frozen=True)
class NextStep:
    """What the rep agreed with the prospect, e.g. "send the lane pricing" on Thursday at 10:00.

    `channel` and `contact_id` default to a call to whoever the conversation was with.
    """

    what: str
    due_at: datetime
    channel: Channel = Channel.CALL
    contact_id: int | None = None

    def __post_init__(self) -> None:
        _require_aware(self.due_at, "NextStep.due_at")
        if self.channel is Channel.OTHER:
            raise ValueError("a next step is a real attempt; a note cannot be one")


@dataclass(frozen=True)
class Situation:
    """Everything plan_next needs, gathered by the caller. `history` may come in any order.

    Pausing: `paused=True` pauses until `paused_until`, or indefinitely without one; a `paused_until` in the
    future pauses on its own; a `paused_until` that has passed means the pause is over.
    """

    rules: Rules
    history: tuple[PastTouch, ...]
    contacts: tuple[ContactInfo, ...]
    now: datetime
    days_off: DaysOff
    default_timezone: str
    next_step: NextStep | None = None
    paused_until: datetime | None = None
    paused: bool = False
    prospect_closed: bool = False
    # A new lead's first attempt is not planned before this (new leads are paced: a rep starts so many a day).
    first_attempt_from: datetime | None = None
    # A new inbound lead (it asked for us) waiting since this moment: its first attempt is planned now, within the
    # contact's calling hours on a working day, or at the next opening of them, never at a rotation window.
    inbound_since: datetime | None = None
    # What earlier rounds of this lead tried (a hand-over, a recycle): this round counts its own attempts from 1,
    # and its reasons say what came before and who made it ("Lee", "Lee and you").
    earlier_attempts: int = 0
    earlier_by: str = ""

    def __post_init__(self) -> None:
        _require_aware(self.now, "Situation.now")
        if self.paused_until is not None:
            _require_aware(self.paused_until, "Situation.paused_until")
        if self.first_attempt_from is not None:
            _require_aware(self.first_attempt_from, "Situation.first_attempt_from")
        if self.inbound_since is not None:
            _require_aware(self.inbound_since, "Situation.inbound_since")
        ids = [contact.id for contact in self.contacts]
        if len(ids) != len(set(ids)):
            raise ValueError("contacts must have distinct ids")

    @property
    def is_paused(self) -> bool:
        if self.paused_until is not None:
            return self.paused_until > self.now
        return self.paused
