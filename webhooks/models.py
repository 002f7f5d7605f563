"""Webhooks out: the URLs a team (or the operator, for every team) subscribes to Pursuit's events, and each event's
delivery to each of them.

Deliveries are written by database triggers in the transaction of the change they announce (migration 0002): an
outbox, so a rolled-back write sends nothing and a committed one is never lost. Their ids come from one sequence
while the lead's row is locked, so a lead's deliveries are numbered in the order their transactions commit.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

EVENT_TYPES = (
    ("touch.logged", "A touch was logged"),
    ("lead.created", "A lead was created"),
    ("lead.engaged", "A lead engaged (a conversation, a next step)"),
    ("lead.handed_over", "A lead was handed to another rep"),
    ("lead.stopped", "A lead stopped: opted out, not interested, lost"),
    ("meeting.booked", "A meeting was booked"),
    ("enrollment.finished", "A cadence ended for a lead"),
    ("mailbox.needs_reconnect", "A rep's mailbox needs connecting again"),
)


class Endpoint(models.Model):
    # Null: the operator's, for every team.
    team = models.ForeignKey("crm.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    # The event types it receives; empty: all of them.
    events = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    is_active = models.BooleanField(default=True)
    # The signing secret derives from SECRET_KEY and this salt (webhooks.signing), so it is never stored. A new
    # secret keeps the old one signing too until `previous_until`: receivers switch without missing a delivery.
    secret_salt = models.CharField(max_length=64)
    previous_salt = models.CharField(max_length=64, blank=True)
    previous_until = models.DateTimeField(null=True, blank=True)
    # A receiver failing every try since this moment (cleared by a success): shown on the setup page.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["team"], condition=Q(is_active=True), name="webhook_endpoint_active_idx")]

    def __str__(self) -> str:
        return self.url


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up after a day"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The Standard Webhooks message id ("webhook-id"): the same on every try, so a receiver can drop repeats.
    msg_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(max_length=40)
    # The lead it is about, which orders its deliveries; null for a mailbox's.
    prospect_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField()
    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # Claimed by a worker until then: a worker killed mid-delivery leaves it to be tried again after.
    leased_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_due_idx"),
            models.Index(
                fields=["endpoint", "prospect_id", "id"],
                condition=Q(status="pending"),
                name="webhook_delivery_lead_idx",
            ),
            models.Index(fields=["endpoint", "-id"], name="webhook_delivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.msg_id} → {self.endpoint_id} ({self.status})"
