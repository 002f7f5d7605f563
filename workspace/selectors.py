"""Reads for the rep workspace pages: the prospect page and the prospects list (My day's are in `workspace.day`).

Every read starts from the scoping selectors (`prospect_list_visible`, `follow_up_list_for_user`), and each page
costs a fixed number of queries however many rows it shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KeyTextTransform

from cadence.models import Enrollment, FollowUp, LeadEvent
from cadence.planner import Decision, plan_preview
from cadence.situation import situations_build
from crm.imports import PHONE_DIGITS
from crm.models import Contact, ImportJob, Prospect, TeamField, User
from crm.selectors import (
    BY_NAME,
    RECENT_FIRST,
    prospect_count_visible,
    prospect_list_visible,
    prospect_owners_visible,
    prospect_page_visible,
    reps_taking_leads,
    team_list_managed,
)
from crm.zones import zone
from touches.models import Touch

TIMELINE_PAGE = 20
# The similarity check reads this many of the contact's latest notes; older messages are long forgotten.
EARLIER_NOTES = 50


def follow_up_next(*, after: FollowUp) -> FollowUp | None:
    """The follow-up planned after `after` on the same enrollment, with the prospect and rep `after` holds attached
    rather than joined again: PostgreSQL took longer to plan a join of four tables than to run it."""
    following = (
        FollowUp.objects.filter(enrollment_id=after.enrollment_id, status=FollowUp.Status.PLANNED)
        .select_related("contact")
        .first()
    )
    if following is not None:
        following.prospect = after.prospect  # an enrollment's follow-ups are all its prospect's
        if following.rep_id == after.rep_id:
            following.rep = after.rep  # else (handed over meanwhile) read when shown
    return following


def contact_notes_earlier(*, contact_id: int) -> list[str]:
    """The latest notes written to a contact, newest first, for the "nearly the same message" check."""
    return list(
        Touch.objects.alive()
        .filter(contact_id=contact_id)
        .exclude(note="")
        .order_by("-occurred_at")
        .values_list("note", flat=True)[:EARLIER_NOTES]
    )


def timeline_page(
    *, prospect: Prospect, before: tuple[dt.datetime, str] | None = None, limit: int = TIMELINE_PAGE
) -> tuple[list[Touch], str]:
    """One page of the prospect's touches, newest first, and the cursor of the next page ("" at the end).

    Keyset pagination on (occurred_at, id): a touch logged while the rep scrolls neither repeats nor hides a row.
    """
    touches = Touch.objects.alive().filter(prospect=prospect).select_related("contact", "rep")
    if before is not None:
        at, touch_id = before
        touches = touches.filter(Q(occurred_at__lt=at) | Q(occurred_at=at, id__lt=touch_id))
    rows = list(touches.order_by("-occurred_at", "-id")[: limit + 1])
    cursor = ""
    if len(rows) > limit:
        rows = rows[:limit]
        cursor = f"{rows[-1].occurred_at.isoformat()}|{rows[-1].id}"
    return rows, cursor


# A lead's events shown beside one page of touches, at most: a lead snoozed every day still reads as a story.
TIMELINE_EVENTS = 100


def timeline_with_events(
    *, prospect: Prospect, touches: list[Touch], before: tuple[dt.datetime, str] | None, cursor: str
) -> list[Touch | LeadEvent]:
    """The page's touches with the lead's events of the same stretch of time (hand-overs with the manager's note,
    pauses, extensions, give-ups, recycles, do-not-contact), newest first. One query."""
    events = LeadEvent.objects.filter(prospect=prospect).select_related("actor")
    if before is not None:
        events = events.filter(created_at__lt=before[0])
    if cursor and touches:
        events = events.filter(created_at__gte=touches[-1].occurred_at)
    found = list(events.order_by("-created_at", "-pk")[:TIMELINE_EVENTS])
    for event in found:
        event.is_event = True
    return sorted(
        [*touches, *found],
        key=lambda entry: entry.created_at if getattr(entry, "is_event", False) else entry.occurred_at,
        reverse=True,
    )


def timeline_cursor_parse(raw: str) -> tuple[dt.datetime, str] | None:
    at, _, touch_id = raw.partition("|")
    try:
        moment = dt.datetime.fromisoformat(at)
    except ValueError:
        return None
    if moment.tzinfo is None or len(touch_id) != 36:
        return None
    return moment, touch_id


def contacts_for_prospect(*, prospect: Prospect) -> list[Contact]:
    return list(Contact.objects.filter(prospect=prospect).order_by("left_company", "wrong_person", "name"))


@dataclass
class PreviewStep:
    decision: Decision
    when: str  # in the contact's time, "Thu 11:00 their time"; blank for a wait or an ending

    @property
    def what(self) -> str:
        """ "call · invitation", "voicemail · breakup" """
        d = self.decision
        parts = [d.channel, d.kind if d.kind and d.kind != "regular" else None, d.theme]
        return " · ".join(str(p).replace("_", " ") for p in parts if p and p != "none")


@dataclass
class EnrollmentView:
    enrollment: Enrollment
    planned: FollowUp | None
    planned_when: str
    preview: list[PreviewStep]


def enrollment_view(*, prospect: Prospect, contacts: list[Contact], now: dt.datetime) -> EnrollmentView | None:
    """The prospect's open enrollment, its planned follow-up and the planner's preview of the next attempts."""
    enrollment = (
        Enrollment.objects.filter(prospect=prospect, status__in=Enrollment.OPEN_STATUSES)
        .select_related("cadence")
        .first()
    )
    if enrollment is None:
        return None
    enrollment.prospect = prospect
    planned = (
        FollowUp.objects.filter(enrollment=enrollment, status=FollowUp.Status.PLANNED).select_related("contact").first()
    )
    zones = {c.pk: zone(c.timezone, fallback=prospect.timezone) for c in contacts}
    default = zone(prospect.timezone, fallback="UTC")

    def when(moment: dt.datetime | None, contact_id: int | None) -> str:
        if moment is None:
            return ""
        return f"{moment.astimezone(zones.get(contact_id or 0, default)):%a %d %b %H:%M} their time"

    situation = situations_build(enrollments=[enrollment], now=now)[enrollment.pk]
    preview = [PreviewStep(d, when(d.due_start, d.contact_id)) for d in plan_preview(situation, count=5)]
    planned_when = when(planned.due_start, planned.contact_id) if planned else ""
    return EnrollmentView(enrollment=enrollment, planned=planned, planned_when=planned_when, preview=preview)


def enrollment_last(*, prospect: Prospect) -> Enrollment | None:
    return Enrollment.objects.filter(prospect=prospect).order_by("-started_at").first()


@dataclass(frozen=True)
class ProspectFilters:
    q: str = ""
    status: str = ""
    owner_id: int | None = None
    cadence: str = ""  # an Enrollment status, or "none" for prospects with no open enrollment
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    sort: str = "name"
    import_job_id: int | None = None  # the prospects one import created
    field: str = ""  # a team field's name, with field_value: prospects whose value of it contains this
    field_value: str = ""


SORTS = {
    "name": BY_NAME,
    "-value": ("-estimated_value", "name"),
    "value": ("estimated_value", "name"),
    "-updated": RECENT_FIRST,
    "next": ("next_due", "name"),
}


def prospect_search(*, user: User, filters: ProspectFilters) -> QuerySet[Prospect]:
    """Visible prospects matching the filters, each with its cadence state and next follow-up annotated."""
    return _prospects_matching(prospect_list_visible(user=user), filters=filters)


def _prospects_matching(prospects: QuerySet[Prospect], *, filters: ProspectFilters) -> QuerySet[Prospect]:
    prospects = prospects.select_related("owner")
    open_enrollment = Enrollment.objects.filter(prospect=OuterRef("pk"), status__in=Enrollment.OPEN_STATUSES).values(
        "status"
    )[:1]
    next_due = FollowUp.objects.filter(prospect=OuterRef("pk"), status=FollowUp.Status.PLANNED).order_by("due_start")
    prospects = prospects.annotate(
        cadence_state=Subquery(open_enrollment), next_due=Subquery(next_due.values("due_start")[:1])
    )
    if q := filters.q.strip():
        digits = "".join(ch for ch in q if ch.isdigit())
        contact_match = Q(name__icontains=q) | Q(email__icontains=q) | Q(phone__icontains=q)
        contacts = Contact.objects.filter(prospect=OuterRef("pk"))
        if len(digits) >= 4:
            contacts = contacts.alias(phone_digits=PHONE_DIGITS)
            contact_match |= Q(phone_digits__contains=digits)
        contacts = contacts.filter(contact_match)
        # The team's own fields are searched too (their values as JSON text: names and values).
        prospects = prospects.filter(Q(name__icontains=q) | Q(custom__icontains=q) | Exists(contacts))
    if filters.status:
        prospects = prospects.filter(status=filters.status)
    if filters.owner_id:
        prospects = prospects.filter(owner_id=filters.owner_id)
    if filters.cadence == "none":
        prospects = prospects.filter(cadence_state__isnull=True)
    elif filters.cadence:
        prospects = prospects.filter(cadence_state=filters.cadence)
    if filters.value_min is not None:
        prospects = prospects.filter(estimated_value__gte=filters.value_min)
    if filters.value_max is not None:
        prospects = prospects.filter(estimated_value__lte=filters.value_max)
    if filters.import_job_id:
        prospects = prospects.filter(import_job_id=filters.import_job_id)
    if filters.field and filters.field_value:
        prospects = prospects.alias(field_text=KeyTextTransform(filters.field, "custom")).filter(
            field_text__icontains=filters.field_value
        )
    elif filters.field:
        prospects = prospects.filter(custom__has_key=filters.field)
    order = SORTS.get(filters.sort, SORTS["name"])
    if order[0] == "next_due":
        return prospects.order_by(F("next_due").asc(nulls_last=True), "name")
    return prospects.order_by(*order)


# The sorts read branch by branch of what the user sees, each in its own index's order.
BRANCH_SORTS = {"name": BY_NAME, "-updated": RECENT_FIRST}


class ProspectsByBranch:
    """`prospect_search` by name or newest activity, as the list page's paginator reads it: its count, then one
    page's rows. The page is read branch by branch of what the user sees (`prospect_page_visible`), each in its own
    index's order, so a rep's first page reads their own prospects, not every team's in that order until 25 of
    theirs turn up."""

    def __init__(self, *, user: User, filters: ProspectFilters) -> None:
        self.user = user
        self.order = BRANCH_SORTS[filters.sort]
        self.visible = prospect_search(user=user, filters=filters)
        # The filters alone: each branch adds its own visibility condition, which its index then orders (with the
        # whole rule's OR beside it, PostgreSQL misjudged the branch and sorted all of the rep's prospects).
        self.matching = _prospects_matching(Prospect.objects.all(), filters=filters)

    def count(self) -> int:
        return prospect_count_visible(user=self.user, matching=self.matching)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Prospect]:
        start = window.start or 0
        ids = prospect_page_visible(
            user=self.user,
            matching=self.matching,
            after=None,
            offset=start,
            limit=window.stop - start,
            order=self.order,
        )
        found = self.visible.order_by().in_bulk(ids)
        return [found[pk] for pk in ids]


def prospect_list_page(*, user: User, filters: ProspectFilters) -> QuerySet[Prospect] | ProspectsByBranch:
    """What the prospects list page pages through: by name or newest activity, branch by branch; other sorts as a
    queryset."""
    if filters.sort in BRANCH_SORTS:
        return ProspectsByBranch(user=user, filters=filters)
    return prospect_search(user=user, filters=filters)


def owners_visible(*, user: User) -> QuerySet[User]:
    """The people whose prospects this user can see (the list page's owner filter), by name."""
    return prospect_owners_visible(user=user).order_by("first_name", "username")


def imports_visible(*, user: User, limit: int = 30) -> list[tuple[int, str]]:
    """The imports whose prospects this user may filter the list by: their own, and their teams' for a manager,
    newest first, each named by its file and day."""
    jobs = ImportJob.objects.filter(state=ImportJob.State.DONE)
    if not user.is_superuser:
        jobs = jobs.filter(Q(user=user) | Q(team__in=team_list_managed(user=user)))
    rows = jobs.order_by("-created_at").values_list("pk", "file_name", "created_at")[:limit]
    return [(pk, f"{name or 'Import'} ({created:%d %b})") for pk, name, created in rows]


def team_field_names(*, user: User) -> list[str]:
    """The custom fields of the user's team, by name."""
    if user.team_id is None:
        return []
    return list(TeamField.objects.filter(team_id=user.team_id).order_by("name").values_list("name", flat=True))


def reps_for_handover(*, user: User) -> list[User]:
    """Who a manager may hand leads to: the reps of the teams they manage who take leads today."""
    reps: list[User] = []
    for team in team_list_managed(user=user).order_by("name"):
        reps.extend(reps_taking_leads(team=team, on=dt.date.today()).order_by("first_name", "username"))
    return reps
