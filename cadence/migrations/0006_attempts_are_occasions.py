"""One attempt is one occasion: follow-ups are numbered (attempt, step), and planning failures are set aside.

Until now every touch counted as an attempt, so a call and the voicemail left on it were attempts 3 and 4, and the
demo's My day could read "Attempt 11 of 8". From here the call, its voicemail and the same-day email to the same
contact are one attempt (steps 0, 1 and 2), as the planner counts them (cadence/planner/history.py).

The data migration renumbers what exists, enrollment by enrollment:
1. The enrollment's touches of its round (since `started_at`, not deleted) are grouped into attempts exactly as
   the planner groups them: same contact, same local date on the contact's clock, no conversation in between.
   The grouping is copied here, frozen, so later planner changes cannot change what this migration did.
2. A done follow-up takes the (attempt, step) of the touch that answered it.
3. Planned follow-ups are renumbered after the last attempt and their enrollment is marked for re-planning, so the
   next sweep rewrites them with the planner's own numbers and reasons.
4. Cancelled follow-ups, and done ones whose touch was deleted, are dropped: nothing reads them, and their old
   numbers would collide with the new ones.
Cadences below the new floor of five minimum attempts are raised to it.
"""

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import migrations, models

BATCH = 1000
REAL_CHANNELS = {"call", "voicemail", "email", "in_person"}
ENGAGED = {"connected", "replied", "meeting_booked"}
SAME_MOMENT = {"call": 0, "voicemail": 1, "email": 2, "in_person": 3, "other": 4}


def _zone(key, fallback):
    for candidate in (key, fallback):
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def _numbers(touches, zones, default_zone):
    """touch id -> (attempt, step) for one enrollment's touches, as the planner groups them."""
    numbers, attempt, step, day, person, closed = {}, 0, 0, None, None, True
    for touch_id, occurred_at, channel, outcome, contact_id in sorted(
        touches, key=lambda t: (t[1], SAME_MOMENT.get(t[2], 5))
    ):
        if channel not in REAL_CHANNELS:
            if outcome in ENGAGED:
                closed = True
            continue
        local_day = occurred_at.astimezone(zones.get(contact_id) or default_zone).date()
        same_person = contact_id is None or person is None or person == contact_id
        if not closed and local_day == day and same_person:
            step += 1
            person = person or contact_id
        else:
            attempt, step, day, person = attempt + 1, 0, local_day, contact_id
        numbers[touch_id] = (attempt, step)
        closed = outcome in ENGAGED
    return numbers


def renumber(apps, schema_editor):
    Enrollment = apps.get_model("cadence", "Enrollment")
    FollowUp = apps.get_model("cadence", "FollowUp")
    Touch = apps.get_model("touches", "Touch")
    Contact = apps.get_model("crm", "Contact")
    # An hour back, so the first sweep takes them as lost plans at once (STALE_PLAN_AFTER is 30 seconds).
    now = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    ids = list(Enrollment.objects.filter(follow_ups__isnull=False).distinct().values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        batch = list(
            Enrollment.objects.filter(pk__in=ids[start : start + BATCH]).select_related("prospect", "cadence")
        )
        touches = defaultdict(list)
        for row in (
            Touch.objects.filter(deleted_at__isnull=True, prospect_id__in=[e.prospect_id for e in batch])
            .values_list("prospect_id", "id", "occurred_at", "channel", "outcome", "contact_id")
            .iterator()
        ):
            touches[row[0]].append(row[1:])
        zones = {
            pk: tz
            for pk, tz in Contact.objects.filter(prospect_id__in=[e.prospect_id for e in batch]).values_list(
                "pk", "timezone"
            )
        }
        follow_ups = defaultdict(list)
        for follow_up in FollowUp.objects.filter(enrollment__in=batch).order_by("attempt", "pk"):
            follow_ups[follow_up.enrollment_id].append(follow_up)
        drop, keep, replan = [], [], []
        for enrollment in batch:
            default_zone = _zone(enrollment.prospect.timezone, "UTC")
            contact_zones = {pk: _zone(tz, enrollment.prospect.timezone) for pk, tz in zones.items()}
            mine = [t for t in touches[enrollment.prospect_id] if t[1] >= enrollment.started_at]
            numbers = _numbers(mine, contact_zones, default_zone)
            planned_total = enrollment.cadence.max_touches + enrollment.extra_touches
            made = max((n for n, _ in numbers.values()), default=0)
            for follow_up in follow_ups[enrollment.pk]:
                if follow_up.status == "done" and follow_up.touch_id in numbers:
                    follow_up.attempt, follow_up.step = numbers[follow_up.touch_id]
                elif follow_up.status == "planned":
                    follow_up.attempt, follow_up.step = made + 1, 0
                    replan.append(enrollment.pk)
                else:
                    drop.append(follow_up.pk)
                    continue
                follow_up.attempt_of = max(planned_total, follow_up.attempt)
                keep.append(follow_up)
        FollowUp.objects.filter(pk__in=drop).delete()
        FollowUp.objects.bulk_update(keep, ["attempt", "step", "attempt_of"], batch_size=BATCH)
        Enrollment.objects.filter(pk__in=replan).update(replan_requested_at=now)
    # Every open lead's reason still says "Attempt k of N" the old way: the next sweep re-plans them all.
    Enrollment.objects.filter(status__in=["active", "engaged", "paused"]).update(replan_requested_at=now)
    # Check the deferred foreign keys now: PostgreSQL refuses the ALTER TABLEs below while their checks are pending.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def raise_minimums(apps, schema_editor):
    Cadence = apps.get_model("cadence", "Cadence")
    Cadence.objects.filter(min_touches__lt=5).update(min_touches=5)
    Cadence.objects.filter(max_touches__lt=5).update(max_touches=5)
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("cadence", "0005_enrollment_last_touch_and_stalled_indexes"),
        ("crm", "0004_user_calendar_token_hash"),
        ("touches", "0004_touch_rep_stats_callee_time"),
    ]

    operations = [
        migrations.AddField(
            model_name="followup",
            name="step",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="followup",
            name="attempt_of",
            field=models.PositiveSmallIntegerField(null=True),
        ),
        migrations.RemoveConstraint(model_name="followup", name="one_follow_up_per_attempt"),
        migrations.RunPython(renumber, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="followup",
            name="attempt_of",
            field=models.PositiveSmallIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="followup",
            constraint=models.UniqueConstraint(
                fields=("enrollment", "attempt", "step"), name="one_follow_up_per_attempt_step"
            ),
        ),
        migrations.AddConstraint(
            model_name="followup",
            constraint=models.CheckConstraint(
                condition=models.Q(("attempt__lte", models.F("attempt_of"))), name="follow_up_attempt_within_plan"
            ),
        ),
        migrations.RunPython(raise_minimums, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="cadence",
            constraint=models.CheckConstraint(
                condition=models.Q(("min_touches__gte", 5)), name="cadence_min_attempts_at_least_five"
            ),
        ),
        migrations.AddField(
            model_name="enrollment",
            name="plan_error",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="enrollment",
            name="plan_failures",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name="enrollment",
            index=models.Index(
                condition=models.Q(("plan_failures__gt", 0)), fields=["owner"], name="enrollment_plan_failed_idx"
            ),
        ),
        migrations.AlterField(
            model_name="leadevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("enrolled", "Enrolled"),
                    ("paused", "Paused"),
                    ("resumed", "Resumed"),
                    ("snoozed", "Snoozed"),
                    ("next_step", "Next step set"),
                    ("extended", "Cadence extended"),
                    ("reassigned", "Reassigned"),
                    ("reassign_blocked", "Could not reassign"),
                    ("gave_up", "Gave up"),
                    ("stopped", "Stopped"),
                    ("reopened", "Reopened"),
                    ("dnc_lifted", "Do not contact lifted"),
                ],
                max_length=20,
            ),
        ),
    ]
