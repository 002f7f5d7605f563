"""Writes for touches. `touch_log` is the one way a touch enters Pursuit: browser, API and import."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction

from cadence.models import Enrollment, FollowUp
from cadence.services import enrollment_request_plan
from crm.models import Contact, Prospect, User
from touches.models import Channel, Kind, Outcome, Source, Theme, Touch

# Clocks on phones drift, but a touch from next week is a typo or a broken client.
FUTURE_TOLERANCE = dt.timedelta(minutes=10)
ENGAGING = {Outcome.CONNECTED, Outcome.REPLIED, Outcome.MEETING_BOOKED}


def touch_log(
    *,
    rep: User,
    prospect: Prospect,
    channel: str,
    outcome: str,
    occurred_at: dt.datetime,
    now: dt.datetime,
    contact: Contact | None = None,
    kind: str = Kind.REGULAR,
    theme: str = Theme.NONE,
    note: str = "",
    duration_seconds: int | None = None,
    source: str = Source.WEB,
    touch_id: uuid.UUID | None = None,
) -> Touch:
    """Record one attempt and what it tells us, then have the cadence plan what comes next.

    1. Validate: the contact belongs to the prospect; the time is aware and not in the future.
    2. Store the touch, and mark the planned follow-up it answers as done.
    3. Apply what the outcome says about the people: wrong person or left company flags the contact,
       a bounce stops emails to that address, not interested / opted out makes them do-not-contact,
       a conversation makes the prospect engaged.
    4. Ask for the enrollment to be re-planned after commit.
    """
    if contact is not None and contact.prospect_id != prospect.pk:
        raise ValidationError({"contact": "That contact does not belong to this prospect."})
    if occurred_at.tzinfo is None:
        raise ValidationError({"occurred_at": "Give the time with its time zone."})
    if occurred_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"occurred_at": "A touch cannot happen in the future."})
    if duration_seconds is not None and duration_seconds < 0:
        raise ValidationError({"duration_seconds": "A duration cannot be negative."})

    with transaction.atomic():
        touch = Touch(
            prospect=prospect, contact=contact, rep=rep, channel=channel, kind=kind, outcome=outcome,
            theme=theme, note=note, duration_seconds=duration_seconds, occurred_at=occurred_at, source=source,
        )
        if touch_id is not None:
            touch.id = touch_id
        touch.full_clean(exclude=["prospect", "contact", "rep"])
        touch.save(force_insert=True)
        _apply_outcome(touch, prospect=prospect, contact=contact, now=now)
        enrollment = Enrollment.objects.filter(prospect=prospect, status__in=Enrollment.OPEN_STATUSES).first()
        if enrollment is not None and (touch.is_attempt or outcome in ENGAGING):
            answered = FollowUp.objects.filter(enrollment=enrollment, status=FollowUp.Status.PLANNED)
            if answered.filter(is_next_step=True).exists():
                # The agreed next step has happened; whatever comes next is planned afresh.
                Enrollment.objects.filter(pk=enrollment.pk).update(next_step="", next_step_due_at=None)
            answered.update(status=FollowUp.Status.DONE, touch=touch, completed_at=now)
            enrollment_request_plan(enrollment_id=enrollment.pk, now=now)
    return touch


def _apply_outcome(touch: Touch, *, prospect: Prospect, contact: Contact | None, now: dt.datetime) -> None:
    outcome = touch.outcome
    if contact is not None:
        flags = {
            Outcome.WRONG_PERSON: {"wrong_person": True},
            Outcome.LEFT_COMPANY: {"left_company": True},
            Outcome.OPTED_OUT: {"do_not_contact": True},
            Outcome.NOT_INTERESTED: {"do_not_contact": True},
        }.get(outcome, {})
        if outcome == Outcome.BOUNCED and touch.channel == Channel.EMAIL:
            flags = {"email_bounced": True}
        if flags:
            Contact.objects.filter(pk=contact.pk).update(**flags, updated_at=now)
    new_status = {
        Outcome.OPTED_OUT: Prospect.Status.DO_NOT_CONTACT,
        Outcome.NOT_INTERESTED: Prospect.Status.LOST,
    }.get(outcome)
    if new_status is None and outcome in ENGAGING and prospect.status == Prospect.Status.ACTIVE:
        new_status = Prospect.Status.ENGAGED
    if new_status is not None and not prospect.is_closed:
        Prospect.objects.filter(pk=prospect.pk).update(status=new_status, updated_at=now)
        prospect.status = new_status
