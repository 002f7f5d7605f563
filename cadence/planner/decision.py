"""What the planner answers: one Decision, whatever the action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from cadence.planner.enums import Action, Channel, Kind, Theme


@dataclass(frozen=True)
class Decision:
    """One flat record rather than a union, so the service layer can copy it onto a row field by field.

    Which fields are set depends on `action`; the others stay None (or False):

    - follow_up: attempt (which occasion: a call, the voicemail left on it and the same-day email share one)
      and step (0 opens the attempt, 1 and 2 are the voicemail and email that ride on it), attempt_of (the
      attempts this cadence plans, never fewer than `attempt`), due_start and due_end (both UTC, due_end >
      due_start), channel, kind, theme, contact_id, and window_index (None when the attempt rides on a call
      just made or is an agreed next step).
    - wait, paused: until (None for an open-ended pause).
    - give_up: recycle_on (None when the rules do not recycle) and early.
    - needs_contact: contact_id of the contact that dropped out, when there was one.
    - engage, stop, reassign: the reason says it all.

    `reason` is always one line a rep can read at a glance.
    """

    action: Action
    reason: str
    attempt: int | None = None
    step: int = 0
    attempt_of: int | None = None
    due_start: datetime | None = None
    due_end: datetime | None = None
    channel: Channel | None = None
    kind: Kind | None = None
    theme: Theme | None = None
    contact_id: int | None = None
    window_index: int | None = None
    until: datetime | None = None
    recycle_on: date | None = None
    early: bool = False
    # The follow-up is the next step agreed in a conversation, not another attempt to reach them.
    is_next_step: bool = False
    # The first attempt at a lead that asked for us (My day puts it at the top).
    is_inbound: bool = False

    def __post_init__(self) -> None:
        if "\n" in self.reason:
            raise ValueError("a reason is one line")
        if self.action is Action.FOLLOW_UP and (
            self.attempt is None or self.due_start is None or self.due_end is None or self.channel is None
        ):
            raise ValueError("a follow_up needs an attempt number, a channel and a due window")
        if self.attempt is not None and (self.attempt_of is None or self.attempt > self.attempt_of):
            raise ValueError("an attempt is numbered within the attempts planned: never 'attempt 11 of 8'")
        if self.due_start is not None and self.due_end is not None and not self.due_end > self.due_start:
            raise ValueError("a due window must end after it starts")
