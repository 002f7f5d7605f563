"""How leads arrive and change in ways the cadence must hear about: a prospect added (by hand, the API or a CSV),
a contact added to a lead that was waiting for one, a lead closed. Each is the CRM's write, then the cadence's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from cadence.models import Cadence, InboundLead
from cadence.selectors import enrollment_open_for_prospect
from cadence.services.enrolling import enrollment_create, enrollment_request_plan, enrollments_create_bulk
from cadence.services.inbound import InboundFields, InboundPerson, inbound_lead_create
from cadence.services.pacing import paced_starts
from cadence.services.planning import enrollments_plan_now
from crm.models import Contact, Prospect, Team, User
from crm.selectors import team_list_managed
from crm.services import (
    contact_create,
    contact_update,
    prospect_clock_refresh,
    prospect_close,
    prospect_create,
    prospect_owner_for_new,
    prospect_place_set,
    prospect_update,
)

# Above this many new leads at once, enroll them in bulk and let the sweep plan them.
BULK_FROM = 50


def leads_enroll_new(
    *,
    prospects: Sequence[Prospect],
    team: Team,
    now: dt.datetime,
    actor: User,
    cadence: Cadence | None = None,
    start: dt.date | None = None,
) -> None:
    """Enroll new prospects, paced: each rep starts the team's daily budget of new leads a working day, so first
    attempts spread over the coming days (cadence.services.pacing). The cadence is the team's for each lead's
    value unless one is given. A team with no default cadence yet still gets its prospects, unenrolled: refusing
    new leads until a manager sets one up would lose them.
    """
    if cadence is None and not Cadence.objects.filter(team=team, is_default=True, is_retired=False).exists():
        return
    starts = paced_starts(prospects=prospects, team=team, now=now, start=start)
    if len(prospects) >= BULK_FROM:
        enrollments_create_bulk(prospects=prospects, team=team, starts=starts, now=now, actor=actor, cadence=cadence)
        return
    for prospect in prospects:
        enrollment_create(prospect=prospect, now=now, actor=actor, cadence=cadence, started_at=starts[prospect.pk])


def lead_create(*, user: User, now: dt.datetime, **fields: Any) -> Prospect:
    """Add a prospect (the arguments of `crm.services.prospect_create`) and enroll it, as the CSV import does, so
    its first call is planned. An inbound one (`source="inbound"`) is routed, never paced and watched by its SLA
    (cadence.services.inbound), unless an owner is named."""
    if fields.get("source") == Prospect.Source.INBOUND:
        return _inbound_create(user=user, now=now, **fields)
    with transaction.atomic():
        prospect = prospect_create(user=user, now=now, **fields)
        leads_enroll_new(prospects=[prospect], team=prospect.team, now=now, actor=user)
    return prospect


def _inbound_create(*, user: User, now: dt.datetime, owner_id: int | None = None, **fields: Any) -> Prospect:
    owner = prospect_owner_for_new(user=user, owner_id=owner_id) if owner_id is not None else None
    team = owner.team if owner is not None else (user.team or team_list_managed(user=user).first())
    if team is None:
        raise ValidationError({"owner": "You are on no team: name the rep who takes this lead."})
    lead = inbound_lead_create(
        team=team,
        via=InboundLead.Via.API,
        fields=InboundFields(
            name=fields.get("name", ""),
            estimated_value=fields.get("estimated_value", Decimal("0")),
            country=fields.get("country", ""),
            region=fields.get("region", ""),
            city=fields.get("city", ""),
            timezone=fields.get("timezone", ""),
            language=fields.get("language", ""),
        ),
        person=InboundPerson(),
        now=now,
        actor=user,
        owner=owner,
    )
    return lead.prospect


def lead_contact_add(*, prospect: Prospect, **fields: Any) -> Contact:
    """Add a contact; a lead whose cadence was waiting for someone to call, or whose clock the contact's number
    moved (crm.clocks), is planned again."""
    with transaction.atomic():
        contact = contact_create(prospect=prospect, **fields)
        moved = prospect_clock_refresh(prospect=prospect)
        enrollment = enrollment_open_for_prospect(prospect_id=prospect.pk)
        if enrollment is not None and (enrollment.needs_contact or moved):
            _replan(prospect_id=prospect.pk, now=contact.created_at)
    return contact


def lead_update(
    *, user: User, prospect_id: int, changes: dict[str, Any], if_match: str | None, now: dt.datetime
) -> Prospect:
    """Edit a prospect (`crm.services.prospect_update`); a lead whose clock moved is planned again at once, so its
    next call keeps to the hours of where it really is."""
    with transaction.atomic():
        before = Prospect.objects.filter(pk=prospect_id).values_list("timezone", flat=True).first()
        prospect = prospect_update(user=user, prospect_id=prospect_id, changes=changes, if_match=if_match)
        if prospect.timezone != before:
            _replan(prospect_id=prospect.pk, now=now)
    return prospect


def lead_contact_update(
    *, user: User, contact_id: int, changes: dict[str, Any], if_match: str | None, now: dt.datetime
) -> Contact:
    """Edit a contact (`crm.services.contact_update`); a new clock for them, or for their prospect (the one most of
    its contacts share), plans the lead again at once."""
    with transaction.atomic():
        before = Contact.objects.filter(pk=contact_id).values_list("timezone", flat=True).first()
        contact = contact_update(user=user, contact_id=contact_id, changes=changes, if_match=if_match)
        moved = prospect_clock_refresh(prospect=contact.prospect)
        if moved or contact.timezone != before:
            _replan(prospect_id=contact.prospect_id, now=now)
    return contact


def lead_place_set(
    *, prospect: Prospect, country: str, region: str, city: str, timezone: str, now: dt.datetime
) -> Prospect:
    """Where a prospect is, set on its page by a rep or manager: a zone chosen there is theirs (a guess confirmed
    or corrected); none derives it from the country, state, city and contacts again. The plan follows at once."""
    with transaction.atomic():
        prospect = prospect_place_set(prospect=prospect, country=country, region=region, city=city, timezone=timezone)
        _replan(prospect_id=prospect.pk, now=now)
    return prospect


def _replan(*, prospect_id: int, now: dt.datetime) -> None:
    """Planned again in this request, so the page (or the API's answer) already shows the next call on the new
    clock; the worker's task then finds the plan current."""
    enrollment = enrollment_open_for_prospect(prospect_id=prospect_id)
    if enrollment is not None:
        enrollment_request_plan(enrollment_id=enrollment.pk, now=now)
        enrollments_plan_now(enrollment_ids=[enrollment.pk], now=now)


def lead_close(*, prospect: Prospect, status: str, now: dt.datetime) -> None:
    """Mark a lead won or lost; its cadence stops at the re-plan."""
    with transaction.atomic():
        prospect_close(prospect=prospect, status=status, now=now)
        enrollment = enrollment_open_for_prospect(prospect_id=prospect.pk)
        if enrollment is not None:
            enrollment_request_plan(enrollment_id=enrollment.pk, now=now)
