"""Reminders sent to reps. Called from a task, outside any transaction: the follow-ups were claimed before."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

from cadence.models import FollowUp
from crm.models import User


def rep_reminder_send(*, rep_id: int, follow_up_ids: list[int]) -> int:
    rep = User.objects.filter(pk=rep_id, is_active=True).first()
    if rep is None or not rep.email:
        return 0
    follow_ups = list(
        FollowUp.objects.filter(pk__in=follow_up_ids, status=FollowUp.Status.PLANNED)
        .select_related("prospect", "contact")
        .order_by("due_start")
    )
    if not follow_ups:
        return 0
    lines = [
        f"- {f.prospect.name}{f' ({f.contact.name})' if f.contact else ''}: {f.get_channel_display()}, {f.reason}"
        for f in follow_ups
    ]
    count = len(follow_ups)
    send_mail(
        subject=f"Pursuit: {count} follow-up{'s' if count != 1 else ''} due now",
        message="Due now:\n" + "\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[rep.email],
    )
    return count
