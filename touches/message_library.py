"""Ready messages for each attempt, and the check that keeps a rep from repeating themselves.

The library follows docs/field-reports.md: every message carries something of value (§2), rotating through the three
I's — information, invitation, introduction (§4) — and the cadence ends with a breakup message (§2) or, on long-haul
accounts, a pleasantly persistent one that says what the rep will do next (§3).
Each theme has more than one wording, so the fourth call does not sound like the first.

Each team has its own library (touches.models.MessageTemplate), which its managers edit; a new team starts from
GENERIC_LIBRARY (the demo team from its freight wording, demo.words.FREIGHT_LIBRARY). Placeholders are checked
when a template is saved (`placeholders_errors`); at rendering an unknown one is left as written.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from touches.models import Channel, Kind, Theme

# Above this difflib ratio two notes say the same thing in nearly the same words.
SIMILARITY_THRESHOLD = 0.85


@dataclass(frozen=True)
class MessageDraft:
    """A ready message before it is a team's (touches.models.MessageTemplate): the libraries a team starts from."""

    label: str
    kind: str
    theme: str
    channel: str  # Channel.VOICEMAIL for anything said on the phone, Channel.EMAIL for written ones
    body: str
    subject: str = ""

    @property
    def medium(self) -> str:
        return self.channel


# What a message may say in braces, and what each becomes.
PLACEHOLDERS: dict[str, str] = {
    "contact_first_name": "the contact's first name",
    "company": "the prospect's name",
    "rep_name": "the rep's name",
    "action": "the pleasantly persistent action (e.g. stop by)",
    "action_day": "the day it is promised for",
}


GENERIC_LIBRARY: tuple[MessageDraft, ...] = (
    MessageDraft(
        "Information", Kind.REGULAR, Theme.INFORMATION, Channel.VOICEMAIL,
        "Hi {contact_first_name}, {rep_name} here. We just helped a company like {company} save a good few hours "
        "a week on the work you do today. I think we can do the same for you. Call me back when it suits.",
    ),
    MessageDraft(
        "Information", Kind.REGULAR, Theme.INFORMATION, Channel.VOICEMAIL,
        "Hi {contact_first_name}, it's {rep_name}. I have a one-page summary of what teams like {company} changed "
        "this year and what it saved them. Happy to send it or walk you through it in five minutes.",
    ),
    MessageDraft(
        "Information", Kind.REGULAR, Theme.INFORMATION, Channel.EMAIL,
        "Hi {contact_first_name},\n\nA quick one: here is what we are seeing at companies like {company} this "
        "quarter, and the one change that made the biggest difference for them.\n\nBest,\n{rep_name}",
        subject="What we're seeing at companies like {company}",
    ),
    MessageDraft(
        "Invitation", Kind.REGULAR, Theme.INVITATION, Channel.VOICEMAIL,
        "Hi {contact_first_name}, {rep_name} here. We're hosting a short session next week with two customers "
        "who solved what {company} is working on. I'd love to save you a seat.",
    ),
    MessageDraft(
        "Invitation", Kind.REGULAR, Theme.INVITATION, Channel.VOICEMAIL,
        "Hi {contact_first_name}, it's {rep_name}. If you have fifteen minutes this week, I'd like to show you "
        "how a team your size set this up. Call me back and we'll pick a time.",
    ),
    MessageDraft(
        "Invitation", Kind.REGULAR, Theme.INVITATION, Channel.EMAIL,
        "Hi {contact_first_name},\n\nWe're running a 30-minute webinar with customers who faced what {company} "
        "is facing now. Shall I send you an invitation?\n\nBest,\n{rep_name}",
        subject="An invitation for {company}",
    ),
    MessageDraft(
        "Introduction", Kind.REGULAR, Theme.INTRODUCTION, Channel.VOICEMAIL,
        "Hi {contact_first_name}, {rep_name} here. One of our customers had the same problem {company} has, and is "
        "happy to tell you how they solved it. Call me back and I'll introduce you.",
    ),
    MessageDraft(
        "Introduction", Kind.REGULAR, Theme.INTRODUCTION, Channel.VOICEMAIL,
        "Hi {contact_first_name}, it's {rep_name}. I know someone you should meet: they run the same kind of team "
        "as yours at {company}. Want me to put you two in touch?",
    ),
    MessageDraft(
        "Introduction", Kind.REGULAR, Theme.INTRODUCTION, Channel.EMAIL,
        "Hi {contact_first_name},\n\nI know someone who faced what {company} is facing now and would gladly "
        "compare notes. Would a short introduction be useful?\n\nBest,\n{rep_name}",
        subject="An introduction you might like",
    ),
    MessageDraft(
        "Breakup", Kind.BREAKUP, Theme.NONE, Channel.VOICEMAIL,
        "Hi {contact_first_name}, {rep_name} here. I know you're busy, and I don't want to waste your time. If "
        "this isn't a fit for {company} right now, just tell me and I'll stop calling. If it is, call me back and "
        "we'll take it from there.",
    ),
    MessageDraft(
        "Breakup", Kind.BREAKUP, Theme.NONE, Channel.EMAIL,
        "Hi {contact_first_name},\n\nI've reached out a few times and haven't heard back, which usually means the "
        "timing is wrong. If it's a no for {company}, a one-word reply is fine and I'll close the file. If it's a "
        "not-yet, tell me when to check back.\n\nThanks,\n{rep_name}",
        subject="Should I close your file?",
    ),
    MessageDraft(
        "Pleasantly persistent", Kind.PLEASANTLY_PERSISTENT, Theme.NONE, Channel.VOICEMAIL,
        "Hi {contact_first_name}, {rep_name} here. I'm starting to feel like I'm pestering you, and that's the last "
        "thing I want. I'll {action} on {action_day} unless I hear from you before then. And if things have "
        "changed at {company}, that's okay too; just let me know.",
    ),
    MessageDraft(
        "Pleasantly persistent", Kind.PLEASANTLY_PERSISTENT, Theme.NONE, Channel.EMAIL,
        "Hi {contact_first_name},\n\nI don't want to pester you. I'll {action} on {action_day} unless I hear "
        "otherwise, and if plans at {company} have changed, that's fine; a quick note saves us both time.\n\n"
        "Best,\n{rep_name}",
        subject="Next {action_day}",
    ),
)  # fmt: skip

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def placeholders_errors(text: str) -> list[str]:
    """What is wrong with the braces of a message: a broken brace, or a name that is not a placeholder."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        return [f"A brace is not closed or opened ({exc}); write placeholders as {{company}}."]
    valid = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    unknown = sorted({name for name in fields if name not in PLACEHOLDERS})
    if "" in unknown:
        return [f"Empty braces {{}} are not a placeholder. Use one of {valid}."]
    if unknown:
        names = ", ".join(f"{{{name}}}" for name in unknown)
        return [f"{names} {'is not a placeholder' if len(unknown) == 1 else 'are not placeholders'}. Use {valid}."]
    return []


def _written(channel: str) -> bool:
    return channel == Channel.EMAIL


class Template(Protocol):
    kind: str
    theme: str
    body: str
    subject: str

    @property
    def medium(self) -> str: ...


def message_template_pick(
    templates: Sequence[Template], *, channel: str, kind: str, theme: str, attempt: int = 1
) -> Template | None:
    """The template for an attempt, among a team's: the right kind and theme, written or spoken as the channel is,
    rotating through the wordings by attempt number. A regular attempt without a theme has no ready message."""
    matches = [
        t
        for t in templates
        if t.kind == kind and (kind != Kind.REGULAR or t.theme == theme) and _written(t.medium) == _written(channel)
    ]
    if not matches:
        return None
    return matches[(max(attempt, 1) - 1) % len(matches)]


def message_render(text: str, **values: str) -> str:
    """Fill the placeholders that have a value; leave the others as written so the rep sees what is missing."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1)) or m.group(0), text)


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def note_similar_earlier(*, note: str, earlier: Iterable[str]) -> str | None:
    """The earlier note this one nearly repeats (difflib ratio above the threshold), or None.

    Whitespace and case are ignored: a re-typed message with a different line break is still the same message.
    """
    mine = _normalised(note)
    if len(mine) < 20:  # "no answer", "left vm": short notes are alike by nature
        return None
    for text in earlier:
        theirs = _normalised(text)
        matcher = difflib.SequenceMatcher(None, mine, theirs, autojunk=False)
        if (
            matcher.real_quick_ratio() > SIMILARITY_THRESHOLD
            and matcher.quick_ratio() > SIMILARITY_THRESHOLD
            and matcher.ratio() > SIMILARITY_THRESHOLD
        ):
            return text
    return None
