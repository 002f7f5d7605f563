"""What the API itself must remember: idempotency keys, and the touch changes log behind the changes feed."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class IdempotencyKey(models.Model):
    """One POST a client may retry with the same `Idempotency-Key` header; its stored response is replayed."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # sha256 of method, path with query string, and body: the same key with another request is refused.
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField()
    # When the current attempt claimed the key; an attempt whose process died is taken over after a while.
    claimed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_created_idx")]

    def __str__(self) -> str:
        return f"{self.key} ({self.get_status_display()})"


class TouchChange(models.Model):
    """One write to a touch, recorded by a database trigger in the writing transaction (see 0002 and 0004).

    `xid` is the writing transaction's id. The feed only hands out rows whose transaction is older than every
    transaction still running, so a change that commits late can never fall behind a cursor already handed out.
    `owner_id` and `team_id` are the prospect's when the row was written: a user's feed reads only their rows,
    by index range. A prospect that changes owner or team has its touches logged again under the new ones.
    There is deliberately no foreign key: a tombstone outlives its touch, its prospect and their owner.
    """

    class Op(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        DELETED = "deleted", "Deleted"

    id = models.BigAutoField(primary_key=True)
    touch_id = models.UUIDField()
    prospect_id = models.BigIntegerField()
    # Null only when the prospect was already gone (or not there yet) in the writing transaction.
    owner_id = models.BigIntegerField(null=True)
    team_id = models.BigIntegerField(null=True)
    op = models.CharField(max_length=8, choices=Op.choices)
    xid = models.BigIntegerField()
    changed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["xid", "id"], name="touch_change_order_idx"),
            models.Index(fields=["prospect_id", "xid", "id"], name="touch_change_prospect_idx"),
            models.Index(fields=["owner_id", "xid", "id"], name="touch_change_owner_idx"),
            models.Index(fields=["team_id", "xid", "id"], name="touch_change_team_idx"),
            models.Index(fields=["changed_at"], name="touch_change_changed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.op} {self.touch_id} (xid {self.xid})"


class TouchChangeHorizon(models.Model):
    """A single row: the newest position ever pruned from the log. A cursor behind it may have missed changes."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    xid = models.BigIntegerField(default=0)
    change_id = models.BigIntegerField(default=0)
    pruned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"pruned up to ({self.xid}, {self.change_id})"
