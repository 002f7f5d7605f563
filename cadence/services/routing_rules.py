"""A team's inbound routing rules, as its managers set them in Team setup: add, remove, move (cadence.routing
decides with them)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from cadence.models import RoutingRule
from crm.models import Team, User

MAX_RULES = 50


def routing_rule_add(
    *,
    team: Team,
    name: str,
    rep_ids: list[int],
    countries: list[str],
    regions: list[str],
    timezones: list[str],
    languages: list[str],
    min_value: Decimal | None,
    max_value: Decimal | None,
) -> RoutingRule:
    """A rule at the end of the team's list. Its reps must be active reps of the team; without reps, a rule by
    language goes to the reps who speak it."""
    problems: dict[str, str] = {}
    reps = list(User.objects.filter(pk__in=rep_ids, team=team, role=User.Role.REP, is_active=True))
    if len(reps) != len(set(rep_ids)):
        problems["reps"] = "Choose active reps of this team."
    if not rep_ids and not languages:
        problems["reps"] = "Choose the reps who take these leads (or give a language: its speakers take them)."
    if min_value is not None and max_value is not None and min_value > max_value:
        problems["max_value"] = "The highest value must be at least the lowest."
    if not (countries or regions or timezones or languages or min_value is not None or max_value is not None):
        problems["__all__"] = "Give at least one condition: a country, region, time zone, value or language."
    if RoutingRule.objects.filter(team=team).count() >= MAX_RULES:
        problems["__all__"] = f"At most {MAX_RULES} rules: merge some first."
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        last = RoutingRule.objects.filter(team=team).aggregate(last=Max("position"))["last"]
        rule = RoutingRule(
            team=team,
            position=(last or 0) + 1,
            name=name.strip(),
            countries=sorted({c.strip().upper() for c in countries if c.strip()}),
            regions=sorted({r.strip() for r in regions if r.strip()}),
            timezones=sorted({z.strip() for z in timezones if z.strip()}),
            languages=sorted({code.strip().lower() for code in languages if code.strip()}),
            min_value=min_value,
            max_value=max_value,
        )
        rule.full_clean(exclude=["team"])
        rule.save()
        rule.reps.set(reps)
    return rule


def routing_rule_delete(*, team: Team, rule_id: int) -> None:
    RoutingRule.objects.filter(team=team, pk=rule_id).delete()


def routing_rule_move(*, team: Team, rule_id: int, up: bool) -> None:
    """Swap a rule with the one above (or below) it: rules are tried in order."""
    with transaction.atomic():
        rules = list(RoutingRule.objects.select_for_update().filter(team=team).order_by("position", "pk"))
        index = next((i for i, rule in enumerate(rules) if rule.pk == rule_id), None)
        if index is None:
            return
        other = index - 1 if up else index + 1
        if 0 <= other < len(rules):
            rules[index], rules[other] = rules[other], rules[index]
        for position, rule in enumerate(rules, start=1):
            if rule.position != position:
                RoutingRule.objects.filter(pk=rule.pk).update(position=position)
