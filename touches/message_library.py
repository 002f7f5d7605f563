"""Ready messages for each attempt, and the check that keeps a rep from repeating themselves.

The library follows the field reports: every message carries something of value (seed 002), rotating through the
three I's — information, invitation, introduction (seed 004) — and the cadence ends with a breakup message
(seed 002) or, on long-haul accounts, a pleasantly persistent one that says what the rep will do next (seed 003).
Each theme has more than one wording, so the fourth call does not sound like the first.

Placeholders: {contact_first_name}, {company}, {rep_name}, and for the pleasantly persistent message {action}
and {action_day}. An unknown or missing placeholder is left as written rather than failing.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from touches.models import Channel, Kind, Theme

# Above this difflib ratio two notes say the same thing in nearly the same words.
SIMILARITY_THRESHOLD = 0.85


@dataclass(frozen=True)
class MessageTemplate:
    key: str
    label: str
    kind: str
    theme: str
    channel: str  # Channel.VOICEMAIL for anything said on the phone, Channel.EMAIL for written ones
    body: str
    subject: str = ""


LIBRARY: tuple[MessageTemplate, ...] = (
    MessageTemplate(
        "information-vm-1",
        "Information",
        Kind.REGULAR,
        Theme.INFORMATION,
        Channel.VOICEMAIL,
        "Hi {contact_first_name}, {rep_name} here. We just helped a shipper like {company} cut two days off "
        "their lead times on the same lanes. I think we can do the same for you. Call me back when it suits.",
    ),
    MessageTemplate(
        "information-vm-2",
        "Information",
        Kind.REGULAR,
        Theme.INFORMATION,
        Channel.VOICEMAIL,
        "Hi {contact_first_name}, it's {rep_name}. Capacity on your lanes is tightening next month and rates "
        "will follow. I have a short note on what that means for {company}; happy to walk you through it.",
    ),
    MessageTemplate(
        "information-email-1",
        "Information",
        Kind.REGULAR,
        Theme.INFORMATION,
        Channel.EMAIL,
        "Hi {contact_first_name},\n\nA quick one: carriers on your main lanes are filling up early this "
        "season. Here is what we are seeing and how shippers like {company} are getting ahead of it.\n\n"
        "Best,\n{rep_name}",
        subject="What we're seeing on your lanes",
    ),
    MessageTemplate(
        "invitation-vm-1",
        "Invitation",
        Kind.REGULAR,
        Theme.INVITATION,
        Channel.VOICEMAIL,
        "Hi {contact_first_name}, {rep_name} here. We're hosting a short breakfast for logistics leads next "
        "week, with a speaker on carrier capacity. I'd love to save a seat for someone from {company}.",
    ),
    MessageTemplate(
        "invitation-vm-2",
        "Invitation",
        Kind.REGULAR,
        Theme.INVITATION,
        Channel.VOICEMAIL,
        "Hi {contact_first_name}, it's {rep_name}. I'll be at the trade show on Thursday; if you or your team "
        "are going, let's grab ten minutes. Call me back and I'll set it up.",
    ),
    MessageTemplate(
        "invitation-email-1",
        "Invitation",
        Kind.REGULAR,
        Theme.INVITATION,
        Channel.EMAIL,
        "Hi {contact_first_name},\n\nWe're running a 30-minute webinar on planning peak season capacity. "
        "I thought of {company} straight away. Shall I send you an invitation?\n\nBest,\n{rep_name}",
        subject="An invitation for {company}",
    ),
    MessageTemplate(
        "introduction-vm-1",
        "Introduction",
        Kind.REGULAR,
        Theme.INTRODUCTION,
        Channel.VOICEMAIL,
        "Hi {contact_first_name}, {rep_name} here. I work with a receiver who is looking for suppliers like "
        "{company}. I'd be glad to introduce you; call me back and I'll make the connection.",
    ),
    MessageTemplate(
        "introduction-vm-2",
        "Introduction",
        Kind.REGULAR,
        Theme.INTRODUCTION,
        Channel.VOICEMAIL,
        "Hi {contact_first_name}, it's {rep_name}. One of our customers solved the same dock scheduling problem "
        "{company} has, and is happy to tell you how. Want me to put you two in touch?",
    ),
    MessageTemplate(
        "introduction-email-1",
        "Introduction",
        Kind.REGULAR,
        Theme.INTRODUCTION,
        Channel.EMAIL,
        "Hi {contact_first_name},\n\nI know someone you should meet: a logistics lead who faced what "
        "{company} is facing now. Would a short introduction be useful?\n\nBest,\n{rep_name}",
        subject="An introduction you might like",
    ),
    MessageTemplate(
        "breakup-vm",
        "Breakup",
        Kind.BREAKUP,
        Theme.NONE,
        Channel.VOICEMAIL,
        "Hi {contact_first_name}, {rep_name} here. I know you're busy, and I don't want to waste your time. "
        "If this isn't a fit for {company} right now, just tell me and I'll stop calling. If it is, call me back "
        "and we'll take it from there.",
    ),
    MessageTemplate(
        "breakup-email",
        "Breakup",
        Kind.BREAKUP,
        Theme.NONE,
        Channel.EMAIL,
        "Hi {contact_first_name},\n\nI've reached out a few times and haven't heard back, which usually means "
        "the timing is wrong. If it's a no for {company}, a one-word reply is fine and I'll close the file. "
        "If it's a not-yet, tell me when to check back.\n\nThanks,\n{rep_name}",
        subject="Should I close your file?",
    ),
    MessageTemplate(
        "pleasantly-persistent-vm",
        "Pleasantly persistent",
        Kind.PLEASANTLY_PERSISTENT,
        Theme.NONE,
        Channel.VOICEMAIL,
        "Hi {contact_first_name}, {rep_name} here. I'm starting to feel like I'm pestering you, and that's the "
        "last thing I want. I'll {action} on {action_day} unless I hear from you before then. And if things have "
        "changed at {company}, that's okay too; just let me know.",
    ),
    MessageTemplate(
        "pleasantly-persistent-email",
        "Pleasantly persistent",
        Kind.PLEASANTLY_PERSISTENT,
        Theme.NONE,
        Channel.EMAIL,
        "Hi {contact_first_name},\n\nI don't want to pester you. I'll {action} on {action_day} unless I hear "
        "otherwise, and if plans at {company} have changed, that's fine; a quick note saves us both time.\n\n"
        "Best,\n{rep_name}",
        subject="Next {action_day}",
    ),
)

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _written(channel: str) -> bool:
    return channel == Channel.EMAIL


def message_template_pick(*, channel: str, kind: str, theme: str, attempt: int = 1) -> MessageTemplate | None:
    """The template for an attempt: the right kind and theme, written or spoken as the channel is, rotating
    through the wordings by attempt number. A regular attempt without a theme has no ready message."""
    matches = [
        t
        for t in LIBRARY
        if t.kind == kind and (kind != Kind.REGULAR or t.theme == theme) and _written(t.channel) == _written(channel)
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
