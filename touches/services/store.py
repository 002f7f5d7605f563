"""Storing touches and what their outcomes say about the people, exactly once.

The store is private to the one write path for touches, `cadence.services.touches` (tests/test_layering.py holds
that nothing else imports it): every caller (web, API, import, bulk sync, the email sensor) goes through its writes,
which call these and then mark the follow-up a touch answers and re-plan the lead. Nothing here knows about
cadences.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from crm.models import Contact, Prospect, User
from crm.validators import EARLIEST_DATE, date_range_message
from touches.data import (
    BULK_MAX_ITEMS,
    FUTURE_TOLERANCE,
    BulkItemResult,
    TouchConflict,
    TouchData,
    TouchItemError,
    TouchWrite,
)
from touches.models import CONVERSATIONS, Channel, Kind, Outcome, Source, Theme, Touch


def touches_store_once(
    *, rep: User, now: dt.datetime, touches: Sequence[TouchData], source: str
) -> tuple[list[Touch], bool]:
    """Store the touches of one submission exactly once, in one statement: a single touch, or the call of "no
    answer, left voicemail" and the voicemail left on it. Each carries an id made when its form was rendered (or by
    the worker that writes it, or derived from another's). Returns (touches, created).

    1. Validate each (`_touch_build`), before anything is written.
    2. Insert them all in one INSERT ... ON CONFLICT (id) DO NOTHING: a second submission's insert waits for the
       first's transaction, then inserts nothing. No savepoint is needed, since a conflict is not an error (a
       savepoint and an error cost three round trips per touch for the same answer).
    3. Nothing inserted: the submission was written before; its rows are locked and returned, unless they are
       another rep's. Some inserted and not others cannot come from a replay and is refused, rolling back.
    4. Apply what the outcomes say about the people (`_outcomes_apply`, in order): wrong person or left company
       flags the contact, a bounce stops emails to that address, not interested / opted out makes them
       do-not-contact, a conversation makes the prospect engaged.
    """
    built = [_touch_build(rep=rep, data=data, now=now, source=source) for data in touches]
    with transaction.atomic(savepoint=False):  # all or nothing; a failure ends the caller's transaction
        inserted = _touches_insert(touches=built)
        if len(inserted) == len(built):
            _outcomes_apply(touches=built, now=now)
            return built, True
        ids = [touch.pk for touch in built]
        existing = {t.pk: t for t in Touch.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
        if inserted or len(existing) != len(ids) or any(t.rep_id != rep.pk for t in existing.values()):
            raise ValidationError("This form was already used for another touch; reload the page.")
        return [existing[pk] for pk in ids], False


def _touch_check(
    *,
    prospect: Prospect,
    contact: Contact | None,
    occurred_at: dt.datetime,
    now: dt.datetime,
    duration_seconds: int | None,
) -> None:
    """The rules every touch is held to, on every path, so all reject the same touches with the same messages."""
    if contact is not None and contact.prospect_id != prospect.pk:
        raise ValidationError({"contact": "That contact does not belong to this prospect."})
    if occurred_at.tzinfo is None:
        raise ValidationError({"occurred_at": "Give the time with its time zone."})
    if occurred_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"occurred_at": "A touch cannot happen in the future."})
    if occurred_at.date() < EARLIEST_DATE:
        raise ValidationError({"occurred_at": date_range_message(today=now.date())})
    if duration_seconds is not None and duration_seconds < 0:
        raise ValidationError({"duration_seconds": "A duration cannot be negative."})


CONTACT_FLAGS: dict[str, dict[str, bool]] = {
    Outcome.WRONG_PERSON: {"wrong_person": True},
    Outcome.LEFT_COMPANY: {"left_company": True},
    Outcome.OPTED_OUT: {"do_not_contact": True},
    Outcome.NOT_INTERESTED: {"do_not_contact": True},
}


def _contact_flags(*, outcome: str, channel: str) -> dict[str, bool]:
    """What an outcome says about the contact it reached (a bounce only means something for an email)."""
    if outcome == Outcome.BOUNCED and channel == Channel.EMAIL:
        return {"email_bounced": True}
    return CONTACT_FLAGS.get(Outcome(outcome), {})


def _prospect_status_after(*, outcome: str, prospect: Prospect) -> str | None:
    """The prospect's new status after this outcome, or None to leave it (a closed prospect stays closed)."""
    closing: dict[str, str] = {
        Outcome.OPTED_OUT: Prospect.Status.DO_NOT_CONTACT,
        Outcome.NOT_INTERESTED: Prospect.Status.LOST,
    }
    new_status = closing.get(outcome)
    if new_status is None and outcome in CONVERSATIONS and prospect.status == Prospect.Status.ACTIVE:
        new_status = Prospect.Status.ENGAGED
    if new_status is not None and not prospect.is_closed:
        return new_status
    return None


# Exactly-once writes for sync clients (the REST API). Each touch carries its client's UUID: a retried upload finds
# its row and is compared field by field instead of being written twice.


def _touch_insert_or_lock(*, touch: Touch, now: dt.datetime) -> tuple[Touch, bool]:
    """Insert a built touch (`_touch_build`) with INSERT ... ON CONFLICT (id) DO NOTHING and apply its outcome; if
    the id was taken, lock that row instead. Returns (touch, created).

    Must run inside an atomic block. The unique primary key is the arbiter: a second insert of the same id waits
    for the first transaction and then inserts nothing, so by the time we read, the winner's row is committed.
    No savepoint is needed, since a conflict is not an error.
    """
    if _touches_insert(touches=[touch]):
        _outcomes_apply(touches=[touch], now=now)
        return touch, True
    existing = Touch.objects.select_for_update().filter(pk=touch.pk).first()
    if existing is None:
        raise IntegrityError(f"Touch {touch.pk} could not be written.")
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


def touch_store_exactly_once(
    *, rep: User, data: TouchData, now: dt.datetime, source: str = Source.API
) -> tuple[Touch, bool]:
    """Store a touch unless one with its id exists. Returns (touch, created).

    1. Insert it (`_touch_insert_or_lock`): a new touch costs one statement, with no read before it and no
       savepoint around it.
    2. Not inserted: the id was taken, perhaps by a concurrent writer whose transaction the insert waited for.
       That row must match field by field (and belong to the same rep), or TouchConflict is raised.
    An invalid touch whose id is taken is compared too, so a replay with other content is a conflict, as before.
    """
    with transaction.atomic(savepoint=False):  # a failure ends the caller's transaction (or its savepoint)
        try:
            touch = _touch_build(rep=rep, data=data, now=now, source=source)
        except ValidationError:
            existing = Touch.objects.select_for_update().filter(pk=data.id).first()
            if existing is None:
                raise
            created = False
        else:
            existing, created = _touch_insert_or_lock(touch=touch, now=now)
        if not created:
            _touch_compare(existing, rep=rep, data=data)
        return existing, created


def touch_replace(
    *, rep: User, data: TouchData, now: dt.datetime, source: str = Source.API
) -> tuple[Touch, TouchWrite]:
    """Create the touch, or bring the stored one to this content (PUT semantics: replaying it changes nothing).

    A changed touch keeps its rep and prospect; the new outcome's effects are applied.
    """
    with transaction.atomic():
        touch = Touch.objects.select_for_update().filter(pk=data.id).first()
        if touch is None:
            built = _touch_build(rep=rep, data=data, now=now, source=source)
            touch, created = _touch_insert_or_lock(touch=built, now=now)
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
        _touch_check(
            prospect=data.prospect,
            contact=data.contact,
            occurred_at=data.occurred_at,
            now=now,
            duration_seconds=data.duration_seconds,
        )
        outcome_changed = touch.outcome != data.outcome
        for name in differing:
            setattr(touch, name, getattr(data, name))
        touch.full_clean(exclude=["prospect", "contact", "rep"], validate_unique=False)
        touch.save(update_fields=[*differing, "updated_at"])
        if outcome_changed:
            _outcomes_apply(touches=[touch], now=now)
        return touch, TouchWrite.UPDATED


def touch_soft_delete(*, touch: Touch, now: dt.datetime) -> bool:
    """Soft-delete a touch (the changes feed then carries its tombstone). Returns False if it was already
    deleted: deleting twice is not an error."""
    deleted = Touch.objects.filter(pk=touch.pk, deleted_at__isnull=True).update(deleted_at=now, updated_at=now)
    return bool(deleted)


def touches_store_bulk(
    *, rep: User, items: Sequence[TouchData | TouchItemError], now: dt.datetime, source: str = Source.API
) -> tuple[list[BulkItemResult], list[Touch]]:
    """Store many touches exactly once, in a fixed number of queries; must run inside a transaction.
    Returns one result per item in input order, and the touches created, in input order.

    1. Lock every existing row among the ids in one query; those items are compared, never rewritten.
    2. Validate every new item in Python (`_touch_build`), so invalid items are known before writing.
    3. Insert the valid new ones in one multi-row INSERT ... ON CONFLICT DO NOTHING; an id that does not come
       back was written by a concurrent request first, and is compared like an existing one.
    4. Apply the outcomes' effects on the people for all created touches, set-wise.
    """
    if len(items) > BULK_MAX_ITEMS:
        raise ValidationError(f"At most {BULK_MAX_ITEMS} touches per request.")
    ids = {item.id for item in items if isinstance(item, TouchData)}
    known = _touches_lock(ids=ids)
    failed: dict[int, BulkItemResult] = {}
    # id -> (index of the item that writes it, the unsaved touch); a repeated id is written by its first valid item.
    new: dict[uuid.UUID, tuple[int, Touch]] = {}
    for index, item in enumerate(items):
        if isinstance(item, TouchItemError):
            failed[index] = BulkItemResult(
                id=item.id, status="error", code=item.code, message=_first(item.errors), errors=item.errors
            )
        elif item.id not in known and item.id not in new:
            try:
                new[item.id] = (index, _touch_build(rep=rep, data=item, now=now, source=source))
            except ValidationError as exc:
                failed[index] = _invalid(item.id, exc)
    inserted = _touches_insert(touches=[touch for _, touch in new.values()])
    # Not inserted: a concurrent request committed that id first. Its row is compared like one that was there.
    known.update(_touches_lock(ids={pk for pk in new if pk not in inserted}))
    created = sorted((index, touch) for pk, (index, touch) in new.items() if pk in inserted)
    known.update({touch.pk: touch for _, touch in created})
    _outcomes_apply(touches=[touch for _, touch in created], now=now)
    creators = {index for index, _ in created}
    results = [
        _bulk_result(index, item, failed=failed, creators=creators, known=known, rep=rep)
        for index, item in enumerate(items)
    ]
    return results, [touch for _, touch in created]


def _bulk_result(
    index: int,
    item: TouchData | TouchItemError,
    *,
    failed: dict[int, BulkItemResult],
    creators: set[int],
    known: dict[uuid.UUID, Touch],
    rep: User,
) -> BulkItemResult:
    if index in failed:
        return failed[index]
    if index in creators:
        return BulkItemResult(id=item.id, status="created")
    assert isinstance(item, TouchData)  # anything not failed is a TouchData
    return _bulk_compare(item, known=known, rep=rep)


def _touches_lock(*, ids: set[uuid.UUID]) -> dict[uuid.UUID, Touch]:
    """Lock and load the stored touches among `ids`, in id order so concurrent requests lock alike."""
    if not ids:
        return {}
    return {t.pk: t for t in Touch.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _touch_build(*, rep: User, data: TouchData, now: dt.datetime, source: str) -> Touch:
    """The unsaved touch, checked: the contact belongs to the prospect; the time is aware, since 2000 and not in the
    future; every value is one its field allows (raises ValidationError)."""
    _touch_check(
        prospect=data.prospect,
        contact=data.contact,
        occurred_at=data.occurred_at,
        now=now,
        duration_seconds=data.duration_seconds,
    )
    touch = Touch(
        id=data.id,
        prospect=data.prospect,
        contact=data.contact,
        rep=rep,
        channel=data.channel,
        kind=data.kind,
        outcome=data.outcome,
        theme=data.theme,
        note=data.note,
        duration_seconds=data.duration_seconds,
        occurred_at=data.occurred_at,
        source=source,
        message_id=data.message_id,
    )
    if not _plainly_valid(touch):
        touch.full_clean(exclude=["prospect", "contact", "rep"], validate_unique=False)
    return touch


CHOICES = {
    "channel": frozenset(Channel.values),
    "kind": frozenset(Kind.values),
    "outcome": frozenset(Outcome.values),
    "theme": frozenset(Theme.values),
    "source": frozenset(Source.values),
}
DURATION_MAX = 2**31 - 1  # PostgreSQL's integer
MESSAGE_ID_MAX: int = Touch._meta.get_field("message_id").max_length or 0


def _plainly_valid(touch: Touch) -> bool:
    """True when `full_clean` (without relations and uniqueness) has nothing to say about this touch.

    It checks what full_clean would, for values of the types it would leave as they are; anything else gets the
    real full_clean and its messages. For 500 touches, full_clean's per-field machinery was a tenth of the write.
    """
    duration = touch.duration_seconds
    return (
        all(isinstance(value := getattr(touch, name), str) and value in allowed for name, allowed in CHOICES.items())
        and isinstance(touch.note, str)
        and isinstance(touch.message_id, str)
        and len(touch.message_id) <= MESSAGE_ID_MAX
        and (
            duration is None
            or (isinstance(duration, int) and not isinstance(duration, bool) and 0 <= duration <= DURATION_MAX)
        )
        and isinstance(touch.occurred_at, dt.datetime)
        and isinstance(touch.pk, uuid.UUID)
    )


# Spelled out rather than derived from the model's fields: preparing 15 values per row through each field's
# `get_db_prep_save` took longer than the INSERT itself. The values are already validated Python objects.
INSERT_COLUMNS = (
    "id, prospect_id, contact_id, rep_id, channel, kind, outcome, theme, note, duration_seconds, occurred_at, "
    "source, message_id, created_at, updated_at, deleted_at"
)


def _touches_insert(*, touches: Sequence[Touch]) -> set[uuid.UUID]:
    """Insert in one statement; returns the ids actually inserted (a conflicting id is skipped, not an error).

    Rows go in id order: two requests inserting overlapping ids then wait on each other instead of deadlocking.
    """
    if not touches:
        return set()
    stamp = timezone.now()  # what auto_now_add / auto_now would have set
    params: list[Any] = []
    for t in sorted(touches, key=lambda t: t.pk):
        t.created_at = t.updated_at = stamp
        params += [
            t.pk, t.prospect_id, t.contact_id, t.rep_id, t.channel, t.kind, t.outcome, t.theme, t.note,
            t.duration_seconds, t.occurred_at, t.source, t.message_id, stamp, stamp, t.deleted_at,
        ]  # fmt: skip
    row = f"({', '.join(['%s'] * 16)})"
    sql = (
        f"INSERT INTO {Touch._meta.db_table} ({INSERT_COLUMNS}) VALUES {', '.join([row] * len(touches))} "
        "ON CONFLICT (id) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {pk for (pk,) in cursor.fetchall()}


def _outcomes_apply(*, touches: Sequence[Touch], now: dt.datetime) -> None:
    """What each touch's outcome says about the people, in input order, as one UPDATE per contact flag and per new
    status: wrong person or left company flags the contact, a bounce stops emails to that address, not interested
    or opted out makes them do-not-contact, a conversation makes the prospect engaged.

    Statuses are followed through the touches in order, as one-by-one logging would (an engaged prospect then
    opted out ends do-not-contact); only the final status is written.
    """
    flagged: dict[str, set[int]] = defaultdict(set)
    prospects: dict[int, Prospect] = {}
    new_status: dict[int, str] = {}
    for touch in touches:
        if touch.contact_id is not None:
            for flag in _contact_flags(outcome=touch.outcome, channel=touch.channel):
                flagged[flag].add(touch.contact_id)
        prospect = prospects.setdefault(touch.prospect_id, touch.prospect)
        status = _prospect_status_after(outcome=touch.outcome, prospect=prospect)
        if status == Prospect.Status.DO_NOT_CONTACT and touch.contact_id is not None:
            # An opt-out is the person's: the company stops only when nobody else is left (or a manager says so).
            opted_out = flagged["do_not_contact"]
            others = Contact.objects.filter(
                prospect_id=prospect.pk, do_not_contact=False, left_company=False, wrong_person=False
            ).exclude(pk__in=opted_out | {touch.contact_id})
            if others.exists():
                status = None
        if status is not None:
            prospect.status = new_status[prospect.pk] = status
    for flag, contact_ids in flagged.items():
        Contact.objects.filter(pk__in=contact_ids).update(**{flag: True}, updated_at=now)
    by_status: dict[str, list[int]] = defaultdict(list)
    for prospect_id, status in new_status.items():
        by_status[status].append(prospect_id)
    for status, prospect_ids in by_status.items():
        Prospect.objects.filter(pk__in=prospect_ids).update(status=status, updated_at=now)


def _bulk_compare(item: TouchData, *, known: dict[uuid.UUID, Touch], rep: User) -> BulkItemResult:
    touch = known.get(item.id)
    if touch is None:
        raise IntegrityError(f"Touch {item.id} could not be written.")
    try:
        _touch_compare(touch, rep=rep, data=item)
    except TouchConflict as exc:
        errors = {name: [exc.message] for name in exc.fields}
        return BulkItemResult(id=item.id, status="error", code=exc.code, message=exc.message, errors=errors)
    return BulkItemResult(id=item.id, status="unchanged")


def _invalid(touch_id: uuid.UUID, exc: ValidationError) -> BulkItemResult:
    errors = {key: [str(m) for m in messages] for key, messages in _message_dict(exc).items()}
    return BulkItemResult(id=touch_id, status="error", code="invalid", message=_first(errors), errors=errors)


def _message_dict(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"non_field_errors": list(exc.messages)}


def _first(errors: dict[str, list[str]]) -> str:
    for messages in errors.values():
        if messages:
            return messages[0]
    return "Invalid touch."
