"""Reads for the cadence engine."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from cadence.models import Cadence, Enrollment, FollowUp
from crm.models import Prospect, Team, User
from crm.selectors import prospect_list_visible


def cadence_for_prospect(*, prospect: Prospect) -> Cadence:
    """The team's high-value cadence above its threshold, its default cadence otherwise."""
    team: Team = prospect.team
    cadences = Cadence.objects.filter(team=team, is_retired=False)
    threshold = team.high_value_threshold
    if threshold is not None and prospect.estimated_value > threshold:
        long_haul = cadences.filter(is_high_value=True).first()
        if long_haul:
            return long_haul
    default = cadences.filter(is_default=True).first()
    if default is None:
        raise ValidationError(f"Team {team} has no default cadence yet; a manager must create one.")
    return default


def enrollment_open_for_prospect(*, prospect_id: int) -> Enrollment | None:
    return Enrollment.objects.filter(prospect_id=prospect_id, status__in=Enrollment.OPEN_STATUSES).first()


def rep_pick_for_handover(*, team: Team, exclude_ids: set[int], today: dt.date | None = None) -> User | None:
    """The available rep of the team with the fewest active leads; ties go to the least recently assigned.
    A rep away today (or on `today`) gets no hand-over."""
    active = Q(owned_prospects__status__in=[Prospect.Status.ACTIVE, Prospect.Status.ENGAGED])
    on = today or timezone.now().date()
    return (
        User.objects.filter(team=team, role=User.Role.REP, is_active=True, is_available=True)
        .filter(Q(away_until__isnull=True) | Q(away_until__lt=on))
        .exclude(pk__in=exclude_ids)
        .annotate(active_leads=Count("owned_prospects", filter=active))
        .order_by("active_leads", F("last_assigned_at").asc(nulls_first=True), "pk")
        .first()
    )


def follow_up_list_for_user(*, user: User, due_before: dt.datetime | None = None) -> QuerySet[FollowUp]:
    """The planned follow-ups a user may see: their own as a rep, their teams' as a manager."""
    follow_ups = FollowUp.objects.filter(status=FollowUp.Status.PLANNED)
    if user.is_authenticated and user.is_active and not (user.is_superuser or user.is_manager):
        # A planned follow-up's rep is always its prospect's owner (kept by a trigger, cadence migration 0004), so
        # `rep` alone scopes a rep's queue. Adding `prospect__owner` made PostgreSQL, which cannot know the two
        # agree, read every planned follow-up and sort instead of walking the (rep, due_start) index.
        follow_ups = follow_ups.filter(rep=user)
    else:
        follow_ups = follow_ups.filter(prospect__in=prospect_list_visible(user=user))
    if due_before is not None:
        follow_ups = follow_ups.filter(due_start__lt=due_before)
    return follow_ups.select_related("prospect", "contact", "rep").order_by("due_start")
