"""Reads for the cadence engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet

from cadence.models import Cadence, Enrollment, FollowUp, InboundLead
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


def coverage_for_reps(*, rep_ids: Sequence[int]) -> dict[int, list[tuple[int, int]]]:
    """Who covers whom, for the reps page and the dashboard: for each rep among `rep_ids`, the (other rep, leads)
    pairs of the open leads one of them works while the other is away, counted both ways (a coverer lists the reps
    they cover, an absent rep those who cover them). One query."""
    pairs: dict[int, list[tuple[int, int]]] = {}
    rows = (
        Enrollment.objects.filter(status__in=Enrollment.OPEN_STATUSES, absence__isnull=False)
        .exclude(owner_id=F("prospect__owner_id"))
        .filter(Q(owner_id__in=rep_ids) | Q(prospect__owner_id__in=rep_ids))
        .values_list("owner_id", "prospect__owner_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "owner_id")
    )
    for coverer, away, count in rows:
        pairs.setdefault(coverer, []).append((away, count))
        pairs.setdefault(away, []).append((coverer, count))
    return pairs


def inbound_waiting_for(*, user: User, limit: int = 10) -> list[InboundLead]:
    """The user's inbound leads not tried yet, oldest first: what their alerts announce."""
    return list(
        InboundLead.objects.filter(
            owner=user,
            first_attempt_at__isnull=True,
            prospect__status__in=[Prospect.Status.ACTIVE, Prospect.Status.ENGAGED],
        )
        .select_related("prospect")
        .order_by("arrived_at")[:limit]
    )
