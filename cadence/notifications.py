"""Reminders sent to reps. Called from a task, outside any transaction: the follow-ups were claimed before."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from cadence.models import FollowUp, InboundLead, LeadEvent
from crm.models import User
from crm.zones import zone


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


def inbound_alert_send(*, inbound_id: int, what: str) -> int:
    """Tell people about an inbound lead: its rep when it arrives ("new") or comes to them ("rerouted"), and the
    team's managers when it was not tried in time ("rerouted", "stuck"). Returns the emails sent."""
    lead = InboundLead.objects.filter(pk=inbound_id).select_related("prospect", "owner", "team").first()
    if lead is None:
        return 0
    prospect, owner = lead.prospect, lead.owner
    link = settings.PUBLIC_BASE_URL + reverse("prospect_detail", args=[prospect.pk])
    arrived = lead.arrived_at.astimezone(zone(owner.timezone, fallback="UTC"))
    said = f"{prospect.name} asked for us at {arrived:%H:%M} your time ({lead.get_via_display().lower()})."
    sent = 0
    if what in ("new", "rerouted") and owner.email and lead.first_attempt_at is None:
        due = lead.sla_due_at.astimezone(zone(owner.timezone, fallback="UTC")) if lead.sla_due_at else None
        by = f" Call by {due:%H:%M} your time, or it goes to the next rep." if due else ""
        body = f"{said}\n{lead.placed_by}.{by}\n\n{lead.message}\n\n{link}".replace("\n\n\n\n", "\n\n")
        send_mail(
            subject=f"New inbound lead: {prospect.name}, call now",
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[owner.email],
        )
        sent += 1
    if what in ("rerouted", "stuck"):
        managers = [m.email for m in lead.team.managers.filter(is_active=True) if m.email]
        event = lead.prospect.events.filter(kind=LeadEvent.Kind.SLA_MISSED).order_by("-created_at").first()
        if managers and event is not None:
            send_mail(
                subject=f"Inbound lead not tried in time: {prospect.name}",
                message=f"{event.detail}.\n\n{link}",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=managers,
            )
            sent += 1
    return sent
