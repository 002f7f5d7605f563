"""Reads for the CRM. Every view and endpoint that shows a prospect starts from `prospect_list_visible`."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from crm.models import Contact, Prospect, Team, User


def team_list_managed(*, user: User) -> QuerySet[Team]:
    if user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(managers=user)


def prospect_list_visible(*, user: User) -> QuerySet[Prospect]:
    """The one place that decides who sees which prospect.

    A rep sees the prospects they own (and those they cover for an away teammate); a manager also sees every
    prospect of the teams they manage;
    a superuser sees all. Anyone else (anonymous, inactive) sees nothing.
    """
    if not (user.is_authenticated and user.is_active):
        return Prospect.objects.none()
    if user.is_superuser:
        return Prospect.objects.all()
    if user.is_manager:
        # A subquery rather than a join: a team with several managers must not repeat its prospects.
        managed = Team.objects.filter(managers=user).values("id")
        return Prospect.objects.filter(Q(owner=user) | Q(team_id__in=managed))
    # A rep covering an away teammate's leads works them, so sees them (crm.Absence, cadence.services.absences).
    return Prospect.objects.filter(Q(owner=user) | Q(covered_by=user))


def contact_list_visible(*, user: User) -> QuerySet[Contact]:
    return Contact.objects.filter(prospect__in=prospect_list_visible(user=user))


def rep_list_for_team(*, team: Team, available_only: bool = False) -> QuerySet[User]:
    reps = User.objects.filter(team=team, role=User.Role.REP, is_active=True)
    return reps.filter(is_available=True) if available_only else reps
