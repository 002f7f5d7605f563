"""Reps away and reps gone: an absent rep's leads are held or covered as the team chose, and a deactivated rep's
leads are handed over. Every lead is told in its history."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from cadence.models import Enrollment, LeadEvent
from cadence.services.enrolling import enrollment_request_plan
from cadence.services.events import lead_event_add
from cadence.services.leads import handover_work, prospect_reassign
from cadence.services.pacing import NewWork
from crm.models import Absence, Prospect, Team, User
from crm.selectors import reps_taking_leads
from crm.zones import zone

OPEN = Enrollment.OPEN_STATUSES


def _today(user: User, now: dt.datetime) -> dt.date:
    return now.astimezone(zone(user.timezone, fallback="UTC")).date()


def _first_day_back(absence: Absence) -> dt.datetime:
    """Midnight after the absence, on the rep's clock: from then on the cadence resumes as usual (the planner puts
    the next attempt on the lead's first working day and window)."""
    tz = zone(absence.user.timezone, fallback="UTC")
    return dt.datetime.combine(absence.ends_on + dt.timedelta(days=1), dt.time(0), tzinfo=tz)


def absences_apply(*, now: dt.datetime) -> list[int]:
    """The sweep's absence step: start the absences whose first day has come, end those whose last day is over.

    1. Starting: the rep is marked away until the last day (no hand-overs or new leads go to them), and each of
       their open leads is held (paused until their first day back: nothing turns overdue) or, if the team
       covers, given for the duration to the least-loaded available teammate. Nobody to cover: held.
    2. Ending: held leads that are still paused for this absence resume; covered ones go back to their owner.
    Returns the enrollments it changed, for the sweep to plan at once.
    """
    changed: list[int] = []
    with transaction.atomic():
        starting = (
            Absence.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(applied_at__isnull=True, ended_at__isnull=True, starts_on__lte=now.date() + dt.timedelta(days=1))
            .select_related("user__team")
        )
        for absence in starting:
            if absence.starts_on <= _today(absence.user, now):
                changed += _absence_start(absence, now=now)
    with transaction.atomic():
        ending = (
            Absence.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(applied_at__isnull=False, ended_at__isnull=True, ends_on__lt=now.date() + dt.timedelta(days=1))
            .select_related("user__team")
        )
        for absence in ending:
            if absence.ends_on < _today(absence.user, now):
                changed += absence_end(absence=absence, now=now)
    return changed


def _absence_start(absence: Absence, *, now: dt.datetime) -> list[int]:
    rep = absence.user
    User.objects.filter(pk=rep.pk).update(away_until=absence.ends_on)
    team: Team | None = rep.team
    back = _first_day_back(absence)
    until = f"until {absence.ends_on:%a} {absence.ends_on.day} {absence.ends_on:%b}"
    # The leads due soonest are covered first: if the team has no room for all of them today, the rest are held.
    enrollments = list(
        Enrollment.objects.filter(owner=rep, status__in=OPEN).select_related("prospect").order_by("next_due_at", "pk")
    )
    cover = team is not None and team.absence_coverage == Team.Coverage.COVER
    work = None
    if cover and team is not None:
        reps = reps_taking_leads(team=team, on=absence.starts_on).exclude(pk=rep.pk)
        work = NewWork(team=team, reps=list(reps), now=now)
    for enrollment in enrollments:
        taken = work.take(today_only=True) if work is not None else None
        coverer = taken[0] if taken is not None else None
        if coverer is not None:
            Enrollment.objects.filter(pk=enrollment.pk).update(owner=coverer, absence=absence)
            Prospect.objects.filter(pk=enrollment.prospect_id).update(covered_by=coverer, updated_at=now)
            kind, detail = LeadEvent.Kind.COVERED, f"{coverer} covers while {rep} is away {until}"
        else:
            if enrollment.status != Enrollment.Status.PAUSED:
                Enrollment.objects.filter(pk=enrollment.pk).update(
                    status=Enrollment.Status.PAUSED, paused_until=back, absence=absence
                )
            why = "; everyone who could cover has taken a day's new work" if work is not None and work.reps else ""
            kind, detail = LeadEvent.Kind.HELD, f"Held while {rep} is away {until}{why}; the cadence resumes after"
        lead_event_add(
            prospect_id=enrollment.prospect_id, enrollment_id=enrollment.pk, now=now, kind=kind, detail=detail
        )
        enrollment_request_plan(enrollment_id=enrollment.pk, now=now)
    Absence.objects.filter(pk=absence.pk).update(applied_at=now)
    return [e.pk for e in enrollments]


def absence_end(*, absence: Absence, now: dt.datetime) -> list[int]:
    """Bring an absent rep's leads back: held ones resume, covered ones return to their owner."""
    rep = absence.user
    enrollments = list(Enrollment.objects.filter(absence=absence, status__in=OPEN).select_related("prospect"))
    for enrollment in enrollments:
        changes: dict[str, object] = {"absence": None}
        if enrollment.owner_id != enrollment.prospect.owner_id:
            changes["owner_id"] = enrollment.prospect.owner_id
            Prospect.objects.filter(pk=enrollment.prospect_id).update(covered_by=None, updated_at=now)
        if enrollment.status == Enrollment.Status.PAUSED and enrollment.paused_until == _first_day_back(absence):
            changes.update(status=Enrollment.Status.ACTIVE, paused_until=None)
        Enrollment.objects.filter(pk=enrollment.pk).update(**changes)
        lead_event_add(
            prospect_id=enrollment.prospect_id,
            enrollment_id=enrollment.pk,
            now=now,
            kind=LeadEvent.Kind.BACK,
            detail=f"{rep} is back",
        )
        enrollment_request_plan(enrollment_id=enrollment.pk, now=now)
    still_away = (
        Absence.objects.filter(user=rep, applied_at__isnull=False, ended_at__isnull=True)
        .exclude(pk=absence.pk)
        .order_by("-ends_on")
        .values_list("ends_on", flat=True)
        .first()
    )
    User.objects.filter(pk=rep.pk).update(away_until=still_away)
    Absence.objects.filter(pk=absence.pk).update(ended_at=now)
    return [e.pk for e in enrollments]


def absence_cancel(*, absence: Absence, now: dt.datetime) -> None:
    """Delete an absence; one already under way is ended first, so its leads come back."""
    with transaction.atomic():
        if absence.applied_at is not None and absence.ended_at is None:
            absence_end(absence=absence, now=now)
        Absence.objects.filter(pk=absence.pk).delete()


def rep_deactivate(*, rep: User, actor: User, now: dt.datetime) -> int:
    """A rep leaves: they can no longer log in, and each of their open leads goes to an available teammate (the
    least loaded first), recorded in the lead's history. Nobody to take them: nothing changes."""
    if not rep.is_active:
        raise ValidationError(f"{rep} is already deactivated.")
    with transaction.atomic():
        leads = list(
            Prospect.objects.filter(owner=rep)
            .filter(Q(status__in=[Prospect.Status.ACTIVE, Prospect.Status.ENGAGED]))
            .select_related("team")
            .order_by("pk")
        )
        User.objects.filter(pk=rep.pk).update(is_active=False, is_available=False)
        reason = f"{rep} left the team (deactivated by {actor})"
        # One count of who has room for the whole batch: the leads spread by load and daily budget, not all to
        # whoever was least loaded when it started.
        work = handover_work(team=rep.team, now=now, exclude_ids={rep.pk}) if rep.team is not None else None
        for prospect in leads:
            if prospect_reassign(prospect=prospect, now=now, reason=reason, actor=actor, work=work) is None:
                raise ValidationError(
                    f"Nobody on {prospect.team} can take {rep}'s leads: add or free up a rep first. Nothing changed."
                )
    return len(leads)
