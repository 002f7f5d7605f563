from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest

from touches.models import Channel, Kind, Theme

# Seed 001: most reps give up after one or two tries, while many buyers answer between the 5th and the 10th; the studies
# in docs/field-reports.md say at least six attempts. No cadence may plan to stop before the fifth.
MIN_ATTEMPTS_FLOOR = 5
MIN_ATTEMPTS_WHY = (
    "At least 5: most buyers who answer do so between the 5th and the 10th attempt, and most reps stop after one "
    "or two."
)


# Where calls may go on the contact's clock (47 CFR 64.1200(c)(1)): no window of a cadence outside them.
CALLING_FROM, CALLING_UNTIL = dt.time(8), dt.time(21)


def default_gaps() -> list[int]:
    return [2]  # every other day


def default_windows() -> list[list[str]]:
    # Four local windows, so consecutive calls land at a different time of day (docs/field-reports.md §2).
    return [["08:00", "09:00"], ["11:00", "12:00"], ["13:30", "14:30"], ["16:00", "17:00"]]


def default_weekdays() -> list[int]:
    return [0, 1, 2, 3, 4]


class Cadence(models.Model):
    class OnFinish(models.TextChoices):
        GIVE_UP = "give_up", "Give up (dormant)"
        REASSIGN = "reassign", "Reassign to another rep"

    team = models.ForeignKey("crm.Team", on_delete=models.CASCADE, related_name="cadences")
    name = models.CharField(max_length=100)
    is_default = models.BooleanField(default=False)
    is_high_value = models.BooleanField(default=False, help_text="Used for prospects above the team's threshold.")
    gaps_days = ArrayField(models.PositiveSmallIntegerField(), default=default_gaps)
    windows = models.JSONField(default=default_windows)
    working_weekdays = ArrayField(models.PositiveSmallIntegerField(), default=default_weekdays)
    voicemail_after_no_answer = models.BooleanField(default=True)
    email_after_voicemail = models.BooleanField(default=False)
    min_touches = models.PositiveSmallIntegerField(default=5)
    max_touches = models.PositiveSmallIntegerField(default=8)
    pleasantly_persistent = models.BooleanField(default=False)
    pleasantly_persistent_action = models.CharField(max_length=100, default="stop by", blank=True)
    pleasantly_persistent_channel = models.CharField(
        max_length=20,
        choices=[(Channel.IN_PERSON, "In person"), (Channel.CALL, "Call"), (Channel.EMAIL, "Email")],
        default=Channel.IN_PERSON,
    )
    breakup_wait_days = models.PositiveSmallIntegerField(default=5)
    on_finish = models.CharField(max_length=10, choices=OnFinish.choices, default=OnFinish.GIVE_UP)
    recycle_after_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # A retired cadence takes no new leads; the leads already in it finish it.
    is_retired = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="cadence_name_unique_per_team"),
            models.UniqueConstraint(fields=["team"], condition=Q(is_default=True), name="one_default_cadence_per_team"),
            models.UniqueConstraint(
                fields=["team"], condition=Q(is_high_value=True), name="one_high_value_cadence_per_team"
            ),
            models.CheckConstraint(condition=Q(min_touches__lte=F("max_touches")), name="cadence_min_not_above_max"),
            models.CheckConstraint(condition=Q(max_touches__gte=1), name="cadence_max_at_least_one"),
            models.CheckConstraint(
                condition=Q(min_touches__gte=MIN_ATTEMPTS_FLOOR), name="cadence_min_attempts_at_least_five"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Rules a manager types in the admin must make sense before the planner ever reads them."""
        errors: dict[str, str] = {}
        if not self.gaps_days or any(gap < 1 for gap in self.gaps_days):
            errors["gaps_days"] = "Give at least one gap, each of one day or more (e.g. 2 for every other day)."
        if not self.working_weekdays or any(day > 6 for day in self.working_weekdays):
            errors["working_weekdays"] = "Use weekday numbers 0 (Monday) to 6 (Sunday), at least one."
        window_error = _windows_error(self.windows)
        if window_error:
            errors["windows"] = window_error
        for window in self.windows if isinstance(self.windows, list) else []:
            try:
                start, end = (dt.time.fromisoformat(value) for value in window)
            except (TypeError, ValueError):
                break
            if start < CALLING_FROM or end > CALLING_UNTIL:
                errors.setdefault(
                    "windows",
                    f"The window {window[0]}-{window[1]} is outside 08:00-21:00 on the contact's clock: US telephone "
                    "solicitation rules forbid calls before 8 am or after 9 pm at the called party's location.",
                )
        if self.is_default and self.is_retired:
            errors["is_default"] = "A retired cadence cannot be the team's default."
        if self.on_finish == self.OnFinish.GIVE_UP and self.recycle_after_days == 0:
            errors["recycle_after_days"] = "Recycle after at least one day, or leave it blank to give up for good."
        if self.min_touches is not None and self.min_touches < MIN_ATTEMPTS_FLOOR:
            errors["min_touches"] = MIN_ATTEMPTS_WHY
        elif self.min_touches is not None and self.max_touches is not None and self.max_touches < self.min_touches:
            errors["max_touches"] = "The maximum cannot be below the minimum number of attempts."
        if errors:
            raise ValidationError(errors)


def _windows_error(windows: object) -> str | None:
    example = 'e.g. [["08:00", "09:00"], ["16:00", "17:00"]]'
    if not isinstance(windows, list) or not windows:
        return f"Give the call windows as a list of [start, end] local times, {example}."
    parsed = []
    for window in windows:
        try:
            start, end = (dt.time.fromisoformat(value) for value in window)
        except (TypeError, ValueError):
            return f"{window!r} is not a [start, end] pair of HH:MM times, {example}."
        if start >= end:
            return f"The window {window[0]}-{window[1]} must end after it starts."
        parsed.append((start, end))
    parsed.sort()
    for (_, earlier_end), (later_start, _) in zip(parsed, parsed[1:], strict=False):
        if later_start < earlier_end:
            return "Call windows must not overlap: each attempt goes in a different window."
    return None


class Enrollment(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENGAGED = "engaged", "Engaged"
        PAUSED = "paused", "Paused"
        STOPPED = "stopped", "Stopped"
        GAVE_UP = "gave_up", "Gave up"
        REASSIGNED = "reassigned", "Reassigned"

    OPEN_STATUSES = (Status.ACTIVE, Status.ENGAGED, Status.PAUSED)

    prospect = models.ForeignKey("crm.Prospect", on_delete=models.CASCADE, related_name="enrollments")
    cadence = models.ForeignKey(Cadence, on_delete=models.PROTECT, related_name="enrollments")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    # When the cadence may make its first attempt: now, or a later working day for a paced new lead
    # (cadence.services.pacing).
    started_at = models.DateTimeField()
    # Which touches this round counts: those from this moment on. Null counts every touch of the prospect, as in its
    # first round; a later round (a hand-over, a recycle, a re-enrollment) counts from its own start. Pacing never
    # moves it: a rep may call a paced lead before its day, and that call is attempt 1.
    counts_from = models.DateTimeField(null=True, blank=True)
    # What earlier rounds tried, said on this round's plan ("Attempt 1 of 8 for you · 9 before, by Lee").
    earlier_attempts = models.PositiveIntegerField(default=0)
    earlier_by = models.CharField(max_length=200, blank=True)
    # The sweep's work list: due follow-ups and enrollments whose planning is stale. Both are indexed on open rows
    # only, so a sweep costs what is due, not what is stored.
    next_due_at = models.DateTimeField(null=True, blank=True)
    replan_requested_at = models.DateTimeField(null=True, blank=True)
    planned_at = models.DateTimeField(null=True, blank=True)
    last_action = models.CharField(max_length=20, blank=True)
    last_reason = models.CharField(max_length=300, blank=True)
    paused_until = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    next_step = models.CharField(max_length=200, blank=True)
    next_step_due_at = models.DateTimeField(null=True, blank=True)
    needs_contact = models.BooleanField(default=False)
    snooze_count = models.PositiveIntegerField(default=0)
    # A manager may give a promising lead more attempts than its cadence allows.
    extra_touches = models.PositiveSmallIntegerField(default=0)
    gave_up_early = models.BooleanField(default=False)
    # A new inbound lead waiting for its first attempt since this moment (cadence.services.inbound): the planner
    # plans that attempt now, within the contact's calling hours, instead of at a rotation window.
    inbound_at = models.DateTimeField(null=True, blank=True)
    # Held or covered because its rep is away (see crm.Absence); cleared when they are back.
    absence = models.ForeignKey("crm.Absence", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Planning this enrollment failed (bad data, a bug): it is set aside with the error, retried later with a
    # growing delay, and listed on its manager's dashboard; the rest of the sweep goes on.
    plan_error = models.CharField(max_length=300, blank=True)
    plan_failures = models.PositiveSmallIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    # The prospect's newest touch that is not deleted, kept by database triggers (migration 0005) on every write
    # path: the manager dashboard finds leads nobody has touched for days through an index, not by reading
    # every touch of the team.
    last_touch_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The prospect's team and estimated value, copied by database triggers (migration 0013) whenever the enrollment
    # is created or the prospect's team or value changes, on every write path: the manager dashboard scopes,
    # filters and orders its stalled leads by them without reading a prospect row per lead.
    prospect_team_id = models.BigIntegerField(null=True, blank=True, editable=False)
    prospect_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prospect"],
                condition=Q(status__in=["active", "engaged", "paused"]),
                name="one_open_enrollment_per_prospect",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_due_at"],
                condition=Q(status__in=["active", "engaged", "paused"]),
                name="enrollment_due_idx",
            ),
            models.Index(
                fields=["replan_requested_at"],
                condition=Q(replan_requested_at__isnull=False),
                name="enrollment_replan_idx",
            ),
            models.Index(fields=["owner", "status"]),
            # The manager dashboard's stalled leads, each reason behind an index range per rep, so the list costs
            # what is stalled, not the size of the team (dashboard/stalled.py).
            # "No recent touch" counts from the later of the last touch and the start (a re-enrolled lead is not
            # idle for its old touches): the index orders by that, so the range holds only the idle leads.
            models.Index(
                F("owner"),
                Greatest("last_touch_at", "started_at"),
                condition=Q(status__in=["active", "engaged"]),
                name="enrollment_idle_since_idx",
            ),
            # Each index holds what is stalled or will be once a time passes, so no lead is read that is not
            # stalled: an engaged lead with its next step ahead is in none of them.
            models.Index(
                fields=["owner"],
                condition=Q(status__in=["active", "engaged", "paused"])
                & (
                    Q(last_action="reassign_blocked")
                    | Q(snooze_count__gte=3)
                    | Q(status="engaged", next_step_due_at__isnull=True)
                ),
                name="enrollment_stuck_idx",
            ),
            models.Index(
                fields=["owner", "next_step_due_at"],
                condition=Q(status__in=["active", "engaged", "paused"], next_step_due_at__isnull=False),
                name="enrollment_next_step_idx",
            ),
            models.Index(
                fields=["owner", "next_due_at"],
                condition=Q(status__in=["active", "engaged", "paused"], last_action="wait"),
                name="enrollment_wait_idx",
            ),
            models.Index(
                fields=["owner", "ended_at"],
                condition=Q(status="gave_up", gave_up_early=True),
                name="enrollment_gave_up_early_idx",
            ),
            # The dashboard's give-ups of a period, per rep: a range of the period's give-ups, read from the
            # index alone, where (owner, status) read every give-up the rep ever made.
            models.Index(
                fields=["owner", "ended_at"],
                include=["gave_up_early"],
                condition=Q(status="gave_up"),
                name="enrollment_gave_up_idx",
            ),
            models.Index(fields=["owner"], condition=Q(plan_failures__gt=0), name="enrollment_plan_failed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.prospect} in {self.cadence} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class FollowUp(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="follow_ups")
    # Denormalised from the enrollment so a rep's day is one index scan.
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="follow_ups")
    prospect = models.ForeignKey("crm.Prospect", on_delete=models.CASCADE, related_name="follow_ups")
    contact = models.ForeignKey("crm.Contact", null=True, blank=True, on_delete=models.SET_NULL)
    # One attempt is one occasion: the call, the voicemail left on it and the same-day email share its number, as
    # steps 0, 1 and 2. `attempt_of` is how many attempts the cadence plans for this lead, never below `attempt`.
    attempt = models.PositiveSmallIntegerField()
    step = models.PositiveSmallIntegerField(default=0)
    attempt_of = models.PositiveSmallIntegerField()
    due_start = models.DateTimeField()
    due_end = models.DateTimeField()
    channel = models.CharField(max_length=20, choices=Channel.choices)
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.REGULAR)
    theme = models.CharField(max_length=20, choices=Theme.choices, default=Theme.NONE)
    reason = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    overdue_since = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    snooze_count = models.PositiveSmallIntegerField(default=0)
    snooze_reason = models.CharField(max_length=200, blank=True)
    is_next_step = models.BooleanField(default=False)
    # The first attempt at a new inbound lead: My day's first group.
    is_inbound = models.BooleanField(default=False, db_default=False)
    touch = models.OneToOneField(
        "touches.Touch", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_up"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_start"]
        constraints = [
            # Two sweeps, a replayed task or a killed worker can never plan the same step of an attempt twice.
            models.UniqueConstraint(fields=["enrollment", "attempt", "step"], name="one_follow_up_per_attempt_step"),
            models.CheckConstraint(condition=Q(attempt__lte=F("attempt_of")), name="follow_up_attempt_within_plan"),
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=Q(status="planned"),
                name="one_planned_follow_up_per_enrollment",
            ),
            models.CheckConstraint(condition=Q(due_end__gt=F("due_start")), name="follow_up_window_not_empty"),
        ]
        indexes = [
            # The overdue counts (dashboard, stalled list) read only these columns: an index-only range per rep.
            # PostgreSQL judges `due_start < now` from the whole table (mostly done, past follow-ups), so without
            # the included columns it preferred scanning every planned follow-up through the unique index.
            models.Index(
                fields=["rep", "due_start"],
                # My day ranks the rep's week from this index alone (index-only, the id included): 5 ms -> 2 ms.
                include=["due_end", "overdue_since", "enrollment", "attempt", "channel", "id", "is_inbound"],
                condition=Q(status="planned"),
                name="follow_up_queue_idx",
            ),
            models.Index(
                fields=["due_start"],
                condition=Q(status="planned", reminded_at__isnull=True),
                name="follow_up_remind_idx",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"#{self.attempt}.{self.step} {self.get_channel_display()} for {self.prospect_id} "
            f"at {self.due_start:%Y-%m-%d %H:%M}"
        )


class CadenceChange(models.Model):
    """Who changed a cadence, when, what, and how many open leads it affected (they pick it up at their re-plan)."""

    cadence = models.ForeignKey(Cadence, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField()
    summary = models.CharField(max_length=500)
    open_leads = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.cadence}: {self.summary}"


class RoutingRule(models.Model):
    """One of a team's inbound routing rules, tried in order (cadence.routing): a lead matching every condition
    given goes to the rule's reps, by weighted round robin. A condition left empty matches every lead."""

    team = models.ForeignKey("crm.Team", on_delete=models.CASCADE, related_name="routing_rules")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=100)
    countries = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    # States, provinces or regions as written on leads ("BY", "Bavaria"), compared without case.
    regions = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    timezones = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    min_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    languages = ArrayField(models.CharField(max_length=8), default=list, blank=True)
    reps = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="routing_rules")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True) | Q(min_value__lte=F("max_value")),
                name="routing_rule_value_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class InboundLead(models.Model):
    """A lead that asked for us (a demo request, a contact form): when it arrived, who it was given to and why, and
    whether its first attempt came within the team's limit. Its SLA deadline is swept (cadence.tasks)."""

    class Via(models.TextChoices):
        API = "api", "API"
        FORM = "form", "Web form"
        WEBHOOK = "webhook", "Form tool webhook"
        APP = "app", "Added in Pursuit"

    prospect = models.OneToOneField("crm.Prospect", on_delete=models.CASCADE, related_name="inbound")
    team = models.ForeignKey("crm.Team", on_delete=models.CASCADE, related_name="+", db_index=False)
    via = models.CharField(max_length=10, choices=Via.choices)
    arrived_at = models.DateTimeField()
    # Who has it now and the rule that placed it there, in words a rep reads ("Territory: DACH").
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_by = models.CharField(max_length=200)
    # The reps it went to before, in order: a re-route never gives it back to one of them.
    tried_rep_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    # When the current owner must have tried it by (their working hours); null once tried or when nobody is left.
    sla_due_at = models.DateTimeField(null=True, blank=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    first_attempt_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The message the form carried ("We need 40 trucks a week from Hamburg"), shown on the lead.
    message = models.TextField(blank=True, max_length=5000)
    # A form tool's message id (the webhook's `webhook-id`): a delivery retried by the tool makes no second lead.
    external_id = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "external_id"], condition=~Q(external_id=""), name="inbound_external_id_once"
            ),
        ]
        indexes = [
            models.Index(fields=["sla_due_at"], condition=Q(sla_due_at__isnull=False), name="inbound_sla_due_idx"),
            models.Index(fields=["team", "arrived_at"], name="inbound_team_arrived_idx"),
            models.Index(
                fields=["owner"], condition=Q(first_attempt_at__isnull=True), name="inbound_waiting_owner_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prospect} ({self.get_via_display()}, {self.arrived_at:%Y-%m-%d %H:%M})"


class LeadEvent(models.Model):
    """What happened to a lead besides its touches: who enrolled, paused, handed over or gave up on it, and why."""

    class Kind(models.TextChoices):
        ENROLLED = "enrolled", "Enrolled"
        PAUSED = "paused", "Paused"
        RESUMED = "resumed", "Resumed"
        SNOOZED = "snoozed", "Snoozed"
        NEXT_STEP = "next_step", "Next step set"
        EXTENDED = "extended", "Cadence extended"
        REASSIGNED = "reassigned", "Reassigned"
        REASSIGN_BLOCKED = "reassign_blocked", "Could not reassign"
        GAVE_UP = "gave_up", "Gave up"
        STOPPED = "stopped", "Stopped"
        REOPENED = "reopened", "Reopened"
        DO_NOT_CONTACT_LIFTED = "dnc_lifted", "Do not contact lifted"
        HELD = "held", "Held while the rep is away"
        COVERED = "covered", "Covered while the rep is away"
        BACK = "back", "Rep back"
        UNDONE = "undone", "Log undone"
        EMAIL_CANCELLED = "email_cancelled", "Queued email not sent"
        INBOUND = "inbound", "Arrived as inbound"
        SLA_MISSED = "sla_missed", "Not tried in time"

    prospect = models.ForeignKey("crm.Prospect", on_delete=models.CASCADE, related_name="events")
    enrollment = models.ForeignKey(Enrollment, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    # None when the scheduler acted on its own.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="lead_events"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["prospect", "-created_at"], name="lead_event_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.detail}"


class LogUndo(models.Model):
    """What a log from My day or focus mode changed besides its touches, as it was before, kept for the undo window:
    undoing the log puts it back (cadence.services.touches_undo), not only the touches. Pruned hourly."""

    touch_id = models.UUIDField(primary_key=True)  # the log's first touch, the one its undo names
    prospect = models.ForeignKey("crm.Prospect", on_delete=models.CASCADE, related_name="+")
    prospect_status = models.CharField(max_length=20)
    enrollment = models.ForeignKey(Enrollment, null=True, on_delete=models.CASCADE, related_name="+")
    next_step = models.CharField(max_length=200, blank=True)
    next_step_due_at = models.DateTimeField(null=True)
    contact = models.ForeignKey("crm.Contact", null=True, on_delete=models.CASCADE, related_name="+")
    contact_flags = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="log_undo_created_idx")]

    def __str__(self) -> str:
        return f"undo of {self.touch_id}"
