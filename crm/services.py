"""Writes for the CRM pages: markers, contacts, closing a prospect, the CSV import and the calendar token."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction

from cadence.models import Cadence
from cadence.selectors import enrollment_open_for_prospect
from cadence.services import enrollment_create, enrollment_request_plan, enrollment_set_next_step
from crm.imports import ImportPreview, import_preview_build
from crm.models import Contact, Marker, Prospect, User
from touches.models import Touch
from touches.services import touch_log

MARKER_FIELDS = ("is_right_buyer", "buys_what_we_sell", "still_there")


def prospect_update_markers(
    *, prospect: Prospect, is_right_buyer: str, buys_what_we_sell: str, still_there: str, now: dt.datetime
) -> None:
    """Record the rep's read on the three questions a silent lead is judged by (seed 000)."""
    values = dict(zip(MARKER_FIELDS, (is_right_buyer, buys_what_we_sell, still_there), strict=True))
    bad = {name: "Choose yes, no or unknown." for name, value in values.items() if value not in Marker.values}
    if bad:
        raise ValidationError(bad)
    Prospect.objects.filter(pk=prospect.pk).update(**values, updated_at=now)
    for name, value in values.items():
        setattr(prospect, name, value)


def contact_create(
    *,
    prospect: Prospect,
    name: str,
    role: str = Contact.Role.OTHER,
    title: str = "",
    phone: str = "",
    email: str = "",
    timezone: str = "",
) -> Contact:
    """Add a person at the prospect. A new contact may be just who the cadence was missing, so re-plan."""
    contact = Contact(
        prospect=prospect,
        name=name.strip(),
        role=role,
        title=title.strip(),
        phone=phone.strip(),
        email=email.strip().lower(),
        timezone=timezone.strip(),
    )
    if not (contact.phone or contact.email):
        raise ValidationError({"phone": "Give a phone number or an email address, or there is no way to reach them."})
    contact.full_clean(exclude=["prospect"])
    with transaction.atomic():
        contact.save()
        enrollment = enrollment_open_for_prospect(prospect_id=prospect.pk)
        if enrollment is not None and enrollment.needs_contact:
            enrollment_request_plan(enrollment_id=enrollment.pk, now=contact.created_at)
    return contact


def touch_log_with_next_step(
    *,
    rep: User,
    prospect: Prospect,
    contact: Contact | None,
    channel: str,
    outcome: str,
    kind: str,
    theme: str,
    note: str,
    duration_seconds: int | None,
    occurred_at: dt.datetime,
    now: dt.datetime,
    next_step_what: str = "",
    next_step_due_at: dt.datetime | None = None,
) -> Touch:
    """Log a touch and, after a conversation, the next step agreed in it: both or neither are saved."""
    with transaction.atomic():
        touch = touch_log(
            rep=rep,
            prospect=prospect,
            contact=contact,
            channel=channel,
            outcome=outcome,
            kind=kind,
            theme=theme,
            note=note,
            duration_seconds=duration_seconds,
            occurred_at=occurred_at,
            now=now,
        )
        if next_step_what and next_step_due_at is not None:
            enrollment = enrollment_open_for_prospect(prospect_id=prospect.pk)
            if enrollment is None:
                raise ValidationError(
                    {"next_step_what": "This prospect is not in a cadence: enroll it to plan a next step."}
                )
            enrollment_set_next_step(enrollment=enrollment, what=next_step_what, due_at=next_step_due_at, now=now)
    return touch


CLOSING = {Prospect.Status.WON, Prospect.Status.LOST}


def prospect_close(*, prospect: Prospect, status: str, now: dt.datetime) -> None:
    """Mark a prospect won or lost. Its cadence stops at the re-plan: the planner never chases a closed lead."""
    if status not in CLOSING:
        raise ValidationError({"status": "A prospect is closed as won or lost."})
    if prospect.is_closed:
        raise ValidationError(f"{prospect} is already {prospect.get_status_display().lower()}.")
    with transaction.atomic():
        Prospect.objects.filter(pk=prospect.pk).update(status=status, updated_at=now)
        prospect.status = status
        enrollment = enrollment_open_for_prospect(prospect_id=prospect.pk)
        if enrollment is not None:
            enrollment_request_plan(enrollment_id=enrollment.pk, now=now)


def prospect_import_confirm(*, user: User, text: str, now: dt.datetime, expected_digest: str) -> ImportPreview:
    """Write what the preview promised: the valid, non-duplicate rows, as prospects with their contacts.

    1. Re-read and re-check the file: the data may have changed since the preview (another import, a new lead).
    2. Refuse if the result differs from what the rep confirmed, so nothing is written that they did not see.
    3. Create the prospects, then their contacts, in one transaction.
    4. Enroll each new prospect in the team's cadence for its value, so its first call is planned at once.
    """
    preview = import_preview_build(user=user, text=text)
    if preview.digest != expected_digest:
        raise ValidationError("The data changed since the preview. Check the new preview and confirm again.")
    if not preview.to_create:
        raise ValidationError("Nothing to import: every row has an error or is a duplicate.")
    with transaction.atomic():
        prospects = []
        for group in preview.to_create:
            prospect = Prospect(
                name=group.company,
                team=user.team,
                owner=user,
                country=group.country,
                timezone=group.timezone or user.timezone,
                estimated_value=group.value,
                source=Prospect.Source.IMPORT,
            )
            prospect.full_clean(exclude=["team", "owner"])
            prospects.append(prospect)
        Prospect.objects.bulk_create(prospects)
        contacts = [
            Contact(
                prospect=prospect,
                name=row.contact_name,
                role=row.role,
                title=row.title,
                phone=row.phone,
                email=row.email,
            )
            for prospect, group in zip(prospects, preview.to_create, strict=True)
            for row in group.rows
            if row.contact_name
        ]
        Contact.objects.bulk_create(contacts)
        Prospect.objects.filter(pk__in=[p.pk for p in prospects]).update(updated_at=now)
        if Cadence.objects.filter(team=user.team, is_default=True).exists():
            for prospect in prospects:
                enrollment_create(prospect=prospect, now=now, actor=user)
    preview.created = len(prospects)
    return preview


def calendar_token_rotate(*, user: User) -> str:
    """Give the rep a new private feed URL; the old one stops working at once."""
    token = secrets.token_urlsafe(32)
    User.objects.filter(pk=user.pk).update(calendar_token=token)
    user.calendar_token = token
    return token


def calendar_token_revoke(*, user: User) -> None:
    User.objects.filter(pk=user.pk).update(calendar_token="")
    user.calendar_token = ""
