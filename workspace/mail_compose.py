"""The email editor a follow-up shows on My day and in focus mode, and the state of its message."""

from __future__ import annotations

from dataclasses import dataclass

from cadence.models import FollowUp
from crm.models import User
from mailroom.models import Mailbox, OutboundEmail
from mailroom.selectors import mailbox_for_user, outbox_for_follow_up
from touches.models import Channel
from workspace.mail_forms import EmailSendForm

STATE_TEXT = {
    OutboundEmail.State.QUEUED: "Queued: it goes out within a minute.",
    OutboundEmail.State.SENDING: "Sending…",
    OutboundEmail.State.SENT: "Sent.",
}


@dataclass
class Compose:
    mailbox: Mailbox | None
    outbox: OutboundEmail | None
    form: EmailSendForm | None

    @property
    def status(self) -> str:
        if self.outbox is None:
            return ""
        if self.outbox.state == OutboundEmail.State.WAITING:
            return self.outbox.wait_reason
        if self.outbox.state in (OutboundEmail.State.FAILED, OutboundEmail.State.UNSURE):
            return self.outbox.error
        return STATE_TEXT.get(self.outbox.state, "")


def email_compose(
    follow_up: FollowUp, *, user: User, subject: str | None, body: str | None, form: EmailSendForm | None = None
) -> Compose | None:
    """None unless this is an email follow-up the user can send from Pursuit (their own, with a mailbox and an
    address to write to); then the editor with the ready email, or the state of the message already queued."""
    if (
        follow_up.channel != Channel.EMAIL
        or follow_up.rep_id != user.pk
        or not (follow_up.contact and follow_up.contact.email)
    ):
        return None
    mailbox = mailbox_for_user(user=user)
    if mailbox is None:
        return Compose(mailbox=None, outbox=None, form=None)
    outbox = outbox_for_follow_up(follow_up_id=follow_up.pk)
    if outbox is not None and outbox.state == OutboundEmail.State.FAILED and form is None:
        # A failed message is shown with its error; the editor comes back with what was written.
        form = EmailSendForm(initial={"subject": outbox.subject, "body": outbox.body}, prefix_id=f"fu{follow_up.pk}")
    if form is None and (outbox is None or outbox.state == OutboundEmail.State.FAILED):
        form = EmailSendForm(initial={"subject": subject or "", "body": body or ""}, prefix_id=f"fu{follow_up.pk}")
    return Compose(mailbox=mailbox, outbox=outbox, form=form)
