"""Teams, reps, managers and cadences (a handful of rows, through the ORM), then prospects and their contacts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bench.generate.base import DAY, HIGH_VALUE_THRESHOLD, HISTORY_DAYS, Load, weighted
from bench.generate.pgcopy import CopyTable, CopyWriter, text, ts
from bench.words import FIRST, LAST, NOUNS, PREFIXES, SUFFIXES, TITLES, ZONES

# fmt: off
PROSPECT_COLUMNS = (
    "id", "name", "team_id", "owner_id", "status", "estimated_value", "country", "timezone", "source",
    "is_right_buyer", "buys_what_we_sell", "still_there", "created_at", "updated_at",
)
CONTACT_COLUMNS = (
    "id", "prospect_id", "name", "role", "title", "phone", "email", "timezone", "do_not_contact", "left_company",
    "wrong_person", "email_bounced", "created_at", "updated_at",
)
# fmt: on


@dataclass
class ProspectFacts:
    """What the histories need to know about a prospect once it is written."""

    id: int
    team: int
    owner: int
    country: str
    tz: str
    high_value: bool
    contacts: list[int]
    decision_maker: int | None
    zones: dict[int, str]  # contacts with a zone of their own


@dataclass
class Cast:
    teams: list[Any]
    reps_by_team: dict[int, list[int]]
    cadences: dict[int, tuple[int, int]]  # team -> (default, long haul)


def small_tables(load: Load) -> Cast:
    """Teams, one manager each, reps spread over them, and two cadences per team: every other day (the
    default) and the long haul for high-value prospects."""
    from django.contrib.auth.hashers import make_password

    from cadence.models import Cadence
    from crm.models import Team, User

    rng = load.rng("users")
    scale = load.scale
    teams = Team.objects.bulk_create(
        Team(name=f"Bench team {n + 1}", high_value_threshold=HIGH_VALUE_THRESHOLD) for n in range(scale.teams)
    )
    password = make_password("bench")
    joined = load.now - dt.timedelta(days=HISTORY_DAYS + 60)

    def person(username: str, role: str, team: Any, tz: str) -> User:
        return User(
            username=username,
            first_name=rng.choice(FIRST),
            last_name=rng.choice(LAST),
            email=f"{username}@bench.example",
            password=password,
            role=role,
            team=team,
            timezone=tz,
            date_joined=joined,
            last_login=load.now - dt.timedelta(days=1),
        )

    reps = []
    for n in range(scale.reps):
        rep = person(f"rep{n + 1}", User.Role.REP, teams[n % len(teams)], ZONES[(n % len(teams)) % 4][1])
        rep.is_available = rng.random() > 0.04
        reps.append(rep)
    managers = [person(f"manager{n + 1}", User.Role.MANAGER, team, ZONES[n % 4][1]) for n, team in enumerate(teams)]
    reps = User.objects.bulk_create(reps)
    managers = User.objects.bulk_create(managers)
    Team.managers.through.objects.bulk_create(
        Team.managers.through(team_id=manager.team_id, user_id=manager.pk) for manager in managers
    )
    cadences: dict[int, tuple[int, int]] = {}
    for team in teams:
        default, long_haul = Cadence.objects.bulk_create(
            [
                Cadence(team=team, name="Every other day", is_default=True),
                Cadence(
                    team=team,
                    name="Long haul",
                    is_high_value=True,
                    gaps_days=[2, 2, 3, 3, 5, 7, 7, 14, 14, 21],
                    max_touches=36,
                    min_touches=8,
                    pleasantly_persistent=True,
                    on_finish=Cadence.OnFinish.REASSIGN,
                ),
            ]
        )
        cadences[team.pk] = (default.pk, long_haul.pk)
    reps_by_team: dict[int, list[int]] = {}
    for rep in reps:
        reps_by_team.setdefault(rep.team_id, []).append(rep.pk)
    load.report.rows.update(
        {"crm_team": len(teams), "crm_user": len(reps) + len(managers), "cadence_cadence": 2 * len(teams)}
    )
    return Cast(teams=list(teams), reps_by_team=reps_by_team, cadences=cadences)


def prospects_and_contacts(load: Load, cast: Cast, writer: CopyWriter) -> list[ProspectFacts]:
    """Prospects round-robin over the teams, owned by one of the team's reps, in a time zone from the list;
    each with a contact (a decision maker four times in five) and the rest of the contacts spread at random."""
    from crm.models import Contact, Prospect

    scale = load.scale
    rng = load.rng("prospects")
    zone_pick = weighted(rng, [((country, tz), weight) for country, tz, weight in ZONES])
    source_pick = weighted(
        rng, [("outbound", 55), ("inbound", 15), ("referral", 10), ("event", 8), ("import", 10), ("other", 2)]
    )
    marker_pick = weighted(rng, [("unknown", 70), ("yes", 22), ("no", 8)])
    prospect_table = CopyTable(Prospect, PROSPECT_COLUMNS, writer)
    contact_table = CopyTable(Contact, CONTACT_COLUMNS, writer)
    prospects: list[ProspectFacts] = []
    extra_contacts = [0] * scale.prospects
    for _ in range(max(0, scale.contacts - scale.prospects)):
        extra_contacts[rng.randrange(scale.prospects)] += 1
    contact_id = 0
    team_ids = [team.pk for team in cast.teams]
    for index in range(scale.prospects):
        pid = index + 1
        team_id = team_ids[index % len(team_ids)]
        owner = rng.choice(cast.reps_by_team[team_id])
        country, tz = zone_pick()
        value = min(Decimal(9_999_999), Decimal(int(rng.lognormvariate(9.6, 1.0))))
        created = load.now_epoch - rng.randrange(30 * DAY, (HISTORY_DAYS + 30) * DAY)
        updated = rng.randrange(created, load.now_epoch)
        name = f"{rng.choice(PREFIXES)} {rng.choice(NOUNS)} {rng.choice(SUFFIXES)} {pid}"
        prospect_table.add(
            f"{pid}\t{text(name)}\t{team_id}\t{owner}\tactive\t{value}\t{country}\t{tz}\t{source_pick()}\t"
            f"{marker_pick()}\t{marker_pick()}\t{marker_pick()}\t{ts(created)}\t{ts(updated)}"
        )
        contact_ids: list[int] = []
        zones: dict[int, str] = {}
        decision_maker = None
        for n in range(1 + extra_contacts[index]):
            contact_id += 1
            if n == 0:
                role = "decision_maker" if rng.random() < 0.8 else rng.choice(("influencer", "other"))
            else:
                role = rng.choice(("assistant", "receptionist", "influencer", "other", "decision_maker"))
            if role == "decision_maker" and decision_maker is None:
                decision_maker = contact_id
            first, last = rng.choice(FIRST), rng.choice(LAST)
            phone = f"+1 {rng.randrange(200, 999)} 555 {rng.randrange(10_000):04d}" if rng.random() < 0.95 else ""
            email = f"{first.lower()}.{contact_id}@p{pid}.example" if rng.random() < 0.9 else ""
            own_tz = tz if rng.random() < 0.85 else zone_pick()[1]
            title = rng.choice(TITLES)
            flags = (rng.random() < 0.01, rng.random() < 0.02, rng.random() < 0.01, bool(email) and rng.random() < 0.02)
            contact_table.add(
                f"{contact_id}\t{pid}\t{text(first + ' ' + last)}\t{role}\t{title}\t{phone}\t"
                f"{text(email)}\t{own_tz if own_tz != tz else ''}\t"
                + "\t".join("t" if flag else "f" for flag in flags)
                + f"\t{ts(created)}\t{ts(updated)}"
            )
            contact_ids.append(contact_id)
            if own_tz != tz:
                zones[contact_id] = own_tz
        prospects.append(
            ProspectFacts(
                id=pid,
                team=team_id,
                owner=owner,
                country=country,
                tz=tz,
                high_value=value > HIGH_VALUE_THRESHOLD,
                contacts=contact_ids,
                decision_maker=decision_maker,
                zones=zones,
            )
        )
    prospect_table.flush()
    contact_table.flush()
    load.report.rows.update({"crm_prospect": prospect_table.count, "crm_contact": contact_table.count})
    return prospects


def expected_rows(load: Load, models: Sequence[Any]) -> dict[Any, int]:
    """Roughly how many rows each big table gets, to decide which ones load without their indexes."""
    from cadence.models import Enrollment, FollowUp
    from crm.models import Contact, Prospect
    from touches.models import Touch

    scale = load.scale
    sizes = {
        Prospect: scale.prospects,
        Contact: scale.contacts,
        Touch: scale.touches,
        Enrollment: scale.enrollments,
        FollowUp: scale.enrollments * 4,
    }
    return {model: sizes[model] for model in models}
