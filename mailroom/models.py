from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from crm.validators import validate_single_line


def validate_mail_host(value: str) -> None:
    """A host name or an address, nothing else (no spaces, no line breaks, no URL)."""
    if value and not re.fullmatch(r"[A-Za-z0-9._\-]+|\[?[0-9A-Fa-f:.]+\]?", value):
        raise ValidationError("Give the server's name (mail.example.com) or its address, nothing else.")


class Mailbox(models.Model):
    """A rep's own mailbox: Pursuit sends through its SMTP server and reads its INBOX.

    The passwords are stored encrypted (mailroom.secrets, Fernet with keys from the environment) and never
    leave this model in clear except to log in. `transport = django` is the demo's: mail goes to Django's
    EMAIL_BACKEND (console or files) and nothing is read back.
    """

    class Security(models.TextChoices):
        STARTTLS = "starttls", "STARTTLS"
        TLS = "tls", "TLS (implicit)"
        NONE = "none", "None (local test servers only)"

    class Transport(models.TextChoices):
        SMTP = "smtp", "The rep's SMTP server"
        DJANGO = "django", "Django's mail backend (demo)"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mailbox")
    transport = models.CharField(max_length=6, choices=Transport.choices, default=Transport.SMTP)
    from_address = models.EmailField()
    from_name = models.CharField(max_length=100, blank=True, validators=[validate_single_line])
    smtp_host = models.CharField(max_length=255, blank=True, validators=[validate_mail_host])
    smtp_port = models.PositiveIntegerField(default=587, validators=[MinValueValidator(1), MaxValueValidator(65535)])
    smtp_security = models.CharField(max_length=8, choices=Security.choices, default=Security.STARTTLS)
    # One line: a line break in a user name would reach the server as a second command.
    smtp_username = models.CharField(max_length=255, blank=True, validators=[validate_single_line])
    smtp_password_encrypted = models.BinaryField(blank=True, default=b"", editable=False)
    imap_host = models.CharField(max_length=255, blank=True, validators=[validate_mail_host])
    imap_port = models.PositiveIntegerField(default=993, validators=[MinValueValidator(1), MaxValueValidator(65535)])
    imap_security = models.CharField(max_length=8, choices=Security.choices, default=Security.TLS)
    # One line: a line break in a user name would reach the server as a second command.
    imap_username = models.CharField(max_length=255, blank=True, validators=[validate_single_line])
    imap_password_encrypted = models.BinaryField(blank=True, default=b"", editable=False)
    # Connected by OAuth (Google, Microsoft): no password; IMAP and SMTP log in with an access token (XOAUTH2),
    # refreshed with the refresh token before it runs out. Both tokens are encrypted like the passwords.
    oauth_provider = models.CharField(max_length=20, blank=True, editable=False)
    oauth_refresh_encrypted = models.BinaryField(blank=True, default=b"", editable=False)
    oauth_access_encrypted = models.BinaryField(blank=True, default=b"", editable=False)
    oauth_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The provider refused the grant (revoked, expired, password changed): nothing is sent or read until the rep
    # connects again; queued emails wait and say why.
    reconnect_since = models.DateTimeField(null=True, blank=True, editable=False)
    reconnect_reason = models.CharField(max_length=300, blank=True, editable=False)
    # "Save and test" runs in a worker (a test can wait 15 s per server): the page polls for these.
    check_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    check_finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    check_results = models.JSONField(default=list, blank=True, editable=False)
    imap_folder = models.CharField(max_length=200, default="INBOX", validators=[validate_single_line])
    sent_folder = models.CharField(max_length=200, default="Sent", validators=[validate_single_line])
    daily_cap = models.PositiveIntegerField(default=200, validators=[MinValueValidator(1), MaxValueValidator(2000)])
    # Incremental reading: the folder's UIDVALIDITY and the last UID read. A new UIDVALIDITY means the server
    # renumbered the folder; reading starts over from the messages of the last days, deduplicated by Message-ID.
    uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    synced_at = models.DateTimeField(null=True, blank=True, editable=False)
    sync_error = models.CharField(max_length=300, blank=True, editable=False)
    sync_failed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # One reader at a time, without holding a transaction open over the network (PgBouncer-friendly): a sync
    # claims the mailbox until then, and a crashed one's claim simply runs out.
    sync_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return self.from_address

    @property
    def listens(self) -> bool:
        return self.transport == self.Transport.SMTP and bool(self.imap_host)


# How a wait for the mailbox's daily cap begins (My day sums these waits up: mailroom.selectors).
CAP_REACHED = "Your mailbox's daily cap"


class OutboundEmail(models.Model):
    """One message in the outbox, from "Send" to the SMTP server's acceptance.

    Its id is the send form's id (a second POST finds it) and its Message-ID is fixed when it is queued, so a
    retry after a crash can look for it in the Sent folder before sending again (mailroom.services.outbox).
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        WAITING = "waiting", "Waiting"  # for the contact's window or tomorrow's cap; `not_before` says when
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # A worker died after handing the message to the server, and the Sent folder does not show it: only the
        # rep can say whether it went (sending it blindly could send it twice).
        UNSURE = "unsure", "Sent? Please confirm"

    OPEN_STATES = (State.QUEUED, State.WAITING, State.SENDING, State.UNSURE)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="outbox")
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prospect = models.ForeignKey("crm.Prospect", on_delete=models.CASCADE, related_name="outbound_emails")
    contact = models.ForeignKey("crm.Contact", on_delete=models.CASCADE, related_name="outbound_emails")
    follow_up = models.ForeignKey(
        "cadence.FollowUp", null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound_emails"
    )
    kind = models.CharField(max_length=30, default="regular")
    theme = models.CharField(max_length=20, default="none")
    to_address = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField(max_length=10000)
    message_id = models.CharField(max_length=250, unique=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    not_before = models.DateTimeField(null=True, blank=True)
    wait_reason = models.CharField(max_length=200, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    touch = models.OneToOneField(
        "touches.Touch", null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound_email"
    )
    queued_at = models.DateTimeField()
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at"]
        constraints = [
            # One message per planned follow-up on its way: a second "Send" of the same follow-up is refused.
            models.UniqueConstraint(
                fields=["follow_up"],
                condition=Q(state__in=["queued", "waiting", "sending", "sent", "unsure"]),
                name="one_email_per_follow_up",
            ),
        ]
        indexes = [
            models.Index(
                fields=["state", "not_before"], condition=Q(state__in=["queued", "waiting"]), name="outbox_due_idx"
            ),
            models.Index(fields=["mailbox", "sent_at"], condition=Q(state="sent"), name="outbox_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} -> {self.to_address} ({self.state})"


class InboundEmail(models.Model):
    """A message read from a rep's INBOX that belongs to one of the team's leads, with what Pursuit made of it.

    Mail that matches no lead is never stored. The raw message is kept (capped at RAW_MAX bytes) for
    RETENTION (mailroom.services.listening) so a rep can read it and reclassify it.
    """

    class Verdict(models.TextChoices):
        REPLY = "reply", "Reply"
        AUTO_REPLY = "auto_reply", "Automatic reply"
        OUT_OF_OFFICE = "out_of_office", "Out of office"
        BOUNCE = "bounce", "Bounce (permanent)"
        DELAY = "delay", "Delivery delayed (temporary)"
        UNSUBSCRIBE = "unsubscribe", "Unsubscribe"
        COMPLAINT = "complaint", "Marked as spam (an opt-out)"
        REFUSED = "refused", "Refused: a problem with our sending"

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="inbound")
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    message_id = models.CharField(max_length=250, blank=True)
    prospect = models.ForeignKey("crm.Prospect", on_delete=models.CASCADE, related_name="inbound_emails")
    contact = models.ForeignKey("crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    in_reply_to = models.ForeignKey(
        OutboundEmail, null=True, blank=True, on_delete=models.SET_NULL, related_name="answers"
    )
    from_address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField()
    verdict = models.CharField(max_length=14, choices=Verdict.choices)
    reason = models.CharField(max_length=300)
    # What the verdict did, so a reclassification can undo it: the touch logged, the pause set, the flag raised.
    touch = models.ForeignKey("touches.Touch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    paused_until = models.DateTimeField(null=True, blank=True)
    flagged_contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raw = models.BinaryField()
    raw_truncated = models.BooleanField(default=False)
    # A stop or a bounce that answers none of our messages and whose sender the receiving server did not verify:
    # kept for the rep to confirm, not acted on (anyone can write a contact's address in From).
    awaiting_confirmation = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "uidvalidity", "uid"], name="inbound_once_per_uid"),
        ]
        indexes = [
            models.Index(fields=["prospect", "-received_at"], name="inbound_timeline_idx"),
            models.Index(fields=["mailbox", "message_id"], name="inbound_message_id_idx"),
            models.Index(fields=["created_at"], name="inbound_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()}: {self.subject}"


class UnreadableEmail(models.Model):
    """A message of a rep's INBOX that could not be read (its parsing or classifying failed): kept with the error,
    shown on the mailbox page, and passed over, so one odd message never stops a mailbox. Pruned with the raw mail."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="unreadable")
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    error = models.CharField(max_length=300)
    raw = models.BinaryField()
    received_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "uidvalidity", "uid"], name="unreadable_email_once"),
        ]

    def __str__(self) -> str:
        return f"unreadable uid {self.uid} of mailbox {self.mailbox_id}"
