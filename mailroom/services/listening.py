"""Reading a rep's INBOX: new messages since the last UID, matched to a lead, classified, and acted on.

Mail that matches none of the team's leads is never stored. A matched message is stored (raw, capped at RAW_MAX,
kept for RETENTION) with its verdict, its reason and what was done about it, so a rep can reclassify it.
"""

from __future__ import annotations

import datetime as dt
import email
import logging
import uuid
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Upper

from cadence.models import Enrollment
from cadence.planner.calendar import holiday_calendar
from cadence.planner.windows import next_workday
from cadence.selectors import enrollment_open_for_prospect
from cadence.services import (
    enrollment_pause,
    enrollment_resume,
    prospect_replan,
    touch_delete,
    touch_delivery_correct,
    touch_log,
)
from cadence.situation import rules_from_cadence
from crm.models import Contact, Prospect
from crm.validators import PLANNING_HORIZON
from crm.zones import zone
from mailroom.authentication import sender_verification
from mailroom.classify import Reading, Verdict, message_read, reference_ids, sender_address
from mailroom.models import InboundEmail, Mailbox, OutboundEmail, UnreadableEmail
from mailroom.transport import explain, imap_session
from touches.data import TouchData
from touches.models import Channel, Outcome, Source

logger = logging.getLogger(__name__)
RAW_MAX = 256 * 1024
# Enough to read any message's headers and text; a larger one is read up to here (its attachments are not needed).
FETCH_MAX = 1024 * 1024
RETENTION = dt.timedelta(days=90)
BATCH = 200
LEASE = dt.timedelta(minutes=5)
# An out-of-office that gives no return date: the cadence waits this many working days.
AWAY_DEFAULT_WORKDAYS = 3
# On the first read (or after the server renumbered the folder): how far back to look.
FIRST_READ_BACK = dt.timedelta(days=2)
INBOUND_NAMESPACE = uuid.UUID("5b0f3f0e-6b1e-4a55-9d0a-7f0e3c1d2a10")


@dataclass
class SyncReport:
    read: int = 0
    matched: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    error: str = ""
    unreadable: int = 0  # messages that could not be read, kept aside (UnreadableEmail) while the sync went on


def mailbox_sync(*, mailbox_id: int, now: dt.datetime) -> SyncReport:
    """Read what is new in one mailbox. Quiet when another sync holds it or it does not listen; a server
    failure is stored on the mailbox (shown to its rep) and never raised to the caller."""
    claimed = (
        Mailbox.objects.filter(pk=mailbox_id, transport=Mailbox.Transport.SMTP)
        .exclude(imap_host="")
        .filter(Q(sync_lease_until__isnull=True) | Q(sync_lease_until__lt=now))
        .update(sync_lease_until=now + LEASE)
    )
    report = SyncReport()
    if not claimed:
        return report
    mailbox = Mailbox.objects.select_related("user").get(pk=mailbox_id)
    try:
        _read(mailbox, report=report, now=now)
    except Exception as exc:  # noqa: BLE001 - one mailbox's failure is its own, shown on its page
        report.error = explain(exc, server="IMAP")
        Mailbox.objects.filter(pk=mailbox_id).update(sync_error=report.error[:300], sync_failed_at=now)
    else:
        Mailbox.objects.filter(pk=mailbox_id).update(sync_error="", sync_failed_at=None, synced_at=now)
    finally:
        Mailbox.objects.filter(pk=mailbox_id).update(sync_lease_until=None)
    return report


def _read(mailbox: Mailbox, *, report: SyncReport, now: dt.datetime) -> None:
    with imap_session(mailbox) as imap:
        folder = imap.select_folder(mailbox.imap_folder, readonly=True)
        uidvalidity = int(folder[b"UIDVALIDITY"])
        if mailbox.uidvalidity != uidvalidity:
            since = (mailbox.synced_at or mailbox.created_at) - FIRST_READ_BACK
            uids = imap.search(["SINCE", since.date()])
            Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=uidvalidity, last_uid=0)
            mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0
        else:
            # "n:*" always names the newest message, even when its UID is below n: keep only the new ones.
            uids = [uid for uid in imap.search(["UID", f"{mailbox.last_uid + 1}:*"]) if uid > mailbox.last_uid]
        for start in range(0, len(uids), BATCH):
            batch = sorted(uids[start : start + BATCH])
            fetched = imap.fetch(batch, [f"BODY.PEEK[]<0.{FETCH_MAX}>", "INTERNALDATE"])
            arrived = []
            for uid in batch:
                data = fetched.get(uid)
                if data is None:
                    continue
                raw = next((value for key, value in data.items() if key.startswith(b"BODY[")), b"")
                try:
                    arrived.append(_arrival(uid, raw, data.get(b"INTERNALDATE")))
                except Exception as exc:  # noqa: BLE001 - no message may stop a mailbox: kept aside, with why
                    _unreadable(mailbox, uidvalidity=uidvalidity, uid=uid, raw=raw, exc=exc, now=now)
                    report.unreadable += 1
            report.read += len(arrived)
            for verdict in inbound_take_batch(mailbox=mailbox, uidvalidity=uidvalidity, arrived=arrived, now=now):
                report.matched += 1
                report.verdicts[verdict] = report.verdicts.get(verdict, 0) + 1
            Mailbox.objects.filter(pk=mailbox.pk, last_uid__lt=batch[-1]).update(last_uid=batch[-1])
            mailbox.last_uid = max(mailbox.last_uid, batch[-1])


@dataclass(frozen=True)
class Arrival:
    """One fetched message, parsed and read (classify.py), before it is matched to a lead. Everything read from
    its headers is read here, once, so a header that cannot be read stops this message alone."""

    uid: int
    raw: bytes
    received: dt.datetime | None
    message: EmailMessage
    reading: Reading
    message_id: str
    references: tuple[str, ...] = ()
    sender: str = ""
    subject: str = ""


def _arrival(uid: int, raw: bytes, received: dt.datetime | None) -> Arrival:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    message_id = str(message.get("Message-ID", "")).strip()[:250]
    reading = message_read(message)
    return Arrival(
        uid,
        raw,
        received,
        message,
        reading,
        message_id,
        references=(*reference_ids(message), *reading.quoted_ids),
        sender=sender_address(message),
        subject=str(message.get("Subject", ""))[:300],
    )


def _unreadable(mailbox: Mailbox, *, uidvalidity: int, uid: int, raw: bytes, exc: Exception, now: dt.datetime) -> None:
    """Keep a message that could not be read aside, with why, for the mailbox page; the sync goes on."""
    logger.warning("mailbox %s: message uid %s could not be read: %r", mailbox.pk, uid, exc)
    UnreadableEmail.objects.get_or_create(
        mailbox=mailbox,
        uidvalidity=uidvalidity,
        uid=uid,
        defaults={"error": f"{type(exc).__name__}: {exc}"[:300], "raw": raw[:RAW_MAX], "created_at": now},
    )


def inbound_take_batch(*, mailbox: Mailbox, uidvalidity: int, arrived: list[Arrival], now: dt.datetime) -> list[str]:
    """A fetched batch: what was read before is skipped and the rest matched to leads in three queries whatever
    the batch's size (one query per message made reading 1,000 messages take seconds); then each matched message
    is stored and acted on in a transaction of its own. Returns the verdicts of the messages taken."""
    ids = [item.message_id for item in arrived if item.message_id]
    seen = set(
        InboundEmail.objects.filter(mailbox=mailbox, message_id__in=ids).values_list("message_id", flat=True)
        if ids
        else []
    )
    fresh = []
    for item in arrived:
        if item.message_id and item.message_id in seen:
            continue  # read before, or twice in this batch (a copy delivered again)
        seen.add(item.message_id)
        fresh.append(item)
    matches = _matches(mailbox, fresh)
    verdicts: list[str] = []
    for item in fresh:
        outbound, contact = matches.get(item.uid, (None, None))
        if contact is None:
            continue
        try:
            taken = _take(mailbox, item, uidvalidity=uidvalidity, outbound=outbound, contact=contact, now=now)
        except Exception as exc:  # noqa: BLE001 - acting on one message failed: kept aside, the others go on
            _unreadable(mailbox, uidvalidity=uidvalidity, uid=item.uid, raw=item.raw, exc=exc, now=now)
            continue
        if taken:
            verdicts.append(item.reading.verdict)
    return verdicts


def _take(
    mailbox: Mailbox,
    item: Arrival,
    *,
    uidvalidity: int,
    outbound: OutboundEmail | None,
    contact: Contact,
    now: dt.datetime,
) -> bool:
    """One matched message, classified, stored and acted on in one transaction; False if it was read before."""
    reading = item.reading
    received_at = min(_aware(item.received) or now, now)
    if outbound is not None and outbound.sent_at is not None:
        # INTERNALDATE has whole seconds: an answer read in the second its message went must still come after it.
        received_at = max(received_at, outbound.sent_at)
    try:
        with transaction.atomic():
            inbound = InboundEmail.objects.create(
                mailbox=mailbox,
                uidvalidity=uidvalidity,
                uid=item.uid,
                message_id=item.message_id,
                prospect_id=contact.prospect_id,
                contact=contact,
                in_reply_to=outbound,
                from_address=item.sender[:254],
                subject=item.subject,
                received_at=received_at,
                verdict=reading.verdict,
                reason=reading.reason[:300],
                raw=item.raw[:RAW_MAX],
                raw_truncated=len(item.raw) > RAW_MAX,
                created_at=now,
            )
            unverified = _unverified_stop(item, outbound=outbound)
            if unverified:
                inbound.awaiting_confirmation = True
                inbound.reason = f"{reading.reason} Not acted on: {unverified}."[:300]
                inbound.save(update_fields=["awaiting_confirmation", "reason"])
            else:
                _apply(inbound, reading=reading, contact=contact, now=now)
    except IntegrityError:
        return False  # read before (a sync that died after storing it, before moving last_uid)
    return True


# What a stranger could forge to harm a lead: stop it, opt it out, flag its address.
STOPPING = (Verdict.UNSUBSCRIBE, Verdict.COMPLAINT, Verdict.BOUNCE)


def _unverified_stop(item: Arrival, *, outbound: OutboundEmail | None) -> str:
    """Why a stop or a bounce may not be acted on by itself, or "": one that answers (or returns) one of our
    messages is trusted; one that does not is trusted only when the receiving server verified its sender."""
    if item.reading.verdict not in STOPPING or outbound is not None:
        return ""
    verification = sender_verification(item.message)
    if verification.verified:
        return ""
    return f"it answers none of our emails and its sender is not verified ({verification.said}); confirm it if real"


def inbound_confirm(*, inbound: InboundEmail, now: dt.datetime) -> InboundEmail:
    """The rep says a stop or a bounce kept for confirmation is real: it is acted on now."""
    with transaction.atomic():
        inbound = (
            InboundEmail.objects.select_for_update(of=("self",))
            .select_related("mailbox__user", "contact__prospect")
            .get(pk=inbound.pk)
        )
        if not inbound.awaiting_confirmation or inbound.contact is None:
            return inbound
        message = email.message_from_bytes(bytes(inbound.raw), policy=policy.default)
        inbound.awaiting_confirmation = False
        inbound.reason = f"{inbound.reason.partition(' Not acted on:')[0]} Confirmed by the rep."[:300]
        inbound.save(update_fields=["awaiting_confirmation", "reason"])
        _apply(inbound, reading=message_read(message), contact=inbound.contact, now=now)  # type: ignore[arg-type]
    return inbound


def _matches(mailbox: Mailbox, arrived: list[Arrival]) -> dict[int, tuple[OutboundEmail | None, Contact]]:
    """Each message's lead, by uid: by the Message-IDs it answers or quotes (ours), else by its sender (or, for a
    bounce, the failed recipients) among the team's contacts, the rep's own lead first, then an open one, then the
    most recently active."""
    references = {item.uid: list(item.references) for item in arrived}
    wanted = {message_id for ids in references.values() for message_id in ids}
    ours: dict[str, OutboundEmail] = {}
    if wanted:
        for sent in OutboundEmail.objects.filter(mailbox=mailbox, message_id__in=wanted).select_related(
            "contact__prospect"
        ):
            ours.setdefault(sent.message_id, sent)
    found: dict[int, tuple[OutboundEmail | None, Contact]] = {}
    by_address: dict[int, list[str]] = {}
    for item in arrived:
        outbound = next((ours[i] for i in references[item.uid] if i in ours), None)
        if outbound is not None and outbound.contact is not None:
            found[item.uid] = (outbound, outbound.contact)
            continue
        reading = item.reading
        # A report names the recipient it is about; its sender is a mail system or a provider.
        reports = (Verdict.BOUNCE, Verdict.DELAY, Verdict.REFUSED, Verdict.COMPLAINT)
        addresses = list(reading.failed) if reading.verdict in reports else [item.sender]
        by_address[item.uid] = [address.upper() for address in addresses if address]
    team_id = mailbox.user.team_id
    everyone = {address for addresses in by_address.values() for address in addresses}
    if not everyone or team_id is None:
        return found
    candidates: dict[str, list[Contact]] = {}
    # `upper(email)` is what email__iexact compares, and what contact_email_upper_idx holds.
    for contact in (
        Contact.objects.annotate(address=Upper("email"))
        .filter(address__in=everyone, prospect__team_id=team_id)
        .select_related("prospect")
    ):
        candidates.setdefault(contact.address, []).append(contact)

    def preference(contact: Contact) -> tuple[int, int, float]:
        prospect = contact.prospect
        return (
            0 if prospect.owner_id == mailbox.user_id else 1,
            1 if prospect.status in Prospect.CLOSED_STATUSES else 0,
            -prospect.updated_at.timestamp(),
        )

    for uid, addresses in by_address.items():
        choices = [contact for address in addresses for contact in candidates.get(address, [])]
        if choices:
            found[uid] = (None, min(choices, key=preference))
    return found


def _apply(
    inbound: InboundEmail, *, reading: Reading, contact: Contact, now: dt.datetime, touch_id: uuid.UUID | None = None
) -> None:
    """What the verdict does to the lead, recorded on the inbound row so a reclassification can undo it."""
    rep = inbound.mailbox.user
    verdict = Verdict(inbound.verdict)
    owner = contact.prospect.owner
    # A teammate's contact wrote to this rep: logged on the owner's lead, saying whose inbox it reached.
    where = f"[Reached {rep}'s inbox, not {owner}'s.] " if owner is not None and owner.pk != rep.pk else ""
    if verdict in (Verdict.REPLY, Verdict.UNSUBSCRIBE, Verdict.COMPLAINT):
        outcome = Outcome.REPLIED if verdict == Verdict.REPLY else Outcome.OPTED_OUT
        said = reading.text if verdict == Verdict.REPLY else f"Asked to stop by email: {inbound.reason}"
        note = f"{where}{said}"[:2000]
        read = TouchData(
            id=touch_id or uuid.uuid5(INBOUND_NAMESPACE, f"{inbound.mailbox_id}:{inbound.uidvalidity}:{inbound.uid}"),
            prospect=contact.prospect,
            contact=contact,
            channel=Channel.EMAIL,
            outcome=outcome,
            note=note,
            occurred_at=inbound.received_at,
            message_id=inbound.message_id,
        )
        owner_or_rep = contact.prospect.owner if contact.prospect.owner_id else rep
        inbound.touch = touch_log(rep=owner_or_rep, data=read, now=now, source=Source.EMAIL).touch
    elif verdict == Verdict.OUT_OF_OFFICE:
        enrollment = enrollment_open_for_prospect(prospect_id=contact.prospect_id)
        if enrollment is not None:
            until = _pause_until(enrollment, contact=contact, back_on=reading.back_on, now=now)
            enrollment_pause(enrollment=enrollment, now=now, until=until, note=f"{contact.name}: {inbound.reason}")
            inbound.paused_until = until
    elif verdict == Verdict.BOUNCE:
        bounced = Contact.objects.filter(pk=contact.pk, email_bounced=False).update(email_bounced=True, updated_at=now)
        if bounced:
            inbound.flagged_contact = contact
            prospect_replan(prospect_id=contact.prospect_id, now=now)
        if inbound.in_reply_to is not None and inbound.in_reply_to.touch_id is not None:
            # The email it returns no longer reads as sent in the lead's history.
            touch_delivery_correct(touch_id=inbound.in_reply_to.touch_id, bounced=True, now=now)
    inbound.save(update_fields=["touch", "paused_until", "flagged_contact"])


def _pause_until(enrollment: Enrollment, *, contact: Contact, back_on: dt.date | None, now: dt.datetime) -> dt.datetime:
    """The start of the contact's first working day after they are back (or a few working days from now)."""
    rules = rules_from_cadence(enrollment.cadence)
    tz = zone(contact.timezone, fallback=contact.prospect.timezone)
    days_off = holiday_calendar(country=contact.prospect.country)
    today = now.astimezone(tz).date()
    if back_on is not None and today < back_on <= today + PLANNING_HORIZON - dt.timedelta(days=14):
        day = next_workday(back_on + dt.timedelta(days=1), rules=rules, days_off=days_off)
    else:
        day = today
        for _ in range(AWAY_DEFAULT_WORKDAYS):
            day = next_workday(day + dt.timedelta(days=1), rules=rules, days_off=days_off)
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz)


def inbound_reclassify(*, inbound: InboundEmail, verdict: str, now: dt.datetime) -> InboundEmail:
    """A rep says what a message really was: the first verdict's effects are undone, the new one's applied.

    An opt-out stays final (README, "What counts"): an unsubscribe cannot be reclassified here; a manager lifts
    the do-not-contact with a reason.
    """
    new = Verdict(verdict)
    if inbound.verdict == new:
        return inbound
    if inbound.verdict in (Verdict.UNSUBSCRIBE, Verdict.COMPLAINT):
        raise ValidationError("An opt-out is final; a manager can lift the do-not-contact with a reason.")
    with transaction.atomic():
        inbound = (
            InboundEmail.objects.select_for_update(of=("self",))
            .select_related("mailbox__user", "contact__prospect")
            .get(pk=inbound.pk)
        )
        if inbound.touch is not None:
            touch_delete(touch=inbound.touch, now=now)
        if inbound.paused_until:
            enrollment = Enrollment.objects.filter(
                prospect_id=inbound.prospect_id, status=Enrollment.Status.PAUSED
            ).first()
            if enrollment is not None:
                enrollment_resume(enrollment=enrollment, now=now)
        if inbound.flagged_contact_id:
            Contact.objects.filter(pk=inbound.flagged_contact_id).update(email_bounced=False, updated_at=now)
            prospect_replan(prospect_id=inbound.prospect_id, now=now)
        if inbound.verdict == Verdict.BOUNCE and inbound.in_reply_to is not None and inbound.in_reply_to.touch_id:
            touch_delivery_correct(touch_id=inbound.in_reply_to.touch_id, bounced=False, now=now)
        inbound.touch, inbound.paused_until, inbound.flagged_contact = None, None, None
        inbound.awaiting_confirmation = False
        message = email.message_from_bytes(bytes(inbound.raw), policy=policy.default)
        reading = message_read(message)
        inbound.verdict = new
        inbound.reason = (
            f"Reclassified by the rep as {InboundEmail.Verdict(new).label.lower()} (was: {inbound.reason})"[:300]
        )
        inbound.save(update_fields=["verdict", "reason", "awaiting_confirmation"])
        if inbound.contact is not None:
            # A touch id of its own: the first verdict's touch stays in the history, deleted.
            _apply(inbound, reading=reading, contact=inbound.contact, now=now, touch_id=uuid.uuid4())
    return inbound


def inbound_prune(*, now: dt.datetime) -> int:
    """Raw messages past their retention are dropped; the verdict, its reason and its effects stay. Messages that
    could not be read are dropped whole: there is nothing else to keep of them."""
    dropped, _ = UnreadableEmail.objects.filter(created_at__lt=now - RETENTION).delete()
    return dropped + InboundEmail.objects.filter(received_at__lt=now - RETENTION).exclude(raw=b"").update(raw=b"")


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    # imapclient gives INTERNALDATE as a naive local time unless told otherwise; the server's own offset is lost.
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
