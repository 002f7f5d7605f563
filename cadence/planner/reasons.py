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
    text = SEPARATOR.join(part for part in parts if part)
    return text if len(text) <= MAX_REASON_LENGTH else text[: MAX_REASON_LENGTH - 1] + "…"


def full_day(day: date) -> str:
    """The date as a rep says it to a prospect: "Tue 21 Oct"."""
    return f"{day:%a} {day.day} {day:%b}"


def day_label(day: date, *, today: date) -> str:
    """Within the last week the weekday is enough ("since Mon"); otherwise the full date."""
    if day == today:
        return "today"
    if 0 < (today - day).days < 7:
        return f"{day:%a}"
    return full_day(day)


def who(contact: ContactInfo) -> str:
    return f"the {ROLE_NAMES[contact.role]} (#{contact.id})"


def gap_phrase(gap: int, last_day: date, *, today: date) -> str:
    since = day_label(last_day, today=today)
    if gap == 1:
        return f"the day after {since}"
    if gap == 2:
        return "every other day"
    if gap % 7 == 0:
        weeks = gap // 7
        return f"{'a week' if weeks == 1 else f'{weeks} weeks'} after {since}"
    return f"{gap} days after {since}"


def theme_phrase(theme: Theme, last: Theme | None) -> str:
    return f"theme: {theme}" + (f" (last: {last})" if last is not None else "")


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
