"""Who sees what on the dashboard, the thresholds it judges by, and the SQL helpers it shares."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from cadence.models import Enrollment
from crm.models import Prospect, Team, User
from crm.selectors import prospect_list_visible, team_list_managed

PERIODS = (7, 30, 90)
DEFAULT_IDLE_DAYS = 7
SNOOZED_TOO_OFTEN = 3
# A conversation gets a day to turn into an agreed next step before the lead counts as drifting.
NEXT_STEP_GRACE = dt.timedelta(days=1)
# Early give-ups older than this are history, not something a manager can still rescue.
GAVE_UP_LOOKBACK = dt.timedelta(days=90)
ATTEMPT_BUCKETS = 10  # "persistence pays" counts 1, 2, ... 9 and 10+
# Published comparison lines (docs/field-reports.md): share of eventually reached leads reached by attempt n.
STUDY_REACHED_BY = {1: 48, 6: 93}
STUDY_CONNECT_RATE = {"average rep": Decimal("5.4"), "top quartile": Decimal("13.3")}
STUDY_BEST_HOURS = (8, 16)  # 8-9 am and 4-5 pm
STUDY_BEST_DAYS = (3, 4)  # ISO weekdays: Wednesday and Thursday
HEATMAP_HOURS = tuple(range(7, 19))  # local 7 am to 7 pm; earlier and later calls are counted apart

OPEN = list(Enrollment.OPEN_STATUSES)
WORKING = [Enrollment.Status.ACTIVE, Enrollment.Status.ENGAGED]


# A planned follow-up `f` that is overdue, given `now` twice: the stalled list's `late` and the reps' overdue
# counts (dashboard/stalled.py, dashboard/metrics.py), each a range of follow_up_queue_idx per rep. Ordered as the
# index is: PostgreSQL judges `due_start < now` by every follow-up (mostly done, in the past), and when few planned
# ones are late (a team that keeps up) it took reading every planned follow-up of the database through the unique
# index, once per rep, for the cheaper path; that path would need a sort.
LATE_FOLLOW_UPS_SQL = """f.status = 'planned' AND f.due_start < {now}
        AND (f.overdue_since IS NOT NULL OR f.due_end <= {now})
        ORDER BY f.due_start"""


@dataclass(frozen=True)
class Reason:
    key: str
    label: str


REASONS = (
    Reason("overdue", "Follow-up overdue"),
    Reason("no_touch", "No recent touch"),
    Reason("finished", "Cadence finished, awaiting give-up or reassign"),
    Reason("blocked", "Could not be reassigned"),
    Reason("no_next_step", "Connected, no next step"),
    Reason("next_step_passed", "Next step date passed"),
    Reason("snoozed", f"Snoozed {SNOOZED_TOO_OFTEN}+ times"),
    Reason("gave_up_early", "High-value, given up early"),
)
REASON_LABELS = {reason.key: reason.label for reason in REASONS}
SORTS = {
    "-value": ("-prospect__estimated_value", "stalled_since", "pk"),
    "value": ("prospect__estimated_value", "stalled_since", "pk"),
    "-age": ("stalled_since", "-prospect__estimated_value", "pk"),
    "age": ("-stalled_since", "-prospect__estimated_value", "pk"),
}


# ---------------------------------------------------------------------------------------------------------
# Scope
# ---------------------------------------------------------------------------------------------------------


def dashboard_teams(*, user: User, team_id: int | None = None) -> QuerySet[Team]:
    teams = team_list_managed(user=user)
    return teams.filter(pk=team_id) if team_id is not None else teams


def dashboard_prospects(*, user: User, team_id: int | None = None) -> QuerySet[Prospect]:
    """The prospects the dashboard reads: visible to the user and in a team they manage."""
    return prospect_list_visible(user=user).filter(team__in=dashboard_teams(user=user, team_id=team_id))


def dashboard_reps(*, user: User, team_id: int | None = None) -> QuerySet[User]:
    """The reps of the managed teams, each with their open leads (what "least-loaded" means when reassigning),
    counted on one (owner, status) index range per rep, never the whole team's rows."""
    open_leads = (
        Prospect.objects.filter(owner=OuterRef("pk"), status__in=[Prospect.Status.ACTIVE, Prospect.Status.ENGAGED])
        .order_by()
        .values("owner")
        .annotate(n=Count("owner"))  # not the pk: owner_id is in the (owner, status) index, so no heap read
        .values("n")
    )
    return (
        User.objects.filter(team__in=dashboard_teams(user=user, team_id=team_id), role=User.Role.REP, is_active=True)
        .select_related("team")
        .annotate(open_leads=Coalesce(Subquery(open_leads, output_field=IntegerField()), 0))
        .order_by("team__name", "first_name", "username")
    )


# ---------------------------------------------------------------------------------------------------------
# Stalled leads
# ---------------------------------------------------------------------------------------------------------


# Leads the sweep could not plan are listed apart, a few at a time: they are rare, and each needs a look.
PLAN_FAILURES_SHOWN = 10


def plan_failures(*, user: User, team_id: int | None = None) -> list[Enrollment]:
    """Open leads of the managed teams whose planning failed, each with its error: one index range per rep
    (`enrollment_plan_failed_idx`). The sweep retries them by itself; the manager sees what is wrong."""
    reps = User.objects.filter(team__in=dashboard_teams(user=user, team_id=team_id)).values("pk")
    return list(
        Enrollment.objects.filter(owner__in=reps, plan_failures__gt=0, status__in=OPEN)
        .select_related("prospect", "owner")
        .order_by("-plan_failures", "pk")[:PLAN_FAILURES_SHOWN]
    )
