"""Reads for the CRM. Every view and endpoint that shows a prospect starts from `prospect_list_visible`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from crm.models import Contact, Prospect, Team, User


def team_list_managed(*, user: User) -> QuerySet[Team]:
    if user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(managers=user)


def prospect_visible_branches(*, user: User) -> list[Q] | None:
    """Who sees which prospect, as the conditions whose union is what `user` sees; None means every prospect (a
    superuser), an empty list none (anonymous, inactive). `prospect_visible_q` states the same rule as one
    condition (a manager's teams as a subquery, not read first); a test holds the two to the same rows.

    A rep sees the prospects they own (and those they cover for an away teammate); a manager also sees every
    prospect of the teams they manage. Each condition is one column's equality, which an index orders: a list read
    branch by branch (api.views.prospects) costs what the page shows, not the whole table an OR would scan. The
    first is always the user's own leads; the others never overlap each other (one team per lead, one cover).
    """
    if not (user.is_authenticated and user.is_active):
        return []
    if user.is_superuser:
        return None
    branches = [Q(owner_id=user.pk)]
    if user.is_manager:
        branches += [Q(team_id=team_id) for team_id in Team.objects.filter(managers=user).values_list("id", flat=True)]
    else:
        # A rep covering an away teammate's leads works them, so sees them (crm.Absence, cadence.services.absences).
        branches.append(Q(covered_by_id=user.pk))
    return branches


def prospect_visible_q(*, user: User, via: str = "") -> Q:
    """Who sees which prospect (`prospect_visible_branches`) as one condition on a prospect, reached through `via`
    (say "prospect__"). A lookup that joins the prospect anyway checks the rule on the row it joined: PostgreSQL
    plans one relation fewer than with `prospect__in=<subquery>`, and for one follow-up by id the planning cost
    more than the run (6.5 -> 2.5 ms a lookup at 100k prospects)."""
    if not (user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    mine = Q(**{f"{via}owner": user})
    if user.is_manager:
        # A subquery rather than a join: a team with several managers must not repeat its prospects.
        return mine | Q(**{f"{via}team_id__in": Team.objects.filter(managers=user).values("id")})
    return mine | Q(**{f"{via}covered_by": user})


def prospect_list_visible(*, user: User) -> QuerySet[Prospect]:
    """Every prospect `user` may see (`prospect_visible_branches`), as one queryset."""
    if not (user.is_authenticated and user.is_active):
        return Prospect.objects.none()
    return Prospect.objects.filter(prospect_visible_q(user=user))


def prospect_count_visible(*, user: User, matching: QuerySet[Prospect]) -> int:
    """How many of `matching` (filters) `user` sees, counted branch by branch like `prospect_page_visible`: the
    user's own leads, then each other branch without them (`prospect_visible_branches`: those never overlap), added
    up. Each part is a range of its branch's index (`prospect_*_recent_idx`, which carry the owner), where the
    whole rule's OR read every visible row from the heap: for a manager, every prospect in the table."""
    branches = prospect_visible_branches(user=user)
    if branches == []:
        return 0
    if branches is None:
        return matching.count()
    mine, *others = branches
    parts = [matching.filter(mine)] + [matching.filter(branch).exclude(mine) for branch in others]
    ids = [part.order_by().values_list("id") for part in parts]
    return ids[0].union(*ids[1:], all=True).count() if len(ids) > 1 else ids[0].count()


def prospect_owners_visible(*, user: User) -> QuerySet[User]:
    """The people whose prospects `user` sees: themselves, the away teammates whose leads they cover, and for a
    manager the owners of their teams' leads. Each from its own branch: a rep's list is not found by reading all
    of their prospects for the one owner they share."""
    branches = prospect_visible_branches(user=user)
    if branches is None:  # everyone who owns a lead, one index probe per person, not a pass over every lead
        return User.objects.filter(Q(pk=user.pk) | Exists(Prospect.objects.filter(owner=OuterRef("pk"))))
    if not branches:
        return User.objects.none()
    owners = Q(pk=user.pk)  # the first branch, the user's own leads
    for branch in branches[1:]:
        owners |= Q(pk__in=Prospect.objects.filter(branch).values("owner_id"))
    return User.objects.filter(owners)


def contact_list_visible(*, user: User) -> QuerySet[Contact]:
    return Contact.objects.filter(prospect__in=prospect_list_visible(user=user))


def reps_taking_leads(*, team: Team, on: dt.date) -> QuerySet[User]:
    """The reps who may be given leads on a day (an import, a hand-over, covering an absence): active, taking new
    leads, not away that day, and joined: a rep invited who never logged in would get leads nobody works."""
    return User.objects.filter(
        team=team, role=User.Role.REP, is_active=True, is_available=True, last_login__isnull=False
    ).filter(Q(away_until__isnull=True) | Q(away_until__lt=on))


def rep_list_for_team(*, team: Team, available_only: bool = False) -> QuerySet[User]:
    reps = User.objects.filter(team=team, role=User.Role.REP, is_active=True)
    return reps.filter(is_available=True) if available_only else reps


# The orders a page of prospects can be read in branch by branch: each has an index per visibility branch
# (crm.models.Prospect.Meta.indexes), and ends in the id, so that rows are never tied and a keyset is exact.
BY_NAME = ("name", "id")
RECENT_FIRST = ("-updated_at", "-id")


def prospect_page_visible(
    *,
    user: User,
    matching: QuerySet[Prospect],
    after: tuple[Any, int] | None,
    limit: int,
    offset: int = 0,
    order: tuple[str, str] = BY_NAME,
) -> list[int]:
    """Ids of the next `limit` prospects `user` sees among `matching` (filters), in `order` (`BY_NAME` or
    `RECENT_FIRST`) after the keyset `after` (the API's pages) or past the first `offset` (the list page's numbered
    pages: each branch then reads `offset + limit` rows, what OFFSET would read anyway, and no other user's).

    Each visibility branch is read in the order of its own index (`prospect_*_name_idx`, `prospect_*_recent_idx`)
    from where the last page ended, and the branches are merged: a page costs what it shows, however many prospects
    the user or the database holds (an OR over the branches read every visible row, then sorted them all, on every
    page; by newest activity, it walked every team's prospects backwards until enough of the user's turned up).
    """
    if order not in (BY_NAME, RECENT_FIRST):
        raise ValueError(f"no index reads prospects in the order {order}")
    branches = prospect_visible_branches(user=user)
    if branches == [] or limit <= 0:  # an empty page (the paginator asks for one when nothing matches)
        return []
    columns = [field.lstrip("-") for field in order]
    if after is not None:
        # A row comparison, which PostgreSQL reads as one range of the index (Django's Q would spell it as an OR);
        # both columns run the same way, so one comparison states "after" for the pair.
        table = Prospect._meta.db_table
        operator = "<" if order[0].startswith("-") else ">"
        matching = matching.filter(
            RawSQL(
                f'("{table}"."{columns[0]}", "{table}"."{columns[1]}") {operator} (%s, %s)',
                after,
                output_field=BooleanField(),
            )
        )
    end = offset + limit
    if branches is None:
        return list(matching.order_by(*order).values_list("id", flat=True)[offset:end])
    parts = [matching.filter(branch).order_by(*order).values_list(*columns) for branch in branches]
    if len(parts) == 1:
        return [pk for _, pk in parts[0][offset:end]]
    # UNION, not UNION ALL: a manager's own lead in their team is in two branches and listed once.
    merged = parts[0][:end].union(*(part[:end] for part in parts[1:]))
    return [pk for _, pk in merged.order_by(*order)[offset:end]]
