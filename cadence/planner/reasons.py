"""The words: one line per decision, written the way a rep would say it to a teammate."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from cadence.planner.enums import Channel, ContactRole, Outcome, Theme
from cadence.planner.inputs import ContactInfo

SEPARATOR = " · "
# The reason is stored next to the follow-up (CharField(max_length=300)); long holiday names or a wordy
# pleasantly persistent action must not make a save fail.
MAX_REASON_LENGTH = 300

# Seed 003: "acknowledging that they are busy ... they should contact me if they are indeed not interested."
BREAKUP_LINE = "breakup: you're busy, tell me if it's a no"

ROLE_NAMES = {
    ContactRole.DECISION_MAKER: "decision maker",
    ContactRole.INFLUENCER: "influencer",
    ContactRole.ASSISTANT: "assistant",
    ContactRole.RECEPTIONIST: "receptionist",
    ContactRole.OTHER: "contact",
}

CONVERSATION_NAMES = {
    Outcome.CONNECTED: "Connected",
    Outcome.REPLIED: "Replied",
    Outcome.MEETING_BOOKED: "Meeting booked",
}

STOP_NAMES = {
    Outcome.NOT_INTERESTED: "Not interested",
    Outcome.OPTED_OUT: "Opted out",
}

# How a message went out, for "breakup left Mon" / "breakup sent Mon".
DELIVERY_VERBS = {
    Channel.CALL: "left",
    Channel.VOICEMAIL: "left",
    Channel.EMAIL: "sent",
    Channel.IN_PERSON: "delivered in person",
    Channel.OTHER: "noted",
}


def line(parts: Iterable[str]) -> str:
    """The parts of a reason as one line that fits its column. Too long, it ends after the last part that fits,
    then "…": a part cut in its middle could read wrong ("not tried since Tue…" for "since Tue 31 Dec")."""
    kept = [part for part in parts if part]
    text = SEPARATOR.join(kept)
    if len(text) <= MAX_REASON_LENGTH:
        return text
    while len(kept) > 1 and len(SEPARATOR.join(kept)) + len(SEPARATOR) + 1 > MAX_REASON_LENGTH:
        kept.pop()
    if len(kept) > 1:
        return SEPARATOR.join(kept) + SEPARATOR + "…"
    return kept[0][: MAX_REASON_LENGTH - 1] + "…"


def full_day(day: date) -> str:
    """The date as a rep says it to a prospect: "Tue 21 Oct"."""
    return f"{day:%a} {day.day} {day:%b}"


def day_label(day: date, *, today: date) -> str:
    """A day the reason refers to, always with its date ("Tue 1 Dec"). A reason is written when the lead is planned
    and read days later: "today", or a bare "Tue" read on a Tuesday, would then name the wrong day. `today` is
    kept so callers say what they mean relative to, should a relative word ever be safe again."""
    del today
    return full_day(day)


def who(contact: ContactInfo) -> str:
    """ "Dana Reyes (decision maker)", or "the decision maker" when the contact has no name on file."""
    role = ROLE_NAMES[contact.role]
    return f"{contact.name} ({role})" if contact.name else f"the {role}"


def gap_phrase(gap: int, last_day: date, *, today: date) -> str:
    since = day_label(last_day, today=today)
    if gap == 1:
        return f"the day after {since}"
    if gap == 2:
        return "every other day"
    if gap % 7 == 0:
        weeks = gap // 7
        return f"{'a week' if weeks == 1 else f'{weeks} weeks'} after {since}"
    return f"{plural(gap, 'day')} after {since}"


# What a theme asks the rep to do, in the words of the three I's (docs/field-reports.md §4): something of value every
# time.
THEME_ACTIONS = {
    Theme.INFORMATION: "share something useful",
    Theme.INVITATION: "invite them to something",
    Theme.INTRODUCTION: "offer an introduction",
}
THEME_NOUNS = {
    Theme.INFORMATION: "information",
    Theme.INVITATION: "an invitation",
    Theme.INTRODUCTION: "an introduction",
}


def theme_phrase(theme: Theme, last: Theme | None) -> str:
    """ "offer an introduction (last time: an invitation)" """
    if theme not in THEME_ACTIONS:
        return ""
    return THEME_ACTIONS[theme] + (f" (last time: {THEME_NOUNS[last]})" if last in THEME_NOUNS else "")


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
