"""Reads for the mail pages, scoped by who asks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Count, Q

from crm.models import Prospect, User
from mailroom.models import CAP_REACHED, InboundEmail, Mailbox, OutboundEmail, UnreadableEmail

INBOUND_SHOWN = 20


def mailbox_for_user(*, user: User) -> Mailbox | None:
    return Mailbox.objects.filter(user=user).first()


def outbox_for_follow_up(*, follow_up_id: int) -> OutboundEmail | None:
    """The follow-up's latest message, whatever its state (a failed one shows its error until sent again)."""
    return OutboundEmail.objects.filter(follow_up_id=follow_up_id).order_by("-queued_at").first()


def outbox_get_for_rep(*, rep: User, outbound_id: uuid.UUID | str) -> OutboundEmail | None:
    return OutboundEmail.objects.filter(pk=outbound_id, rep=rep).first()


def inbound_for_prospect(*, prospect: Prospect) -> list[InboundEmail]:
    """What Pursuit read about this lead, newest first, without the raw messages (read one at a time)."""
    return list(
        InboundEmail.objects.filter(prospect=prospect)
        .defer("raw")
        .select_related("contact", "touch")
        .order_by("-received_at")[:INBOUND_SHOWN]
    )


def inbound_get_visible(*, prospects, inbound_id: int) -> InboundEmail | None:
    return InboundEmail.objects.filter(pk=inbound_id, prospect__in=prospects).defer("raw").first()


@dataclass(frozen=True)
class OutboxWaiting:
    """The rep's messages that wait to go out, and why: My day says it above the queue."""

    for_cap: int = 0  # the mailbox's daily cap is reached: they go tomorrow
    for_window: int = 0  # the contact's window is closed (or the mailbox must be connected again)
    cap: int = 0
    reconnect: str = ""  # why the mailbox must be connected again, or ""

    @property
    def total(self) -> int:
        return self.for_cap + self.for_window


def outbox_waiting_summary(*, rep: User) -> OutboxWaiting:
    """One query: the rep's mailbox, whether it must be connected again, and its waiting messages by why."""
    waiting = Q(outbox__state=OutboundEmail.State.WAITING)
    row = (
        Mailbox.objects.filter(user=rep)
        .annotate(
            waiting=Count("outbox", filter=waiting),
            for_cap=Count("outbox", filter=waiting & Q(outbox__wait_reason__startswith=CAP_REACHED)),
        )
        .values_list("daily_cap", "reconnect_reason", "reconnect_since", "waiting", "for_cap")
        .first()
    )
    if row is None:
        return OutboxWaiting()
    cap, reason, since, total, for_cap = row
    return OutboxWaiting(
        for_cap=for_cap,
        for_window=total - for_cap,
        cap=cap,
        reconnect=(reason or "Connect your mailbox again.") if since else "",
    )


# What a row of My day says of its email without being opened.
ROW_NOTES = {
    OutboundEmail.State.QUEUED: "Email queued: it goes out now",
    OutboundEmail.State.SENDING: "Email sending…",
    OutboundEmail.State.UNSURE: "Email sent? Open the row to say",
}


def outbox_notes_for_follow_ups(*, follow_up_ids: list[int]) -> dict[int, str]:
    """For each follow-up with a message on its way (or stuck), what its row says: "Email waits for the contact's
    window: Wed 2 Dec 08:00 their time", "Not sent: ...". One query for a page of rows."""
    if not follow_up_ids:
        return {}
    notes: dict[int, str] = {}
    rows = (
        OutboundEmail.objects.filter(follow_up_id__in=follow_up_ids)
        .exclude(state=OutboundEmail.State.SENT)
        .order_by("follow_up_id", "-queued_at")
        .values_list("follow_up_id", "state", "wait_reason", "error")
    )
    for follow_up_id, state, wait_reason, error in rows:
        if follow_up_id in notes:
            continue  # the latest message of the follow-up speaks for it
        if state == OutboundEmail.State.WAITING and wait_reason.startswith(CAP_REACHED):
            notes[follow_up_id] = f"Email waits: {wait_reason[0].lower()}{wait_reason[1:]}"
        elif state == OutboundEmail.State.WAITING:
            notes[follow_up_id] = f"Email {wait_reason[0].lower()}{wait_reason[1:]}" if wait_reason else "Email waits"
        elif state == OutboundEmail.State.FAILED:
            notes[follow_up_id] = error or "Email not sent"
        else:
            notes[follow_up_id] = ROW_NOTES.get(OutboundEmail.State(state), "")
    return notes


UNREADABLE_SHOWN = 10


def unreadable_for_mailbox(*, mailbox: Mailbox | None) -> list[UnreadableEmail]:
    """The latest messages of the mailbox that could not be read, without their raw bytes."""
    if mailbox is None:
        return []
    return list(UnreadableEmail.objects.filter(mailbox=mailbox).defer("raw")[:UNREADABLE_SHOWN])


TEAMMATES_SHOWN = 10


def inbound_for_teammates_leads(*, mailbox: Mailbox | None) -> list[InboundEmail]:
    """The latest messages read in this rep's inbox that belong to a teammate's lead (a contact of theirs wrote to
    this rep): the rep is told where they went."""
    if mailbox is None:
        return []
    return list(
        InboundEmail.objects.filter(mailbox=mailbox)
        .exclude(prospect__owner_id=mailbox.user_id)
        .exclude(prospect__owner__isnull=True)
        .select_related("prospect__owner", "contact")
        .defer("raw")[:TEAMMATES_SHOWN]
    )
