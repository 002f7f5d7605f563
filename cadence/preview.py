"""What a cadence would do to a lead nobody answers: the real planner (`plan_preview`) on rules not yet saved.

The cadence page shows it beside the form, for a sample prospect or a real one of the team, so a manager sees the
effect of a change before any lead does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from cadence.models import Cadence
from cadence.planner import Action, ContactInfo, ContactRole, Decision, Situation, plan_preview
from cadence.situation import contact_infos_for, days_off_for, rules_from_cadence
from crm.models import Prospect
from crm.zones import zone

SAMPLE_CONTACT = ContactInfo(id=1, role=ContactRole.DECISION_MAKER, timezone="", has_phone=True, has_email=True)


@dataclass(frozen=True)
class PreviewRow:
    decision: Decision
    their_time: dt.datetime | None  # on the prospect's (contact's) clock
    your_time: dt.datetime | None  # on the manager's clock

    @property
    def is_attempt(self) -> bool:
        return self.decision.action is Action.FOLLOW_UP

    @property
    def their_label(self) -> str:
        """ "Wed 2 Dec 09:00" on the contact's clock (formatted here: a template's |date would move it to the
        viewer's zone)."""
        t = self.their_time
        return f"{t:%a} {t.day} {t:%b %H:%M}" if t else ""

    @property
    def your_label(self) -> str:
        t = self.your_time
        return f"{t:%a %H:%M}" if t else ""

    @property
    def channel_label(self) -> str:
        return str(self.decision.channel or "").replace("_", " ").capitalize()

    @property
    def kind_label(self) -> str:
        kind = self.decision.kind
        return "" if kind is None or kind == "regular" else str(kind).replace("_", " ").capitalize()

    @property
    def theme_label(self) -> str:
        theme = self.decision.theme
        return "" if theme is None or theme == "none" else str(theme).capitalize()


def cadence_preview(
    *,
    values: dict[str, Any],
    themes: Sequence[Any] | None,
    now: dt.datetime,
    start: dt.date,
    viewer_tz: ZoneInfo,
    prospect: Prospect | None = None,
    country: str = "",
    timezone: str = "",
) -> list[PreviewRow]:
    """The planner's decisions from `start` until the cadence ends (or 60 decisions), assuming nobody answers."""
    cadence = Cadence(**values)
    rules = rules_from_cadence(cadence, themes=tuple(themes) if themes else None)
    if prospect is not None:
        country, timezone = prospect.country, prospect.timezone
        contacts = tuple(contact_infos_for(prospect=prospect)) or (SAMPLE_CONTACT,)
    else:
        contacts = (SAMPLE_CONTACT,)
    tz = zone(timezone, fallback="UTC")
    begin = max(now, dt.datetime.combine(start, dt.time(0), tzinfo=tz))
    situation = Situation(
        rules=rules,
        history=(),
        contacts=contacts,
        now=begin,
        days_off=days_off_for(country),
        default_timezone=tz.key,
    )
    zones = {c.id: zone(c.timezone, fallback=tz.key) for c in contacts}
    rows = []
    for decision in plan_preview(situation, count=rules.max_touches * 3 + 10):
        at = decision.due_start or decision.until
        their = at.astimezone(zones.get(decision.contact_id or 0, tz)) if at else None
        rows.append(PreviewRow(decision, their, at.astimezone(viewer_tz) if at else None))
    return rows
