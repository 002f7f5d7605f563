"""The one write path for touches: every touch is written by one of these, and by nothing else.

- `touch_log`: one touch (or a call and the voicemail left on it), exactly once by its id, with the next step
  agreed in it; a second write with the same id is a form sent twice, an API client's retry, or an API PUT.
- `touches_bulk_sync`: many touches from a sync client, exactly once each, with a result per touch.
- `touch_delete`, `touches_undo`: a touch taken away, or what a rep just logged taken back.
- `touch_delivery_correct`: an email logged as sent bounced (or the bounce was misread).

Every caller goes through these: the web forms, the API, the import and the email sensor. The store below
(`touches.services.store`, private to this module) writes the touch and applies what its outcome says about the
people; this side marks the planned follow-up the touch answers as done and asks for the lead to be planned again,
after commit. Both happen in one transaction, so a touch is never stored without its follow-up answered, nor the
other way round. `touches.data.TouchData` is the one carrier of a touch's fields.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from cadence.models import Enrollment, FollowUp, LeadEvent, LogUndo
from cadence.selectors import enrollment_open_for_prospect
from cadence.services.enrolling import enrollment_request_plan
from cadence.services.events import lead_event_add
from cadence.services.leads import enrollment_set_next_step
from cadence.services.queue import plan_enqueue
from crm.models import Contact, Prospect, User
from crm.text import sentence
from touches.data import BulkItemResult, BulkSyncReport, TouchData, TouchItemError, TouchWrite
from touches.models import Channel, Outcome, Source, Touch
from touches.services.store import (
    touch_replace,
    touch_soft_delete,
    touch_store_exactly_once,
    touches_store_bulk,
    touches_store_once,
)

# "No answer, left voicemail" logs the call this long before the voicemail left on it (a touch is never in the future).
VOICEMAIL_AFTER_CALL = dt.timedelta(seconds=30)
# A rep may take back what they just logged for this long; later, a touch is deleted from the prospect page.
UNDO_WINDOW = dt.timedelta(minutes=15)
# Stops are final (README, "What counts"): undoing the touch would not bring the person back.
UNDOABLE_NOT = {Outcome.NOT_INTERESTED, Outcome.OPTED_OUT}


class NotEnrolled(ValidationError):
    """The request is fine, the prospect's state is not: it has no open cadence to give a next step to."""


class Replay(StrEnum):
    """What a second write with a touch's id means (the id was made by the form, the client or the worker)."""

    SAME_FORM = "same_form"  # a form sent twice, a worker run again: the first write's touches, not compared
    SAME_CONTENT = "same_content"  # an API client's retry: it must say the same, or TouchConflict
    REPLACE = "replace"  # an API PUT: the stored touch takes this content, and the lead is re-planned


@dataclass(frozen=True)
class NextStep:
    """What was agreed in a conversation, and when: it becomes the lead's next follow-up."""

    what: str
    due_at: dt.datetime


@dataclass(frozen=True)
class Logged:
    touches: list[Touch]  # the touch; or the call and the voicemail left on it
    write: TouchWrite  # created by this call, updated (REPLACE), or unchanged (written before)

    @property
    def touch(self) -> Touch:
        """The touch that answers the follow-up (the call, for a call and its voicemail)."""
        return self.touches[0]

    @property
    def created(self) -> bool:
        return self.write == TouchWrite.CREATED


def touch_log(
    *,
    rep: User,
    data: TouchData,
    now: dt.datetime,
    source: str = Source.WEB,
    replay: Replay = Replay.SAME_FORM,
    next_step: NextStep | None = None,
    voicemail_note: str | None = None,
) -> Logged:
    """Record a touch, once, and have the cadence plan what comes next: the planned follow-up it answers is done,
    and the lead is re-planned after commit.

    - A new id costs one INSERT (no read before it, no savepoint). An id already written is a replay (`Replay`).
    - `voicemail_note`: "no answer, left voicemail". `data` is the unanswered call; the voicemail left on it
      (its id derived from the call's, its note this one) is logged with it as one attempt, in the same INSERT,
      VOICEMAIL_AFTER_CALL later. The call answers the attempt's follow-up.
    - `next_step`: agreed in this touch, which must be a conversation; the prospect must be in a cadence
      (NotEnrolled). A replay sets nothing again.

    All or nothing. A form's write opens no savepoint of its own (it cost two round trips on every log from My day):
    inside a caller's transaction, its refusal ends that transaction. An API client's replay does, so its conflict
    is an answer the API's own transaction goes on to record.
    """
    with transaction.atomic(savepoint=replay != Replay.SAME_FORM):
        if replay == Replay.REPLACE:
            touch, write = touch_replace(rep=rep, data=data, now=now, source=source)
            touches = [touch]
        elif replay == Replay.SAME_CONTENT:
            touch, created = touch_store_exactly_once(rep=rep, data=data, now=now, source=source)
            touches, write = [touch], TouchWrite.CREATED if created else TouchWrite.UNCHANGED
        else:
            items = [data]
            if voicemail_note is not None:
                items = [
                    replace(data, channel=Channel.CALL, outcome=Outcome.NO_ANSWER, note="",
                            occurred_at=data.occurred_at - VOICEMAIL_AFTER_CALL),
                    replace(data, id=voicemail_touch_id(data.id), channel=Channel.VOICEMAIL,
                            outcome=Outcome.LEFT_VOICEMAIL, note=voicemail_note),
                ]  # fmt: skip
            touches, created = touches_store_once(rep=rep, now=now, touches=items, source=source)
            write = TouchWrite.CREATED if created else TouchWrite.UNCHANGED
        if write == TouchWrite.CREATED:
            # The first touch answers the follow-up and asks for the re-plan (an enrollment has one planned
            # follow-up at a time): a voicemail is stored beside its call with nothing left to answer.
            follow_ups_answer(touches=touches[:1], now=now)
            if next_step is not None:
                _next_step_set(touch=touches[0], rep=rep, next_step=next_step, now=now)
        elif write == TouchWrite.UPDATED:
            prospect_replan(prospect_id=touches[0].prospect_id, now=now)
    return Logged(touches=touches, write=write)


def _next_step_set(*, touch: Touch, rep: User, next_step: NextStep, now: dt.datetime) -> None:
    if not touch.is_conversation:
        raise ValidationError(
            {"next_step": "A next step is agreed in a conversation: connected, replied or meeting booked."}
        )
    enrollment = enrollment_open_for_prospect(prospect_id=touch.prospect_id)
    if enrollment is None:
        raise NotEnrolled("This prospect is not in a cadence: enroll it to plan a next step.")
    enrollment_set_next_step(enrollment=enrollment, what=next_step.what, due_at=next_step.due_at, now=now, actor=rep)


def touch_delete(*, touch: Touch, now: dt.datetime) -> bool:
    """Soft-delete a touch and re-plan its lead. False if it was already deleted (not an error)."""
    with transaction.atomic():
        deleted = touch_soft_delete(touch=touch, now=now)
        if deleted:
            prospect_replan(prospect_id=touch.prospect_id, now=now)
    return deleted


def touch_delivery_correct(*, touch_id: uuid.UUID, bounced: bool, now: dt.datetime) -> bool:
    """An email logged as sent bounced (or a bounce was reclassified away): its touch says so, the lead is
    re-planned (a bounced email said nothing, its theme is still unused), and sync clients see the change."""
    before, after = (Outcome.SENT, Outcome.BOUNCED) if bounced else (Outcome.BOUNCED, Outcome.SENT)
    with transaction.atomic():
        touch = Touch.objects.filter(pk=touch_id, channel=Channel.EMAIL, outcome=before, deleted_at=None).first()
        if touch is None:
            return False
        touch.outcome, touch.updated_at = after, now
        touch.save(update_fields=["outcome", "updated_at"])
        prospect_replan(prospect_id=touch.prospect_id, now=now)
    return True


def voicemail_touch_id(call_id: uuid.UUID) -> uuid.UUID:
    """The voicemail's id, derived from the call's: the pair is written once, and undone together."""
    return uuid.uuid5(call_id, "voicemail")


_LOG_UNDO_SQL = f"""
    INSERT INTO {LogUndo._meta.db_table} (touch_id, prospect_id, prospect_status, enrollment_id, next_step,
                                          next_step_due_at, contact_id, contact_flags, created_at)
    SELECT %s, p.id, p.status, e.id, coalesce(e.next_step, ''), e.next_step_due_at, c.id,
           CASE WHEN c.id IS NULL THEN '{{}}'::jsonb ELSE jsonb_build_object(
               'wrong_person', c.wrong_person, 'left_company', c.left_company, 'email_bounced', c.email_bounced) END,
           %s
    FROM {Prospect._meta.db_table} p
    LEFT JOIN {Enrollment._meta.db_table} e ON e.prospect_id = p.id AND e.status = ANY(%s)
    LEFT JOIN {Contact._meta.db_table} c ON c.id = %s AND c.prospect_id = p.id
    WHERE p.id = %s
    ON CONFLICT (touch_id) DO NOTHING
"""


def log_undo_keep(*, touch_id: uuid.UUID, prospect_id: int, contact_id: int | None, now: dt.datetime) -> None:
    """Before a log that may be undone: what it can change besides its touches (the prospect's status, the agreed next
    step, the contact's flags), as it is now, in one statement. `touches_undo` puts it back."""
    with connection.cursor() as cursor:
        cursor.execute(_LOG_UNDO_SQL, [touch_id, now, list(Enrollment.OPEN_STATUSES), contact_id, prospect_id])


def touches_undo(*, rep: User, touch_id: uuid.UUID, now: dt.datetime) -> tuple[list[Touch], list[str]]:
    """Take back what the rep just logged: the touch (and the voicemail logged with it), deleted through the one
    delete path, and what the log changed besides (its next step, the prospect's status, the contact's flags) put
    back as it was (`log_undo_keep`); the lead is re-planned, which brings the answered follow-up back. Only the
    rep's own touches of the last UNDO_WINDOW; a stop is not undone (reopen the prospect with a reason instead).
    Returns the touches and what was put back, in words."""
    with transaction.atomic():
        touches = list(
            Touch.objects.select_for_update()
            .filter(pk__in=[touch_id, voicemail_touch_id(touch_id)], rep=rep, deleted_at__isnull=True)
            .order_by("occurred_at")
        )
        if not touches:
            return [], []
        if any(t.outcome in UNDOABLE_NOT for t in touches):
            raise ValidationError("A stop is final: reopen the prospect from its page, with a reason.")
        if any(t.created_at < now - UNDO_WINDOW for t in touches):
            raise ValidationError("Too late to undo: delete the touch from the prospect's timeline instead.")
        for touch in touches:
            touch_delete(touch=touch, now=now)
        restored = _log_undo_restore(touch_id=touch_id, rep=rep, now=now)
    return touches, restored


def _log_undo_restore(*, touch_id: uuid.UUID, rep: User, now: dt.datetime) -> list[str]:
    """Put back what the log changed besides its touches, where it is still as the log left it."""
    before = LogUndo.objects.filter(pk=touch_id).select_related("prospect", "enrollment", "contact").first()
    if before is None:
        return []
    said: list[str] = []
    prospect = before.prospect
    if prospect.status != before.prospect_status and not prospect.is_closed:
        Prospect.objects.filter(pk=prospect.pk).update(status=before.prospect_status, updated_at=now)
        said.append(
            f"back to {Prospect.Status(before.prospect_status).label.lower()} "
            f"(was {prospect.get_status_display().lower()})"
        )
    enrollment = before.enrollment
    if enrollment is not None and enrollment.is_open:
        now_step = (enrollment.next_step, enrollment.next_step_due_at)
        if now_step != (before.next_step, before.next_step_due_at):
            Enrollment.objects.filter(pk=enrollment.pk).update(
                next_step=before.next_step, next_step_due_at=before.next_step_due_at
            )
            if enrollment.next_step:
                said.append(f"next step “{enrollment.next_step}” removed")
            if before.next_step:
                said.append(f"next step “{before.next_step}” back")
    contact = before.contact
    if contact is not None:
        cleared = {flag: False for flag, was in before.contact_flags.items() if not was and getattr(contact, flag)}
        if cleared:
            Contact.objects.filter(pk=contact.pk).update(**cleared, updated_at=now)
            flags = ", ".join(str(Contact._meta.get_field(flag).verbose_name) for flag in cleared)  # type: ignore[union-attr]
            said.append(f"{contact.name} no longer marked {flags}")
    if said:
        lead_event_add(
            prospect_id=prospect.pk,
            enrollment_id=enrollment.pk if enrollment is not None else None,
            actor=rep,
            now=now,
            kind=LeadEvent.Kind.UNDONE,
            detail=sentence("Undone: " + "; ".join(said)),
        )
    before.delete()
    return said


def log_undos_prune(*, now: dt.datetime) -> int:
    """What logs changed, kept past their undo window: nothing can use it any more."""
    deleted, _ = LogUndo.objects.filter(created_at__lt=now - UNDO_WINDOW - dt.timedelta(minutes=5)).delete()
    return deleted


class _RollBack(Exception):
    pass


def touches_bulk_sync(
    *,
    rep: User,
    items: Sequence[TouchData | TouchItemError],
    now: dt.datetime,
    atomic: bool = False,
    source: str = Source.API,
) -> BulkSyncReport:
    """Write many touches exactly once, with one result per item in input order, in a fixed number of queries.

    1. Store them (`touches_store_bulk`): existing ids compared, new ones validated and inserted in one statement,
       their outcomes applied set-wise.
    2. Answer the follow-ups of the created ones set-wise, and re-plan their leads.
    3. With `atomic`, any failed item rolls everything back; the report then says nothing was committed.
    """
    results: list[BulkItemResult] = []
    try:
        with transaction.atomic():
            results, created = touches_store_bulk(rep=rep, items=items, now=now, source=source)
            follow_ups_answer(touches=created, now=now)
            if atomic and any(result.status == "error" for result in results):
                raise _RollBack
    except _RollBack:
        return BulkSyncReport(results=results, committed=False)
    return BulkSyncReport(results=results, committed=True)


def prospect_replan(*, prospect_id: int, now: dt.datetime) -> None:
    """Ask for a new plan of the lead's open enrollments (on commit): something it is planned from changed."""
    open_enrollments = Enrollment.objects.filter(prospect_id=prospect_id, status__in=Enrollment.OPEN_STATUSES)
    for enrollment_id in open_enrollments.values_list("pk", flat=True):
        enrollment_request_plan(enrollment_id=enrollment_id, now=now)


def follow_ups_answer(*, touches: Sequence[Touch], now: dt.datetime) -> None:
    """`touch_log`'s follow-up rule for many touches: planned follow-ups done, next steps cleared, re-planning.

    Logged one by one, the first answering touch of an enrollment marks all its planned follow-ups done (and
    clears an agreed next step); later ones find none planned. So the first touch in input order is the answer.
    Two statements over arrays, whatever the count: a CASE per enrollment made Django build, and PostgreSQL test,
    one branch per row, which cost more than the INSERT of the touches; and on the one-click log from My day each
    further round trip cost a few tenths of a millisecond on a path that has to stay under 30 ms.
    """
    answer_of: dict[int, uuid.UUID] = {}
    for touch in touches:
        if touch.answers_follow_up:
            answer_of.setdefault(touch.prospect_id, touch.pk)
    if not answer_of:
        return
    # An enrollment has at most one planned follow-up (a unique constraint), so one join finds each answer's
    # enrollment and whether the follow-up it closes was the agreed next step.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT e.id, a.touch_id, coalesce(f.is_next_step, false)
            FROM unnest(%s::bigint[], %s::uuid[]) WITH ORDINALITY AS a(prospect_id, touch_id, position)
            JOIN {Enrollment._meta.db_table} e ON e.prospect_id = a.prospect_id AND e.status = ANY(%s)
            LEFT JOIN {FollowUp._meta.db_table} f ON f.enrollment_id = e.id AND f.status = %s
            ORDER BY a.position
            """,
            [list(answer_of), list(answer_of.values()), list(Enrollment.OPEN_STATUSES), FollowUp.Status.PLANNED],
        )
        answers = cursor.fetchall()
        if not answers:
            return
        enrollment_ids, touch_ids, next_steps = zip(*answers, strict=True)
        next_step_done = [e for e, next_step in zip(enrollment_ids, next_steps, strict=True) if next_step]
        # The enrollments' half is `enrollments_request_plan`'s UPDATE (the plan marked stale; the task below
        # plans it) with the answered next steps cleared in the same row write. `= ANY` repeats the join for the
        # planner: with it, PostgreSQL probes each enrollment's planned follow-up; without it, it reads every
        # planned follow-up in the database and joins them to these few hundred.
        cursor.execute(
            f"""
            WITH enrollments_answered AS (
                UPDATE {Enrollment._meta.db_table} SET
                    next_step = CASE WHEN id = ANY(%s::bigint[]) THEN '' ELSE next_step END,
                    next_step_due_at = CASE WHEN id = ANY(%s::bigint[]) THEN NULL ELSE next_step_due_at END,
                    replan_requested_at = coalesce(replan_requested_at, %s)
                WHERE id = ANY(%s::bigint[]) AND status = ANY(%s)
            )
            UPDATE {FollowUp._meta.db_table} f SET status = %s, touch_id = v.touch_id, completed_at = %s
            FROM unnest(%s::bigint[], %s::uuid[]) AS v(enrollment_id, touch_id)
            WHERE f.enrollment_id = v.enrollment_id AND f.enrollment_id = ANY(%s::bigint[]) AND f.status = %s
            """,
            [
                next_step_done,
                next_step_done,
                now,
                list(enrollment_ids),
                list(Enrollment.OPEN_STATUSES),
                FollowUp.Status.DONE,
                now,
                list(enrollment_ids),
                list(touch_ids),
                list(enrollment_ids),
                FollowUp.Status.PLANNED,
            ],
        )
    for enrollment_id in enrollment_ids:
        plan_enqueue(enrollment_id)
