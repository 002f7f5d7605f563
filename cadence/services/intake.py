"""How leads arrive and change in ways the cadence must hear about: a prospect added (by hand, the API or a CSV),
a contact added to a lead that was waiting for one, a lead closed. Each is the CRM's write, then the cadence's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from cadence.models import Cadence
from cadence.selectors import enrollment_open_for_prospect
from cadence.services.enrolling import enrollment_create, enrollment_request_plan
from crm.imports import ImportPlan, import_preview_build
from crm.models import Contact, Prospect, Team, User
from crm.services import contact_create, prospect_close, prospect_create, prospects_import_write


def leads_enroll_new(*, prospects: Sequence[Prospect], team: Team, now: dt.datetime, actor: User) -> None:
    """Enroll new prospects in the team's cadence for their value. A team with no default cadence yet still
    gets its prospects, unenrolled: refusing new leads until a manager sets one up would lose them."""
    if not Cadence.objects.filter(team=team, is_default=True).exists():
        return
    for prospect in prospects:
        enrollment_create(prospect=prospect, now=now, actor=actor)


def lead_create(*, user: User, now: dt.datetime, **fields: Any) -> Prospect:
    """Add a prospect (the arguments of `crm.services.prospect_create`) and enroll it, as the CSV import does, so
    its first call is planned."""
    with transaction.atomic():
        prospect = prospect_create(user=user, now=now, **fields)
        leads_enroll_new(prospects=[prospect], team=prospect.owner.team, now=now, actor=user)
    return prospect


def lead_contact_add(*, prospect: Prospect, **fields: Any) -> Contact:
    """Add a contact; a lead whose cadence was waiting for someone to call is planned again."""
    with transaction.atomic():
        contact = contact_create(prospect=prospect, **fields)
        enrollment = enrollment_open_for_prospect(prospect_id=prospect.pk)
        if enrollment is not None and enrollment.needs_contact:
            enrollment_request_plan(enrollment_id=enrollment.pk, now=contact.created_at)
    return contact


def lead_close(*, prospect: Prospect, status: str, now: dt.datetime) -> None:
    """Mark a lead won or lost; its cadence stops at the re-plan."""
    with transaction.atomic():
        prospect_close(prospect=prospect, status=status, now=now)
        enrollment = enrollment_open_for_prospect(prospect_id=prospect.pk)
        if enrollment is not None:
            enrollment_request_plan(enrollment_id=enrollment.pk, now=now)


def leads_import_confirm(*, user: User, text: str, now: dt.datetime, expected_digest: str) -> ImportPlan:
    """Write what the preview promised: the valid, non-duplicate rows, as prospects with their contacts.

    1. Re-read and re-check the file: the data may have changed since the preview (another import, a new lead).
    2. Refuse if the result differs from what the rep confirmed, so nothing is written that they did not see.
    3. Create the prospects, then their contacts, in one transaction.
    4. Enroll each new prospect in the team's cadence for its value, so its first call is planned.
    """
    preview = import_preview_build(user=user, text=text)
    if preview.digest != expected_digest:
        raise ValidationError("The data changed since the preview. Check the new preview and confirm again.")
    if not preview.to_create:
        raise ValidationError("Nothing to import: every row has an error or is a duplicate.")
    with transaction.atomic():
        prospects = prospects_import_write(user=user, preview=preview, now=now)
        leads_enroll_new(prospects=prospects, team=user.team, now=now, actor=user)
    preview.created = len(prospects)
    return preview
