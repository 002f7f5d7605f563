"""A team's cadences, set up by its managers: created, changed (each change recorded, open leads re-planned),
copied and retired."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cadence.models import Cadence, CadenceChange, Enrollment
from cadence.services.enrolling import enrollments_request_plan
from crm.models import Team, User

# What a manager edits on the cadence page (the model's own rules check the values: Cadence.clean).
EDITABLE = (
    "name",
    "gaps_days",
    "windows",
    "working_weekdays",
    "voicemail_after_no_answer",
    "email_after_voicemail",
    "min_touches",
    "max_touches",
    "pleasantly_persistent",
    "pleasantly_persistent_action",
    "pleasantly_persistent_channel",
    "breakup_wait_days",
    "on_finish",
    "recycle_after_days",
    "is_default",
    "is_high_value",
)
LABELS = {
    "gaps_days": "gaps",
    "windows": "call windows",
    "working_weekdays": "working days",
    "min_touches": "minimum attempts",
    "max_touches": "maximum attempts",
    "on_finish": "what happens at the end",
}


def _label(field: str) -> str:
    return LABELS.get(field, field.replace("_", " "))


def cadence_save(
    *,
    team: Team,
    actor: User,
    values: dict[str, Any],
    now: dt.datetime,
    cadence: Cadence | None = None,
    high_value_threshold: Decimal | None = None,
) -> tuple[Cadence, CadenceChange | None]:
    """Create a cadence, or change one of the team's, and say what the change means.

    1. Validate with the model's rules (gaps, windows within calling hours and not overlapping, at least five
       minimum attempts...). A name used by another of the team's cadences is a field error.
    2. Being the team's default (or its high-value cadence) moves that role from the cadence that had it.
    3. Record who changed what, and how many open leads use the cadence. Those leads are re-planned at once
       (the next sweep, within a minute), so their next attempt follows the new rules.
    """
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    creating = cadence is None
    cadence = cadence or Cadence(team=team)
    before = {field: getattr(cadence, field) for field in EDITABLE}
    for field, value in values.items():
        setattr(cadence, field, value)
    if cadence.on_finish == Cadence.OnFinish.REASSIGN:
        cadence.recycle_after_days = None
    cadence.full_clean(exclude=["team"], validate_unique=False, validate_constraints=False)
    changed = [field for field in EDITABLE if before[field] != getattr(cadence, field)]
    with transaction.atomic():
        if cadence.is_default:
            Cadence.objects.filter(team=team, is_default=True).exclude(pk=cadence.pk).update(is_default=False)
        if cadence.is_high_value:
            Cadence.objects.filter(team=team, is_high_value=True).exclude(pk=cadence.pk).update(is_high_value=False)
        try:
            with transaction.atomic():
                cadence.save()
        except IntegrityError as exc:
            raise ValidationError({"name": "Another of the team's cadences has this name."}) from exc
        if high_value_threshold is not None or (cadence.is_high_value and team.high_value_threshold is None):
            Team.objects.filter(pk=team.pk).update(high_value_threshold=high_value_threshold)
        change = None
        if creating or changed:
            open_ids = list(
                Enrollment.objects.filter(cadence=cadence, status__in=Enrollment.OPEN_STATUSES).values_list(
                    "pk", flat=True
                )
            )
            summary = "Created" if creating else "Changed " + ", ".join(_label(field) for field in changed)
            change = CadenceChange.objects.create(
                cadence=cadence, actor=actor, changed_at=now, summary=summary[:500], open_leads=len(open_ids)
            )
            enrollments_request_plan(enrollment_ids=open_ids, now=now)
    return cadence, change


def cadence_copy(*, cadence: Cadence, actor: User, now: dt.datetime) -> Cadence:
    """A copy to change without touching the leads in the original: not the default, not high-value."""
    values = {field: getattr(cadence, field) for field in EDITABLE}
    values.update(name=_free_name(cadence), is_default=False, is_high_value=False)
    copy, _ = cadence_save(team=cadence.team, actor=actor, values=values, now=now)
    return copy


def _free_name(cadence: Cadence) -> str:
    taken = set(Cadence.objects.filter(team_id=cadence.team_id).values_list("name", flat=True))
    for n in range(1, 100):
        name = f"{cadence.name} (copy{'' if n == 1 else f' {n}'})"[:100]
        if name not in taken:
            return name
    raise ValidationError("Rename some of the copies first.")


def cadence_retire(*, cadence: Cadence, actor: User, now: dt.datetime) -> None:
    """No new leads go into a retired cadence; those in it finish it. The default cadence cannot be retired:
    new leads need one."""
    if cadence.is_default:
        raise ValidationError("This is the team's default cadence: make another the default before retiring it.")
    with transaction.atomic():
        Cadence.objects.filter(pk=cadence.pk).update(is_retired=True, is_high_value=False)
        CadenceChange.objects.create(cadence=cadence, actor=actor, changed_at=now, summary="Retired")
    cadence.is_retired = True
