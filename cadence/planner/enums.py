"""The planner's vocabulary. Values are the exact strings the Django models store."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    CALL = "call"
    VOICEMAIL = "voicemail"
    EMAIL = "email"
    IN_PERSON = "in_person"
    OTHER = "other"  # a note for the file, never an attempt


class Kind(StrEnum):
    REGULAR = "regular"
    BREAKUP = "breakup"
    PLEASANTLY_PERSISTENT = "pleasantly_persistent"


class Outcome(StrEnum):
    NO_ANSWER = "no_answer"
    LEFT_VOICEMAIL = "left_voicemail"
    SENT = "sent"
    CONNECTED = "connected"
    REPLIED = "replied"
    MEETING_BOOKED = "meeting_booked"
    BOUNCED = "bounced"
    WRONG_PERSON = "wrong_person"
    LEFT_COMPANY = "left_company"
    NOT_INTERESTED = "not_interested"
    OPTED_OUT = "opted_out"


class Theme(StrEnum):
    """The three I's of docs/field-reports.md §4: pass on information, invite, introduce."""

    INFORMATION = "information"
    INVITATION = "invitation"
    INTRODUCTION = "introduction"
    NONE = "none"


class ContactRole(StrEnum):
    DECISION_MAKER = "decision_maker"
    INFLUENCER = "influencer"
    ASSISTANT = "assistant"
    RECEPTIONIST = "receptionist"
    OTHER = "other"


class OnFinish(StrEnum):
    GIVE_UP = "give_up"
    REASSIGN = "reassign"


class Action(StrEnum):
    FOLLOW_UP = "follow_up"
    ENGAGE = "engage"
    WAIT = "wait"
    STOP = "stop"
    GIVE_UP = "give_up"
    REASSIGN = "reassign"
    PAUSED = "paused"
    NEEDS_CONTACT = "needs_contact"


REAL_CHANNELS = frozenset({Channel.CALL, Channel.VOICEMAIL, Channel.EMAIL, Channel.IN_PERSON})
PHONE_CHANNELS = frozenset({Channel.CALL, Channel.VOICEMAIL})
ENGAGED_OUTCOMES = frozenset({Outcome.CONNECTED, Outcome.REPLIED, Outcome.MEETING_BOOKED})
STOP_OUTCOMES = frozenset({Outcome.NOT_INTERESTED, Outcome.OPTED_OUT})
GONE_OUTCOMES = frozenset({Outcome.WRONG_PERSON, Outcome.LEFT_COMPANY})
UNDELIVERED_OUTCOMES = frozenset({Outcome.NO_ANSWER, Outcome.BOUNCED, Outcome.WRONG_PERSON, Outcome.LEFT_COMPANY})
MESSAGE_KINDS = frozenset({Kind.BREAKUP, Kind.PLEASANTLY_PERSISTENT})

THEME_CYCLE = (Theme.INFORMATION, Theme.INVITATION, Theme.INTRODUCTION)

# Who to try when the person we were chasing turns out to be the wrong one: the buyer first (docs/field-reports.md §0),
# then whoever can walk us to the buyer (docs/field-reports.md §4's receptionist and assistants come last, as a way in).
ROLE_PRIORITY = (
    ContactRole.DECISION_MAKER,
    ContactRole.INFLUENCER,
    ContactRole.OTHER,
    ContactRole.ASSISTANT,
    ContactRole.RECEPTIONIST,
)
