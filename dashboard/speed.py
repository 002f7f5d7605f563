"""Speed to lead: minutes from an inbound lead's arrival to its first attempt, by the way it came in and by rep
(median, and the share tried within five minutes), and the inbound leads waiting now. Read from the inbound leads
alone: the database stamps each one's first attempt on every write path (cadence migration 0017)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import Coalesce

from cadence.models import InboundLead
from crm.models import User
from dashboard.metrics import Period
from dashboard.scope import dashboard_teams

FAST = dt.timedelta(minutes=5)
WAITING_SHOWN = 20


class Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


@dataclass(frozen=True)
class SpeedRow:
    label: str
    arrived: int
    tried: int
    median: dt.timedelta | None
    within_five: int

    @property
    def median_minutes(self) -> float | None:
        return None if self.median is None else self.median.total_seconds() / 60

    @property
    def fast_share(self) -> float | None:
        return 100 * self.within_five / self.arrived if self.arrived else None


@dataclass(frozen=True)
class Waiting:
    lead: InboundLead
    minutes: int


@dataclass(frozen=True)
class SpeedToLead:
    by_source: list[SpeedRow]
    by_rep: list[SpeedRow]
    waiting: list[Waiting]
    waiting_total: int

    @property
    def any(self) -> bool:
        return bool(self.by_source or self.waiting)


def _row(label: str, row: Any) -> SpeedRow:
    return SpeedRow(
        label=label,
        arrived=row["arrived"],
        tried=row["tried"],
        median=row["median"],
        within_five=row["within_five"],
    )


def speed_to_lead(*, user: User, period: Period, now: dt.datetime, team_id: int | None = None) -> SpeedToLead:
    """At most four queries, whatever the number of leads (two when none came in): by way in, by rep (whoever
    tried it first, else who has it) and their names, and the waiting list."""
    leads = InboundLead.objects.filter(team__in=dashboard_teams(user=user, team_id=team_id))
    period_leads = leads.filter(arrived_at__gte=period.start, arrived_at__lt=period.end)
    took = ExpressionWrapper(F("first_attempt_at") - F("arrived_at"), output_field=DurationField())
    figures = {
        "arrived": Count("pk"),
        "tried": Count("first_attempt_at"),
        "median": Median(took),
        "within_five": Count("pk", filter=Q(first_attempt_at__lte=F("arrived_at") + FAST)),
    }
    labels = dict(InboundLead.Via.choices)
    by_source = [
        _row(labels.get(row["via"], row["via"]), row)
        for row in period_leads.values("via").annotate(**figures).order_by("via")
    ]
    rows = (
        list(
            period_leads.annotate(rep=Coalesce("first_attempt_by", "owner"))
            .values("rep")
            .annotate(**figures)
            .order_by()
        )
        if by_source
        else []
    )
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=[row["rep"] for row in rows])} if rows else {}
    by_rep = sorted(
        (_row(names.get(row["rep"], "?"), row) for row in rows),
        key=lambda row: row.label,
    )
    waiting_leads = leads.filter(first_attempt_at__isnull=True, prospect__status__in=["active", "engaged"])
    shown = list(waiting_leads.select_related("prospect", "owner").order_by("arrived_at")[:WAITING_SHOWN])
    waiting = [Waiting(lead, int((now - lead.arrived_at).total_seconds() // 60)) for lead in shown]
    total = len(waiting) if len(waiting) < WAITING_SHOWN else waiting_leads.count()
    return SpeedToLead(by_source, by_rep, waiting, total)
