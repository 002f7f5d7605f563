"""Writes for touches. `touch_log` is the one way a touch enters Pursuit: browser, API and import."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

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
            prospect=prospect,
            contact=contact,
            rep=rep,
            channel=channel,
            kind=kind,
            outcome=outcome,
            theme=theme,
            note=note,
            duration_seconds=duration_seconds,
            occurred_at=occurred_at,
            source=source,
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


# Exactly-once writes for sync clients (the REST API). Each touch carries its client's UUID: a retried upload finds
# its row and is compared field by field instead of being written twice. New touches still go through `touch_log`.


@dataclass(frozen=True)
class TouchData:
    """What a client says about one touch; `prospect` and `contact` are already resolved and visible."""

    id: uuid.UUID
    prospect: Prospect
    channel: str
    outcome: str
    occurred_at: dt.datetime
    contact: Contact | None = None
    kind: str = Kind.REGULAR
    theme: str = Theme.NONE
    note: str = ""
    duration_seconds: int | None = None

    def differences(self, touch: Touch) -> list[str]:
        """The fields whose stored value differs from this one (times compared as instants)."""
        stored = {
            "prospect": touch.prospect_id,
            "contact": touch.contact_id,
            "channel": touch.channel,
            "kind": touch.kind,
            "outcome": touch.outcome,
            "theme": touch.theme,
            "note": touch.note,
            "duration_seconds": touch.duration_seconds,
            "occurred_at": touch.occurred_at,
        }
        given = {
            "prospect": self.prospect.pk,
            "contact": self.contact.pk if self.contact is not None else None,
            "channel": self.channel,
            "kind": self.kind,
            "outcome": self.outcome,
            "theme": self.theme,
            "note": self.note,
            "duration_seconds": self.duration_seconds,
            "occurred_at": self.occurred_at,
        }
        return [name for name, value in given.items() if stored[name] != value]


class TouchConflict(Exception):
    """The id is taken by a touch with other content (or by a deleted touch): nothing was written."""

    def __init__(self, message: str, *, code: str = "conflict", fields: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = list(fields)


class TouchWrite(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def _touch_insert_or_lock(*, rep: User, data: TouchData, now: dt.datetime, source: str) -> tuple[Touch, bool]:
    """Insert through `touch_log` in a savepoint; if a concurrent writer got the id first, lock its row instead.

    Must run inside an atomic block. The unique primary key is the arbiter: a second insert of the same id waits
    for the first transaction and then fails, so by the time we re-read, the winner's row is committed.
    """
    try:
        with transaction.atomic():
            touch = touch_log(
                rep=rep,
                prospect=data.prospect,
                contact=data.contact,
                channel=data.channel,
                outcome=data.outcome,
                occurred_at=data.occurred_at,
                now=now,
                kind=data.kind,
                theme=data.theme,
                note=data.note,
                duration_seconds=data.duration_seconds,
                source=source,
                touch_id=data.id,
            )
            return touch, True
    except IntegrityError:
        pass
    except ValidationError as exc:
        # `full_clean` saw the other writer's committed row before the insert did.
        if not (hasattr(exc, "error_dict") and "id" in exc.error_dict):
            raise
    existing = Touch.objects.select_for_update().filter(pk=data.id).first()
    if existing is None:
        raise IntegrityError(f"Touch {data.id} could not be written.")
    return existing, False


def _touch_compare(touch: Touch, *, rep: User, data: TouchData) -> None:
    """Raise TouchConflict unless `touch` is this very touch, as stored."""
    if touch.deleted_at is not None:
        raise TouchConflict("A touch with this id was deleted; give a new touch a new id.", code="deleted")
    if touch.rep_id != rep.pk:
        raise TouchConflict("This id is already used by another touch; give each touch its own id.")
    differing = data.differences(touch)
    if differing:
        raise TouchConflict(
            f"A touch with this id already exists with a different {', '.join(differing)}; nothing was written.",
            fields=differing,
        )


def touch_create_once(
    *, rep: User, data: TouchData, now: dt.datetime, source: str = Source.API
) -> tuple[Touch, bool]:
    """Create a touch unless one with its id exists. Returns (touch, created).

    1. Lock the row with this id if it exists; otherwise insert it through `touch_log` (outcome effects and
       re-planning included) in a savepoint, falling back to the row a concurrent writer committed first.
    2. An existing row must match field by field (and belong to the same rep), or TouchConflict is raised.
    """
    with transaction.atomic():
        existing = Touch.objects.select_for_update().filter(pk=data.id).first()
        if existing is None:
            existing, created = _touch_insert_or_lock(rep=rep, data=data, now=now, source=source)
            if created:
                return existing, True
        _touch_compare(existing, rep=rep, data=data)
        return existing, False


def touch_upsert(
    *, rep: User, data: TouchData, now: dt.datetime, source: str = Source.API
) -> tuple[Touch, TouchWrite]:
    """Create the touch, or bring the stored one to this content (PUT semantics: replaying it changes nothing).

    A changed touch keeps its rep and prospect; the new outcome's effects are applied and the cadence re-planned.
    """
    with transaction.atomic():
        touch = Touch.objects.select_for_update().filter(pk=data.id).first()
        if touch is None:
            touch, created = _touch_insert_or_lock(rep=rep, data=data, now=now, source=source)
            if created:
                return touch, TouchWrite.CREATED
        if touch.deleted_at is not None:
            raise TouchConflict("This touch was deleted; give a new touch a new id.", code="deleted")
        differing = data.differences(touch)
        if not differing:
            return touch, TouchWrite.UNCHANGED
        if "prospect" in differing:
            raise TouchConflict(
                "This touch belongs to another prospect and cannot move; nothing was written.",
                fields=["prospect"],
            )
        if data.contact is not None and data.contact.prospect_id != touch.prospect_id:
            raise ValidationError({"contact": "That contact does not belong to this prospect."})
        if data.occurred_at.tzinfo is None:
            raise ValidationError({"occurred_at": "Give the time with its time zone."})
        if data.occurred_at > now + FUTURE_TOLERANCE:
            raise ValidationError({"occurred_at": "A touch cannot happen in the future."})
        outcome_changed = touch.outcome != data.outcome
        for name in differing:
            setattr(touch, name, getattr(data, name))
        touch.full_clean(exclude=["prospect", "contact", "rep"], validate_unique=False)
        touch.save(update_fields=[*differing, "updated_at"])
        if outcome_changed:
            _apply_outcome(touch, prospect=data.prospect, contact=data.contact, now=now)
        enrollment = Enrollment.objects.filter(prospect_id=touch.prospect_id, status__in=Enrollment.OPEN_STATUSES)
        for enrollment_id in enrollment.values_list("pk", flat=True):
            enrollment_request_plan(enrollment_id=enrollment_id, now=now)
        return touch, TouchWrite.UPDATED


def touch_delete(*, touch: Touch, now: dt.datetime) -> bool:
    """Soft-delete a touch (the changes feed then carries its tombstone) and re-plan. Returns False if it
    was already deleted: deleting twice is not an error."""
    with transaction.atomic():
        deleted = Touch.objects.filter(pk=touch.pk, deleted_at__isnull=True).update(deleted_at=now, updated_at=now)
        if deleted:
            open_enrollments = Enrollment.objects.filter(
                prospect_id=touch.prospect_id, status__in=Enrollment.OPEN_STATUSES
            ).values_list("pk", flat=True)
            for enrollment_id in open_enrollments:
                enrollment_request_plan(enrollment_id=enrollment_id, now=now)
    return bool(deleted)


@dataclass(frozen=True)
class TouchItemError:
    """An item of a bulk request that was invalid before it reached the service."""

    id: uuid.UUID | None
    errors: dict[str, list[str]]
    code: str = "invalid"


@dataclass
class BulkItemResult:
    id: uuid.UUID | None
    status: str  # created, unchanged or error
    code: str = ""
    message: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class BulkSyncReport:
    results: list[BulkItemResult]
    committed: bool

    @property
    def failed(self) -> bool:
        return any(result.status == "error" for result in self.results)


class _RollBack(Exception):
    pass


BULK_MAX_ITEMS = 500


def touches_bulk_sync(
    *,
    rep: User,
    items: Sequence[TouchData | TouchItemError],
    now: dt.datetime,
    atomic: bool = False,
    source: str = Source.API,
) -> BulkSyncReport:
    """Write many touches exactly once, with one result per item in input order.

    1. Lock every existing row among the ids in one query; those items are compared, never rewritten.
    2. Each new item goes through `touch_log` in its own savepoint, so one bad item does not undo the others;
       an id a concurrent request wrote first is compared like an existing one.
    3. With `atomic`, any failed item rolls everything back; the report then says nothing was committed.
    """
    if len(items) > BULK_MAX_ITEMS:
        raise ValidationError(f"At most {BULK_MAX_ITEMS} touches per request.")
    results: list[BulkItemResult] = []
    try:
        with transaction.atomic():
            ids = [item.id for item in items if isinstance(item, TouchData)]
            known = {t.pk: t for t in Touch.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
            for item in items:
                results.append(_bulk_one(item, known=known, rep=rep, now=now, source=source))
            if atomic and any(result.status == "error" for result in results):
                raise _RollBack
    except _RollBack:
        return BulkSyncReport(results=results, committed=False)
    return BulkSyncReport(results=results, committed=True)


def _bulk_one(
    item: TouchData | TouchItemError, *, known: dict[uuid.UUID, Touch], rep: User, now: dt.datetime, source: str
) -> BulkItemResult:
    if isinstance(item, TouchItemError):
        return BulkItemResult(
            id=item.id, status="error", code=item.code, message=_first(item.errors), errors=item.errors
        )
    try:
        touch = known.get(item.id)
        created = False
        if touch is None:
            touch, created = _touch_insert_or_lock(rep=rep, data=item, now=now, source=source)
            known[item.id] = touch
        if not created:
            _touch_compare(touch, rep=rep, data=item)
    except TouchConflict as exc:
        errors = {name: [exc.message] for name in exc.fields}
        return BulkItemResult(id=item.id, status="error", code=exc.code, message=exc.message, errors=errors)
    except ValidationError as exc:
        errors = {key: [str(m) for m in messages] for key, messages in _message_dict(exc).items()}
        return BulkItemResult(id=item.id, status="error", code="invalid", message=_first(errors), errors=errors)
    return BulkItemResult(id=item.id, status="created" if created else "unchanged")


def _message_dict(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"non_field_errors": list(exc.messages)}


def _first(errors: dict[str, list[str]]) -> str:
    for messages in errors.values():
        if messages:
            return messages[0]
    return "Invalid touch."
