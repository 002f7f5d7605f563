"""The outbox: an email follow-up goes out exactly once, when the contact's window is open, within the cap.

Guarantee (README, "Email"): a message is handed to the SMTP server at most once by Pursuit on its own. Its
Message-ID is fixed when it is queued. A send marks the row `sending` (committed) before it talks to the server,
and `sent` (with its touch) after the server accepted it and a copy was appended to the Sent folder. A worker that
dies in between leaves the row `sending`; the outbox sweep then looks for the Message-ID in the Sent folder: found,
the row is finished as sent; not found (the worker died between the server's acceptance and the copy), the row
becomes `unsure` and the rep says whether it went. Nothing is ever sent twice blindly.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage as DjangoEmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from cadence.models import FollowUp, LeadEvent
from cadence.planner.calendar import holiday_calendar
from cadence.planner.windows import first_open_slot, is_workday, local_date, window_at
from cadence.services import (
    NextStep,
    enrollments_plan_now,
    log_undo_keep,
    prospect_replan,
    touch_log,
)
from cadence.services.events import lead_event_add
from cadence.services.queue import task_enqueue
from cadence.situation import rules_from_cadence
from crm.models import Contact, Prospect, User
from crm.validators import validate_single_line
from crm.zones import day_and_clock, zone
from mailroom.classify import refusal_kind
from mailroom.models import CAP_REACHED, Mailbox, OutboundEmail
from mailroom.oauth import RECONNECT_WAIT, OAuthProblem, ReconnectNeeded
from mailroom.transport import MailServerError, PermanentRefusal, explain, imap_session, smtp_send, smtp_session
from touches.data import TouchData
from touches.models import Channel, Outcome, Source, Touch

logger = logging.getLogger(__name__)
MAX_TRIES = 5
# A send that has said nothing for this long died with its worker: the sweep looks for it in the Sent folder.
SENDING_STALE_AFTER = dt.timedelta(minutes=10)
# A queued message whose task has not started by then is presumed lost (broker flushed, enqueue failed).
TASK_PRESUMED_LOST = dt.timedelta(minutes=1)
UNSUBSCRIBE_SALT = "mailroom.unsubscribe"


def sent_touch_id(outbound_id: uuid.UUID) -> uuid.UUID:
    """The touch a send logs, derived from the outbox row: a finished send logs it once, however often it runs."""
    return uuid.uuid5(outbound_id, "sent")


def email_queue(
    *,
    rep: User,
    follow_up: FollowUp,
    outbound_id: uuid.UUID,
    subject: str,
    body: str,
    now: dt.datetime,
) -> tuple[OutboundEmail, bool]:
    """Queue a follow-up's email (the send form's id is the row's id, so a second POST finds the first).

    Refused with a clear error: no mailbox, not this rep's follow-up, not an email, no address to write to, a
    stopped contact or lead, an empty subject or body. Returns (row, whether this call queued it).
    """
    existing = OutboundEmail.objects.filter(pk=outbound_id).first()
    if existing is not None:
        if existing.rep_id != rep.pk:
            raise ValidationError("This form was already used; reload the page.")
        return existing, False
    mailbox = Mailbox.objects.filter(user=rep).first()
    if mailbox is None:
        raise ValidationError("Connect your mailbox first (Settings, Mailbox).")
    if follow_up.rep_id != rep.pk or follow_up.status != FollowUp.Status.PLANNED:
        raise ValidationError("This follow-up is no longer yours to send.")
    if follow_up.channel != Channel.EMAIL:
        raise ValidationError("This follow-up is not an email.")
    contact = follow_up.contact
    refusal = _stopped(contact=contact, prospect=follow_up.prospect)
    if refusal or contact is None:
        raise ValidationError(refusal)
    subject, body = subject.strip(), body.strip()
    errors = {}
    if not subject:
        errors["subject"] = "Give the email a subject."
    elif len(subject) > 200:
        errors["subject"] = "Keep the subject under 200 characters."
    else:
        try:
            validate_single_line(subject)
        except ValidationError as exc:
            errors["subject"] = exc.messages[0]
    if not body:
        errors["body"] = "Write the email before sending it."
    elif len(body) > 10000:
        errors["body"] = "Keep the email under 10,000 characters."
    if errors:
        raise ValidationError(errors)
    problem = _unbuildable(mailbox=mailbox, rep=rep, contact=contact, subject=subject, body=body)
    if problem:
        raise ValidationError(problem)
    domain = mailbox.from_address.rpartition("@")[2] or "pursuit.invalid"
    try:
        with transaction.atomic():
            row = OutboundEmail.objects.create(
                id=outbound_id,
                mailbox=mailbox,
                rep=rep,
                prospect=follow_up.prospect,
                contact=contact,
                follow_up=follow_up,
                kind=follow_up.kind,
                theme=follow_up.theme,
                to_address=contact.email,
                subject=subject,
                body=body,
                message_id=f"<{outbound_id.hex}@{domain}>",
                queued_at=now,
            )
    except IntegrityError as exc:
        raise ValidationError("This follow-up's email is already on its way.") from exc
    # Said at once when it must wait (the contact's window is closed, the day's cap is reached), not "within a
    # minute": the row shows when it really goes.
    wait = _wait_for(row, now=now)
    if wait is not None:
        row.state, (row.not_before, row.wait_reason) = OutboundEmail.State.WAITING, wait
        row.save(update_fields=["state", "not_before", "wait_reason"])
    task_enqueue("mailroom.tasks.email_send", str(row.pk))
    return row, True


def outbox_cancel_for_follow_up(*, follow_up_id: int, why: str) -> OutboundEmail | None:
    """A follow-up answered by hand while its email waits to go: the email is not sent, and says why (the row and
    the lead's page show it). Returns the cancelled message, if there was one."""
    row = (
        OutboundEmail.objects.select_for_update(of=("self",))
        .filter(follow_up_id=follow_up_id, state__in=[OutboundEmail.State.QUEUED, OutboundEmail.State.WAITING])
        .first()
    )
    if row is None:
        return None
    _fail(row, why)
    return row


def _stopped(*, contact: Contact | None, prospect: Prospect) -> str:
    """Why this contact may not be written to now, or "" (checked when queued and again when sent)."""
    if contact is None or not contact.email:
        return "This follow-up has no contact with an email address."
    if prospect.status == Prospect.Status.DO_NOT_CONTACT or contact.do_not_contact:
        return f"Not sent: {contact.name} asked not to be contacted."
    if prospect.is_closed:
        return f"Not sent: {prospect.name} is {prospect.get_status_display().lower()}."
    if contact.email_bounced:
        return f"Not sent: {contact.email} bounced before."
    if contact.left_company or contact.wrong_person:
        return f"Not sent: {contact.name} is marked as {'gone' if contact.left_company else 'the wrong person'}."
    return ""


# An email whose mailbox must be connected again waits (saying RECONNECT_WAIT); it goes once the rep reconnects.
RECONNECT_RETRY = dt.timedelta(minutes=15)


def email_send(*, outbound_id: uuid.UUID, now: dt.datetime) -> str:
    """Send one queued message if its moment has come; what happened, in a word (for the task's log)."""
    with transaction.atomic():
        row = (
            OutboundEmail.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("mailbox", "contact", "prospect", "follow_up", "rep")
            .filter(pk=outbound_id)
            .first()
        )
        if row is None:
            return "busy or gone"
        if row.state not in (OutboundEmail.State.QUEUED, OutboundEmail.State.WAITING):
            return row.state
        if row.not_before and row.not_before > now:
            return "waiting"
        refusal = _stopped(contact=row.contact, prospect=row.prospect) or _answered(row)
        if refusal:
            _fail(row, refusal)
            return "stopped"
        wait = _wait_for(row, now=now)
        if wait is not None:
            row.state, (row.not_before, row.wait_reason) = OutboundEmail.State.WAITING, wait
            row.save(update_fields=["state", "not_before", "wait_reason"])
            return "waiting"
        problem = _unbuildable(
            mailbox=row.mailbox, rep=row.rep, contact=row.contact, subject=row.subject, body=row.body
        )
        if problem:
            # Never "Sent? Please confirm" for a message that could not even be written (queued through the API
            # before this check, or by an address changed since).
            _fail(row, problem)
            return "unbuildable"
        row.state, row.sending_at, row.tries, row.wait_reason = OutboundEmail.State.SENDING, now, row.tries + 1, ""
        row.save(update_fields=["state", "sending_at", "tries", "wait_reason"])
    message = email_message(row)
    try:
        _deliver(row, message)
    except PermanentRefusal as exc:
        _refused(row, said=str(exc), now=now)
        return "refused"
    except ReconnectNeeded:
        # Nothing left: the provider refused the grant. The message waits for the rep to connect again.
        OutboundEmail.objects.filter(pk=row.pk, state=OutboundEmail.State.SENDING).update(
            state=OutboundEmail.State.WAITING, not_before=now + RECONNECT_RETRY, wait_reason=RECONNECT_WAIT
        )
        return "waiting"
    except (MailServerError, OAuthProblem, OSError) as exc:
        _retry_later(row, error=str(exc) or exc.__class__.__name__, now=now)
        return "retry"
    _sent_copy_keep(row, message)
    email_mark_sent(outbound_id=row.pk, now=max(now, timezone.now()) if now.tzinfo else now)
    return "sent"


def _answered(row: OutboundEmail) -> str:
    # The cadence moved on (a reply, a call that connected, a re-plan): what was written for that moment is stale.
    if row.follow_up is None or row.follow_up.status != FollowUp.Status.PLANNED:
        return "Not sent: the lead moved on before it went out (a reply, a logged touch or a re-plan)."
    return ""


def _wait_for(row: OutboundEmail, *, now: dt.datetime) -> tuple[dt.datetime, str] | None:
    """(when, why) if the message must wait: the mailbox must be connected again, the contact's window is closed,
    or the mailbox's cap is reached."""
    if row.mailbox.reconnect_since is not None:
        return now + RECONNECT_RETRY, RECONNECT_WAIT
    rep_tz = zone(row.rep.timezone, fallback="UTC")
    rep_day = local_date(now, rep_tz)
    day_start = dt.datetime.combine(rep_day, dt.time(0), tzinfo=rep_tz)
    sent_today = OutboundEmail.objects.filter(
        mailbox_id=row.mailbox_id, state=OutboundEmail.State.SENT, sent_at__gte=day_start
    ).count()
    if sent_today >= row.mailbox.daily_cap:
        tomorrow = dt.datetime.combine(rep_day + dt.timedelta(days=1), dt.time(0), tzinfo=rep_tz)
        return tomorrow, f"{CAP_REACHED} ({row.mailbox.daily_cap}) is reached: it goes tomorrow."
    follow_up = row.follow_up
    if follow_up is None:
        return None  # nothing to wait for: _answered has already said the lead moved on
    enrollment = follow_up.enrollment
    rules = rules_from_cadence(enrollment.cadence)
    tz = zone(row.contact.timezone, fallback=row.prospect.timezone)
    days_off = holiday_calendar(country=row.prospect.country)
    if (
        is_workday(local_date(now, tz), rules=rules, days_off=days_off)
        and window_at(now, rules.windows, tz) is not None
    ):
        return None
    slot = first_open_slot(
        earliest=local_date(now, tz), order=range(len(rules.windows)), rules=rules, tz=tz, days_off=days_off, now=now
    )
    start = max(slot.start, now)
    return start, f"Waits for the contact's window: {day_and_clock(start, tz)} their time."


# Header lines up to RFC 5322's 998 characters, unfolded. At the default 78, the email package folds a long
# List-Unsubscribe by RFC 2047-encoding it, and mail clients (Gmail's and Yahoo's one-click unsubscribe among them)
# then find no <https://...> in it.
SENDING_POLICY = policy.default.clone(max_line_length=998)


def _unbuildable(*, mailbox: Mailbox, rep: User, contact, subject: str, body: str) -> str:
    """Why this email cannot be written as a message our SMTP server takes, or "": checked when it is composed, so
    the rep reads the reason on the form, and again before it goes."""
    address = contact.email if contact is not None else ""
    if not address.isascii():
        return f"{address} has letters outside ASCII: Pursuit cannot send to such an address yet. Ask for another one."
    draft = OutboundEmail(
        id=uuid.uuid4(), mailbox=mailbox, rep=rep, contact=contact, to_address=address, subject=subject, body=body,
        message_id="<check@pursuit.invalid>", queued_at=timezone.now(),
    )  # fmt: skip
    try:
        email_message(draft).as_bytes()
    except (ValueError, TypeError, UnicodeError, LookupError) as exc:
        return f"This email cannot be written as it is ({exc}): check the subject for line breaks."
    return ""


def email_message(row: OutboundEmail) -> EmailMessage:
    mailbox = row.mailbox
    message = EmailMessage(policy=SENDING_POLICY)
    message["From"] = formataddr((mailbox.from_name or str(row.rep), mailbox.from_address))
    message["To"] = formataddr((row.contact.name, row.to_address))
    message["Subject"] = row.subject
    message["Message-ID"] = row.message_id
    # Dated when it leaves, not when it was queued: one that waited for the contact's window would read as old.
    message["Date"] = format_datetime(row.sending_at or row.queued_at)
    token = signing.dumps(str(row.pk), salt=UNSUBSCRIBE_SALT)
    # RFC 2369 and RFC 8058: a mail client's "Unsubscribe" writes to the rep's own inbox (which Pursuit reads)
    # or posts to the one-click URL; either opts the contact out.
    message["List-Unsubscribe"] = (
        f"<mailto:{mailbox.from_address}?subject=unsubscribe>, <{settings.PUBLIC_BASE_URL}/u/{token}/>"
    )
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(row.body)
    return message


def _deliver(row: OutboundEmail, message: EmailMessage) -> None:
    if row.mailbox.transport == Mailbox.Transport.DJANGO:
        # The demo's mailboxes: Django's backend (console or files in development), never the network.
        django_message = DjangoEmailMessage(
            subject=row.subject,
            body=row.body,
            from_email=message["From"],
            to=[message["To"]],
            headers={key: message[key] for key in ("Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post")},
        )
        django_message.send()
        return
    with smtp_session(row.mailbox) as client:
        smtp_send(client, message)


def _sent_copy_keep(row: OutboundEmail, message: EmailMessage) -> None:
    """Append the message to the Sent folder (what a mail client does), where a recovering send looks for it.
    A failure here does not unsend anything: the row is marked sent all the same."""
    if not row.mailbox.listens:
        return
    try:
        with imap_session(row.mailbox) as imap:
            imap.append(row.mailbox.sent_folder, message.as_bytes(), flags=[b"\\Seen"])
    except Exception as exc:  # noqa: BLE001 - the message went; only the copy is missing
        logger.warning(
            "outbox %s: sent, but no copy in %s: %s", row.pk, row.mailbox.sent_folder, explain(exc, server="IMAP")
        )


def email_mark_sent(*, outbound_id: uuid.UUID, now: dt.datetime, by: User | None = None) -> OutboundEmail:
    """The server accepted it (or the rep confirms it went): the row is sent and its touch logged, once."""
    with transaction.atomic():
        row = (
            OutboundEmail.objects.select_for_update(of=("self",))
            .select_related("prospect", "contact")
            .get(pk=outbound_id)
        )
        if row.state == OutboundEmail.State.SENT:
            return row
        sent = TouchData(
            id=sent_touch_id(row.pk),
            prospect=row.prospect,
            contact=row.contact,
            channel=Channel.EMAIL,
            outcome=Outcome.SENT,
            kind=row.kind,
            theme=row.theme,
            note=f"{row.subject}\n\n{row.body}"[:5000],
            occurred_at=min(row.sending_at or now, now),
            message_id=row.message_id,
        )
        touch = touch_log(rep=row.rep, data=sent, now=now, source=Source.EMAIL).touch
        row.state, row.sent_at, row.touch, row.error = OutboundEmail.State.SENT, now, touch, ""
        row.save(update_fields=["state", "sent_at", "touch", "error"])
    return row


def _refused(row: OutboundEmail, *, said: str, now: dt.datetime) -> None:
    """A 5xx at send time is read as a bounce's diagnostic would be: an address that does not exist is flagged
    (the planner writes to the next contact), a refusal of our sending is said as such, not blamed on the contact."""
    kind = refusal_kind(said)
    if kind == "dead" and row.contact_id:
        flagged = Contact.objects.filter(pk=row.contact_id, email_bounced=False).update(
            email_bounced=True, updated_at=now
        )
        if flagged:
            prospect_replan(prospect_id=row.prospect_id, now=now)
        said = f"No such address: flagged, the next email goes to another contact. {said}"
    elif kind == "refused":
        said = f"Refused: a problem with our sending (mailbox, domain or reputation), not the address. {said}"
    _fail(row, said[:300])


def _fail(row: OutboundEmail, error: str) -> None:
    OutboundEmail.objects.filter(pk=row.pk).update(state=OutboundEmail.State.FAILED, error=error[:300])


def _retry_later(row: OutboundEmail, *, error: str, now: dt.datetime) -> None:
    if row.tries >= MAX_TRIES:
        _fail(row, f"Not sent after {row.tries} tries: {error}")
        return
    OutboundEmail.objects.filter(pk=row.pk, state=OutboundEmail.State.SENDING).update(
        state=OutboundEmail.State.QUEUED,
        not_before=now + dt.timedelta(minutes=2**row.tries),
        error=error[:300],
    )


def email_recover(*, outbound_id: uuid.UUID, now: dt.datetime) -> str:
    """A send that died mid-way: finished as sent if its Message-ID is in the Sent folder, else left to the rep."""
    row = (
        OutboundEmail.objects.select_related("mailbox")
        .filter(pk=outbound_id, state=OutboundEmail.State.SENDING)
        .first()
    )
    if row is None:
        return "gone"
    found = False
    if row.mailbox.listens:
        try:
            with imap_session(row.mailbox) as imap:
                imap.select_folder(row.mailbox.sent_folder, readonly=True)
                found = bool(imap.search(["HEADER", "Message-ID", row.message_id]))
        except Exception as exc:  # noqa: BLE001 - unreachable now: try again at the next sweep
            OutboundEmail.objects.filter(pk=row.pk).update(error=explain(exc, server="IMAP")[:300])
            return "later"
    if found:
        email_mark_sent(outbound_id=row.pk, now=now)
        return "sent"
    OutboundEmail.objects.filter(pk=row.pk, state=OutboundEmail.State.SENDING).update(
        state=OutboundEmail.State.UNSURE,
        error="Pursuit cannot tell whether this went out (the send was interrupted). Did it?",
    )
    return "unsure"


def email_resend(*, rep: User, outbound_id: uuid.UUID, now: dt.datetime) -> None:
    """The rep says an unsure or failed message did not go: queue it again (same Message-ID)."""
    updated = OutboundEmail.objects.filter(
        pk=outbound_id, rep=rep, state__in=[OutboundEmail.State.UNSURE, OutboundEmail.State.FAILED]
    ).update(state=OutboundEmail.State.QUEUED, not_before=None, error="", tries=0, queued_at=now)
    if updated:
        task_enqueue("mailroom.tasks.email_send", str(outbound_id))


def outbox_sweep(*, now: dt.datetime) -> dict[str, int]:
    """Start what is due (waits that ended, lost tasks) and recover sends that died: ids only, the tasks do it."""
    # Only what nobody is on: a wait (window, cap, retry) that ended, or a message queued a while ago whose task
    # was lost. A message queued a moment ago has its task on the way; sending it again would be repeated work.
    waited = Q(state__in=[OutboundEmail.State.QUEUED, OutboundEmail.State.WAITING], not_before__lte=now)
    lost = Q(state=OutboundEmail.State.QUEUED, not_before__isnull=True, queued_at__lt=now - TASK_PRESUMED_LOST)
    due = list(OutboundEmail.objects.filter(waited | lost).values_list("pk", flat=True)[:500])
    stale = list(
        OutboundEmail.objects.filter(
            state=OutboundEmail.State.SENDING, sending_at__lt=now - SENDING_STALE_AFTER
        ).values_list("pk", flat=True)[:100]
    )
    for pk in due:
        task_enqueue("mailroom.tasks.email_send", str(pk))
    for pk in stale:
        email_recover(outbound_id=pk, now=now)
    return {"due": len(due), "recovered": len(stale)}


def email_unsubscribe(*, outbound_id: str, now: dt.datetime) -> str | None:
    """The one-click link of a message we sent (RFC 8058): its contact is opted out, with everything that follows
    (touches.services.store: do-not-contact, the lead stopped). Once: a second click changes nothing. Returns the
    address, or None for a message that is gone."""
    try:
        key = uuid.UUID(str(outbound_id))
    except ValueError:
        return None
    row = OutboundEmail.objects.select_related("prospect", "contact", "rep").filter(pk=key).first()
    if row is None:
        return None
    # A ValidationError: clicked before, and the lead changed hands since; it is opted out already.
    with contextlib.suppress(ValidationError):
        _opt_out(row, now=now)
    return row.to_address


def _opt_out(row: OutboundEmail, *, now: dt.datetime) -> None:
    stop = TouchData(
        id=uuid.uuid5(row.pk, "unsubscribe"),
        prospect=row.prospect,
        contact=row.contact,
        channel=Channel.EMAIL,
        outcome=Outcome.OPTED_OUT,
        note=f"Unsubscribed with the link in “{row.subject}”.",
        occurred_at=now,
    )
    touch_log(rep=row.prospect.owner, data=stop, now=now, source=Source.EMAIL)


class FollowUpAlreadyAnswered(Exception):
    """The follow-up was answered by another request (the same key pressed in two tabs) before this one."""


@dataclass(frozen=True)
class Answer:
    """What the rep says happened on a planned follow-up."""

    label: str  # as the rep chose it, for the lead's history ("No answer", "Connected")
    channel: str
    outcome: str
    note: str = ""
    duration_seconds: int | None = None
    with_voicemail: bool = False  # "no answer, left voicemail": the call and the voicemail of one attempt
    next_step: NextStep | None = None  # agreed in a conversation


@dataclass(frozen=True)
class Answered:
    touches: list[Touch]  # the first answers the follow-up; the last is what was logged last
    email_cancelled_to: str  # the address of its queued email that is no longer sent, or ""


def follow_up_answer(
    *, follow_up: FollowUp, rep: User, touch_id: uuid.UUID, answer: Answer, now: dt.datetime
) -> Answered:
    """Log what happened on a planned follow-up, once: its touches (exactly once by `touch_id`), its queued email
    dropped with a word in the lead's history, and the lead planned again, all in one transaction, so the row can
    show what comes next and one commit makes all of it durable. A follow-up already answered (the same key
    pressed in two tabs: two form ids, so two touches) waits for the first, then raises FollowUpAlreadyAnswered."""
    with transaction.atomic():
        if not FollowUp.objects.select_for_update().filter(pk=follow_up.pk, status=FollowUp.Status.PLANNED):
            raise FollowUpAlreadyAnswered
        log_undo_keep(touch_id=touch_id, prospect_id=follow_up.prospect_id, contact_id=follow_up.contact_id, now=now)
        data = TouchData(
            id=touch_id,
            prospect=follow_up.prospect,
            contact=follow_up.contact,
            channel=answer.channel,
            outcome=answer.outcome,
            kind=follow_up.kind,
            theme=follow_up.theme,
            note=answer.note,
            duration_seconds=answer.duration_seconds,
            occurred_at=now,
        )
        touches = touch_log(
            rep=rep,
            data=data,
            now=now,
            next_step=answer.next_step,
            voicemail_note=answer.note if answer.with_voicemail else None,
        ).touches
        cancelled = _email_cancel_answered(follow_up=follow_up, rep=rep, label=answer.label, now=now)
        enrollments_plan_now(enrollment_ids=[follow_up.enrollment_id], now=now)
    return Answered(touches=touches, email_cancelled_to=cancelled)


def _email_cancel_answered(*, follow_up: FollowUp, rep: User, label: str, now: dt.datetime) -> str:
    """The follow-up is answered while its email waits to go out: the email is not sent, and the row, the toast and
    the lead's history say so (never silently). Returns who it was to, or ""."""
    if follow_up.channel != Channel.EMAIL:
        return ""
    row = outbox_cancel_for_follow_up(
        follow_up_id=follow_up.pk, why=f"Not sent: “{label}” was logged before it went out."
    )
    if row is None:
        return ""
    lead_event_add(
        prospect_id=follow_up.prospect_id,
        enrollment_id=follow_up.enrollment_id,
        actor=rep,
        now=now,
        kind=LeadEvent.Kind.EMAIL_CANCELLED,
        detail=f"“{row.subject}” to {row.to_address}: “{label}” was logged before it went out"[:300],
    )
    return row.to_address
