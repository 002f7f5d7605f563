"""Who takes a new inbound lead, and why: the team's routing, as a pure function of frozen values (no ORM, no
clock), so the preview in Team setup, the intake and the SLA's re-route all decide the same way.

The order, as the tools teams know do it (an account's owner first, then territory and segment rules, then a
rotation):
1. The rep who already works the lead's company or its email domain (free-mail domains never count), when the team
   routes to account owners and that rep can take leads.
2. The team's rules, in order: the first whose conditions all match and that has a rep who can take the lead.
3. Round robin over every rep who can take leads.

Within 1 to 3, a rep "can take" a lead when active, joined, available, not away, of weight above 0, under the
team's capacity of open leads and not already tried for this lead. Round robin is weighted: the next lead goes to
the rep with the fewest recent inbound leads for their weight (ties: the one given a lead longest ago, then by id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)
MAX_DAYS_AHEAD = 400


@dataclass(frozen=True)
class Lead:
    country: str = ""
    region: str = ""
    timezone: str = ""
    value: Decimal = Decimal("0")
    language: str = ""


@dataclass(frozen=True)
class Rep:
    id: int
    name: str
    # Why the rep cannot take leads now ("away until 12 Dec"), blank when they can.
    unable: str = ""
    weight: int = 1
    open_leads: int = 0
    # Inbound leads given to them lately: what the weighted round robin evens out.
    recent_inbound: int = 0
    last_assigned_at: dt.datetime | None = None
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    rep_ids: tuple[int, ...]
    countries: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()  # lower case
    timezones: frozenset[str] = frozenset()
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    languages: frozenset[str] = frozenset()

    def matches(self, lead: Lead) -> bool:
        return (
            (not self.countries or lead.country.upper() in self.countries)
            and (not self.regions or lead.region.strip().lower() in self.regions)
            and (not self.timezones or lead.timezone in self.timezones)
            and (self.min_value is None or lead.value >= self.min_value)
            and (self.max_value is None or lead.value <= self.max_value)
            and (not self.languages or lead.language.lower() in self.languages)
        )

    def conditions(self) -> str:
        """The rule's conditions in words, for the preview and the lead's history."""
        parts = []
        if self.countries:
            parts.append("country " + " or ".join(sorted(self.countries)))
        if self.regions:
            parts.append("region " + " or ".join(sorted(self.regions)))
        if self.timezones:
            parts.append("time zone " + " or ".join(sorted(self.timezones)))
        if self.min_value is not None and self.max_value is not None:
            parts.append(f"worth {self.min_value:,.0f} to {self.max_value:,.0f}")
        elif self.min_value is not None:
            parts.append(f"worth at least {self.min_value:,.0f}")
        elif self.max_value is not None:
            parts.append(f"worth at most {self.max_value:,.0f}")
        if self.languages:
            parts.append("language " + " or ".join(sorted(self.languages)))
        return ", ".join(parts) or "every lead"


@dataclass(frozen=True)
class Team:
    rules: tuple[Rule, ...] = ()
    reps: tuple[Rep, ...] = ()
    capacity: int | None = None
    route_to_account_owner: bool = True


@dataclass(frozen=True)
class Placement:
    rep_id: int
    rule_id: int | None
    # In a rep's words, kept on the lead: "Rule 2, DACH (country DE or AT): round robin among 3".
    why: str
    # What was passed over on the way, for the preview ("Ana is away until 12 Dec").
    skipped: tuple[str, ...] = field(default=())


def route(
    *, lead: Lead, team: Team, account_owner_id: int | None = None, exclude: frozenset[int] = frozenset()
) -> Placement | None:
    """The rep who takes `lead`, or None when no rep of the team can take it."""
    reps = {rep.id: rep for rep in team.reps}
    skipped: list[str] = []

    def able(rep: Rep) -> bool:
        return _why_not(rep, team=team, exclude=exclude) == ""

    if team.route_to_account_owner and account_owner_id is not None:
        owner = reps.get(account_owner_id)
        if owner is not None:
            if able(owner):
                return Placement(owner.id, None, f"Account owner: {owner.name} already works this company")
            skipped.append(f"{owner.name} works this company but {_why_not(owner, team=team, exclude=exclude)}")
    for position, rule in enumerate(team.rules, start=1):
        if not rule.matches(lead):
            continue
        if rule.rep_ids:
            members = [reps[rep_id] for rep_id in rule.rep_ids if rep_id in reps]
        else:  # a rule with no reps named: those who speak the lead's language (or everyone)
            members = [rep for rep in team.reps if not lead.language or lead.language.lower() in rep.languages]
        candidates = [rep for rep in members if able(rep)]
        if candidates:
            chosen = _next_in_rotation(candidates)
            among = f": round robin among {len(candidates)}" if len(candidates) > 1 else ""
            return Placement(
                chosen.id,
                rule.id,
                f"Rule {position}, {rule.name} ({rule.conditions()}){among}",
                tuple(skipped),
            )
        skipped.append(f"Rule {position}, {rule.name}, matched but none of its reps can take leads now")
    candidates = [rep for rep in team.reps if able(rep)]
    if not candidates:
        return None
    chosen = _next_in_rotation(candidates)
    return Placement(chosen.id, None, f"Round robin among {len(candidates)} reps taking leads", tuple(skipped))


def _why_not(rep: Rep, *, team: Team, exclude: frozenset[int]) -> str:
    if rep.id in exclude:
        return "already had it"
    if rep.unable:
        return rep.unable
    if rep.weight <= 0:
        return "takes no inbound leads (weight 0)"
    if team.capacity is not None and rep.open_leads >= team.capacity:
        return f"holds {rep.open_leads} open leads (capacity {team.capacity})"
    return ""


def _next_in_rotation(reps: Sequence[Rep]) -> Rep:
    return min(
        reps,
        key=lambda rep: (
            Decimal(rep.recent_inbound) / rep.weight,
            rep.last_assigned_at or NEVER,
            rep.id,
        ),
    )


def working_deadline(
    *, start: dt.datetime, minutes: int, tz: ZoneInfo, day_start: dt.time, day_end: dt.time, weekdays: frozenset[int]
) -> dt.datetime:
    """The moment `minutes` of working time have passed since `start`: only the hours from `day_start` to
    `day_end` of working days on the rep's clock count, so a lead arriving at 17:55 on a Friday with a 15-minute
    limit is due at 08:10 on Monday. Hours on the wall clock: a DST change does not stretch a working day."""
    remaining = dt.timedelta(minutes=minutes)
    cursor = start.astimezone(dt.UTC)
    day = start.astimezone(tz).date()
    if not weekdays or day_start >= day_end:
        return cursor + remaining
    for _ in range(MAX_DAYS_AHEAD):
        if day.weekday() in weekdays:
            opens = dt.datetime.combine(day, day_start, tzinfo=tz).astimezone(dt.UTC)
            closes = dt.datetime.combine(day, day_end, tzinfo=tz).astimezone(dt.UTC)
            cursor = max(cursor, opens)
            if cursor < closes:
                if cursor + remaining <= closes:
                    return cursor + remaining
                remaining -= closes - cursor
        day += dt.timedelta(days=1)
    return cursor + remaining


def why_not(rep: Rep, *, team: Team) -> str:
    """Why a rep is passed over by routing now, or blank: the setup page says it beside each rep."""
    return _why_not(rep, team=team, exclude=frozenset())
