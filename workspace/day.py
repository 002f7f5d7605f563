"""My day's reads: the rep's queue of planned follow-ups with its filters and true counts, the leads that need a
next step, and focus mode's one lead at a time.

Each read costs a fixed number of queries however many rows it shows: the queue ranks the rep's follow-ups of the
week in one statement over `follow_up_queue_idx` (ids, groups and counts only), then reads the few rows shown
with everything a row needs; a row's ready message is loaded when its details are opened.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, F, JSONField, OuterRef, Q, Subquery, Value, When, Window
from django.db.models.functions import JSONObject, RowNumber
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.safestring import mark_safe

from cadence.models import Enrollment, FollowUp, LeadEvent
from crm.models import ClockSource, Contact, Prospect, User
from crm.zones import day_and_clock, zone
from mailroom.selectors import (
    OutboxWaiting,
    mailbox_for_user,
    outbox_notes_for_follow_ups,
    outbox_waiting_summary,
)
from touches.message_library import Template, message_render, message_template_pick
from touches.models import Channel, Touch
from touches.selectors import message_templates_for_teams
from workspace.touch_forms import QuickOutcome, outcomes_for

# My day shows the follow-ups of the next week; further out belongs to the calendar feed.
DAY_HORIZON = dt.timedelta(days=7)
# A group shows what a rep can work through; the rest are counted, and one click opens them page by page. What is
# due later is there to plan with, not to work now: fewer rows of it (and a lighter page).
DAY_GROUP_LIMIT = 25
GROUP_LIMITS = {
    "inbound": DAY_GROUP_LIMIT,
    "overdue": DAY_GROUP_LIMIT,
    "due-now": DAY_GROUP_LIMIT,
    "later-today": 15,
    "next-days": 10,
}
GROUP_PAGE = 50
NEEDS_NEXT_STEP_SHOWN = 10
# A lead handed to a rep says so on their queue for this long.
HANDOVER_NOTICE = dt.timedelta(days=14)
# Hours of the rep's own night: a window there is pointed out on the row.
NIGHT_FROM, NIGHT_UNTIL = 22, 7
LAST_TOUCHES = 3

GROUPS = {
    # Leads that asked for us, not tried yet: first, whatever their time, since minutes decide whether they buy.
    "inbound": "New inbound: call within minutes",
    "overdue": "Overdue",
    "due-now": "Due now",
    "later-today": "Later today",
    "next-days": "Next days",
}
CHANNEL_FILTERS = {
    "call": ("Calls", Q(channel=Channel.CALL)),
    "voicemail": ("Voicemails", Q(channel=Channel.VOICEMAIL)),
    "email": ("Emails", Q(channel=Channel.EMAIL)),
    "in_person": ("Visits", Q(channel=Channel.IN_PERSON)),
}
KIND_FILTERS = {
    "first": ("First attempts", Q(attempt=1, is_next_step=False)),
    "breakup": ("Breakups", Q(kind="breakup")),
    "persistent": ("Pleasantly persistent", Q(kind="pleasantly_persistent")),
    "next_step": ("Agreed next steps", Q(is_next_step=True)),
}


@dataclass(frozen=True)
class QueueFilters:
    channel: str = ""
    kind: str = ""
    group: str = ""  # one group opened on its own, page by page
    page: int = 1

    @property
    def any(self) -> bool:
        return bool(self.channel or self.kind)


def _day_word(day: dt.date, *, today: dt.date) -> str:
    """ "today", "tomorrow", or the day with its date: a bare "Mon" read on a Monday would mean next week's."""
    if day == today:
        return "today"
    if day == today + dt.timedelta(days=1):
        return "tomorrow"
    return f"{day:%a} {day.day} {day:%b}"


def when_both(moment: dt.datetime, *, theirs: ZoneInfo, yours: ZoneInfo, now: dt.datetime) -> str:
    """ "today 14:00 their time · 13:00 yours": the contact's clock first (it decides when to call), the rep's after,
    with its own day when the two clocks are on different days. One clock when both read the same. Each day is
    today or tomorrow on its own clock, or named with its date."""
    their, your = moment.astimezone(theirs), moment.astimezone(yours)
    their_day = _day_word(their.date(), today=now.astimezone(theirs).date())
    if their.utcoffset() == your.utcoffset():
        return f"{their_day} {their:%H:%M} your time and theirs"
    mine = f"{your:%H:%M}"
    if your.date() != their.date():
        mine = f"{_day_word(your.date(), today=now.astimezone(yours).date())} {mine}"
    return f"{their_day} {their:%H:%M} their time · {mine} yours"


def follow_up_zone(follow_up: FollowUp) -> ZoneInfo:
    contact_tz = follow_up.contact.timezone if follow_up.contact else ""
    return zone(contact_tz, fallback=follow_up.prospect.timezone)


def clock_guess_note(prospect: Prospect, contact: Contact | None = None) -> str:
    """What a lead says while "their time" is a guess: the contact has no clock of their own and the prospect's was
    guessed (crm.clocks). Empty once the data gave it or a person set it."""
    if contact is not None and contact.timezone:
        return ""
    if prospect.timezone_source == ClockSource.REP:
        return "clock guessed from the rep: check it"
    if prospect.timezone_source == ClockSource.COUNTRY_GUESS:
        return "clock guessed from the country, which spans several zones: check it"
    return ""


def night_for(moment: dt.datetime, tz: ZoneInfo) -> str:
    """ "03:00 at night for you", when a window falls in the rep's own night (a lead in a far zone)."""
    local = moment.astimezone(tz)
    if local.hour >= NIGHT_FROM or local.hour < NIGHT_UNTIL:
        return f"{local:%H:%M} at night for you"
    return ""


_SENTINEL = "2147483647"
# The parts of a queue row loaded when opened (workspace.views.touches.follow_up_panel), by name in the URL.
PANELS = {"more": "workspace/more_panel.html", "snooze": "workspace/snooze_panel.html"}  # templates/jinja2/


@functools.lru_cache(maxsize=8)
def _url_patterns(script_prefix: str) -> dict[str, str]:
    names = ("prospect_detail", "follow_up_log", "follow_up_why", "follow_up_row", "follow_up_snooze")
    panels = {f"panel_{panel}": reverse("follow_up_panel", args=[int(_SENTINEL), panel]) for panel in PANELS}
    return {name: reverse(name, args=[int(_SENTINEL)]) for name in names} | panels | {"home": reverse("home")}


@dataclass(frozen=True)
class RowUrls:
    """A row's links, made by filling ids into patterns reversed once: {% url %} seven times a row was a quarter
    of My day's rendering."""

    detail: str
    log: str
    why: str
    row: str
    snooze: str
    home: str
    more: str  # the rarer outcomes, loaded when More is opened
    snooze_panel: str  # the snooze presets, loaded when Snooze is opened

    @classmethod
    def of(cls, follow_up: FollowUp) -> RowUrls:
        urls = _url_patterns(get_script_prefix())
        pk = str(follow_up.pk)
        return cls(
            detail=urls["prospect_detail"].replace(_SENTINEL, str(follow_up.prospect_id)),
            log=urls["follow_up_log"].replace(_SENTINEL, pk),
            why=urls["follow_up_why"].replace(_SENTINEL, pk),
            row=urls["follow_up_row"].replace(_SENTINEL, pk),
            snooze=urls["follow_up_snooze"].replace(_SENTINEL, pk),
            home=urls["home"],
            more=urls["panel_more"].replace(_SENTINEL, pk),
            snooze_panel=urls["panel_snooze"].replace(_SENTINEL, pk),
        )


CHANNEL_LABELS = {str(value): str(label) for value, label in Channel.choices}
KIND_LABELS = {str(value): str(label) for value, label in FollowUp._meta.get_field("kind").flatchoices}
THEME_LABELS = {str(value): str(label) for value, label in FollowUp._meta.get_field("theme").flatchoices}
ROLE_LABELS = {str(value): str(label) for value, label in Contact.Role.choices}


@dataclass
class DayRow:
    """One follow-up as My day shows it: who, what, when on both clocks, why, what to say, what happened before."""

    follow_up: FollowUp
    tz: ZoneInfo
    when: str  # "Tue 14:00 their time · 13:00 yours"
    night: str
    clock_guess: str  # "clock guessed from the rep: check it", when "their time" is a guess (crm.clocks)
    message: str | None  # None: not loaded (the queue loads it on demand)
    email_subject: str | None
    email_body: str | None
    handed: str  # "From Alex, by Maria on Tue 1 Dec: Alex is overloaded (4 attempts before)"
    primary: Sequence[QuickOutcome]
    more: Sequence[QuickOutcome]
    # An email follow-up of a rep with a mailbox is sent from Pursuit: Send comes first (the key e).
    send_email: bool = False
    email_note: str = ""  # "Email waits for the contact's window: Wed 2 Dec 08:00 their time."
    last_touches: list[Touch] = field(default_factory=list)
    buttons: OutcomeButtons | None = None  # the queue's, rendered once per channel
    html: str = ""  # the whole row, drawn ahead of the queue's page (workspace.rows.day_rows_render)

    @functools.cached_property
    def urls(self) -> RowUrls:
        return RowUrls.of(self.follow_up)

    @property
    def pk(self) -> int:
        return self.follow_up.pk

    # The chips' words, read from the choices once (a model's get_..._display costs more than the row's HTML).
    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS.get(self.follow_up.channel, self.follow_up.channel)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.follow_up.kind, self.follow_up.kind)

    @property
    def theme_label(self) -> str:
        return THEME_LABELS.get(self.follow_up.theme, self.follow_up.theme)

    @property
    def role_label(self) -> str:
        contact = self.follow_up.contact
        return ROLE_LABELS.get(contact.role, contact.role).lower() if contact is not None else ""


@dataclass(frozen=True)
class OutcomeButtons:
    primary: str
    more: str


def outcome_buttons(channel: str, cache: dict[str, OutcomeButtons], *, sends_email: bool = False) -> OutcomeButtons:
    """The row's outcome buttons, the same for every follow-up on a channel: a queue renders them once per channel
    instead of once per row (they were most of My day's rendering time)."""
    key = f"{channel}:{sends_email}"
    if key not in cache:
        primary, more = outcomes_for(channel, sends_email=sends_email)
        context = {"row": {"primary": primary, "more": more, "send_email": sends_email and channel == Channel.EMAIL}}
        # Drawn by their template (Jinja2 autoescapes), then placed as they are in every row of the channel.
        cache[key] = OutcomeButtons(
            mark_safe(render_to_string("workspace/primary_buttons.html", context)),  # noqa: S308
            mark_safe(render_to_string("workspace/more_buttons.html", context)),  # noqa: S308
        )
    return cache[key]


@dataclass
class DayGroup:
    key: str
    title: str
    rows: list[DayRow] = field(default_factory=list)
    total: int = 0
    offset: int = 0

    @property
    def hidden(self) -> int:
        return self.total - self.offset - len(self.rows)

    @property
    def last_shown(self) -> int:
        return self.offset + len(self.rows)


@dataclass
class NeedsNextStep:
    enrollment: Enrollment
    tz: ZoneInfo
    last_spoke: str


@dataclass
class MyDay:
    groups: list[DayGroup]
    needs_next_step: list[NeedsNextStep]
    needs_next_step_total: int
    filters: QueueFilters
    outbox: OutboxWaiting = field(default_factory=OutboxWaiting)

    @property
    def total(self) -> int:
        """Every planned follow-up of the week under the filters, shown or not."""
        return sum(group.total for group in self.groups)


def _rendered(follow_up: FollowUp, channel: str, templates: Sequence[Template]) -> tuple[str, str]:
    template = message_template_pick(
        templates, channel=channel, kind=follow_up.kind, theme=follow_up.theme, attempt=follow_up.attempt
    )
    if template is None:
        return "", ""
    contact = follow_up.contact
    values = {
        "contact_first_name": contact.name.split()[0] if contact and contact.name else "",
        "company": follow_up.prospect.name,
        "rep_name": follow_up.rep.get_full_name() or follow_up.rep.username,
        "action": "stop by",
    }
    return message_render(template.subject, **values), message_render(template.body, **values)


def _handed_text(handed: dict | None) -> str:
    if not handed:
        return ""
    detail, by = handed.get("detail") or "", handed.get("by") or "the scheduler"
    at = dt.datetime.fromisoformat(handed["at"]) if handed.get("at") else None
    when = f" on {at:%a} {at.day} {at:%b}" if at else ""
    source, _, why = detail.partition(": ")
    source = source.split(" to ")[0] if source.startswith("From ") else "Handed over"
    return f"{source}, by {by}{when}: {why or detail}"


def day_row(
    follow_up: FollowUp,
    *,
    now: dt.datetime,
    rep_tz: ZoneInfo | None = None,
    templates: Sequence[Template] | None = None,
    messages: bool = True,
    sends_email: bool | None = None,
    email_note: str | None = None,
) -> DayRow:
    """Needs the follow-up with `prospect`, `contact` and `rep` selected (and `handed`, from `_with_handover`).

    Without `messages` the ready message and email are left out (None): the queue loads them when a row's details
    are opened, which keeps a page of 60 rows light. Whether the rep sends from Pursuit, and what the row's email
    is doing, are looked up for an email row unless the caller (a whole queue) read them already."""
    if follow_up.channel == Channel.EMAIL:
        if sends_email is None:
            sends_email = mailbox_for_user(user=follow_up.rep) is not None
        if email_note is None:
            email_note = outbox_notes_for_follow_ups(follow_up_ids=[follow_up.pk]).get(follow_up.pk, "")
    rep_tz = rep_tz or zone(follow_up.rep.timezone, fallback="UTC")
    tz = follow_up_zone(follow_up)
    message = subject = body = None
    if messages:
        if templates is None:
            team_id = follow_up.prospect.team_id
            templates = message_templates_for_teams(team_ids=[team_id])[team_id]
        _, message = _rendered(follow_up, follow_up.channel, templates)
        subject, body = _rendered(follow_up, Channel.EMAIL, templates)
    send_email = bool(sends_email) and follow_up.channel == Channel.EMAIL
    primary, more = outcomes_for(follow_up.channel, sends_email=send_email)
    return DayRow(
        follow_up=follow_up,
        tz=tz,
        when=when_both(follow_up.due_start, theirs=tz, yours=rep_tz, now=now),
        night=night_for(follow_up.due_start, rep_tz),
        clock_guess=clock_guess_note(follow_up.prospect, follow_up.contact),
        message=message,
        email_subject=subject,
        email_body=body,
        handed=_handed_text(getattr(follow_up, "handed", None)),
        primary=primary,
        more=more,
        send_email=send_email,
        email_note=email_note or "",
    )


def _with_handover(follow_ups, *, now: dt.datetime):
    """Each follow-up with its lead's latest hand-over of the last two weeks, as one JSON value per row."""
    handover = (
        LeadEvent.objects.filter(
            prospect=OuterRef("prospect_id"), kind=LeadEvent.Kind.REASSIGNED, created_at__gte=now - HANDOVER_NOTICE
        )
        .order_by("-created_at")
        .values(json=JSONObject(detail="detail", at="created_at", by="actor__first_name"))[:1]
    )
    return follow_ups.annotate(handed=Subquery(handover, output_field=JSONField()))


def _group_of(now: dt.datetime, end_of_today: dt.datetime) -> Case:
    return Case(
        When(is_inbound=True, then=Value("inbound")),
        When(due_end__lte=now, then=Value("overdue")),
        When(due_start__lte=now, then=Value("due-now")),
        When(due_start__lt=end_of_today, then=Value("later-today")),
        default=Value("next-days"),
    )


def _end_of_today(now: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(now.astimezone(tz).date() + dt.timedelta(days=1), dt.time(), tz)


def _filtered(follow_ups, filters: QueueFilters):
    if filters.channel in CHANNEL_FILTERS:
        follow_ups = follow_ups.filter(CHANNEL_FILTERS[filters.channel][1])
    if filters.kind in KIND_FILTERS:
        follow_ups = follow_ups.filter(KIND_FILTERS[filters.kind][1])
    return follow_ups


def my_day_build(*, user: User, now: dt.datetime, filters: QueueFilters | None = None) -> MyDay:
    """The rep's own planned follow-ups of the coming week, grouped as overdue, due now, later today and next
    days ("today" on the rep's clock), each group's first rows and its true count; opened alone, a group pages."""
    filters = filters or QueueFilters()
    rep_tz = zone(user.timezone, fallback="UTC")
    group_of = _group_of(now, _end_of_today(now, rep_tz))
    mine = FollowUp.objects.filter(rep=user, status=FollowUp.Status.PLANNED, due_start__lt=now + DAY_HORIZON)
    ranked = _filtered(mine, filters).annotate(
        day_group=group_of,
        rank=Window(RowNumber(), partition_by=[group_of], order_by=[F("due_start").asc(), F("pk").asc()]),
        group_total=Window(Count("pk"), partition_by=[group_of]),
    )
    offset = 0
    if filters.group in GROUPS:
        offset = (max(filters.page, 1) - 1) * GROUP_PAGE
        ranked = ranked.filter(day_group=filters.group, rank__gt=offset, rank__lte=offset + GROUP_PAGE)
    else:
        shown = Q()
        for key, limit in GROUP_LIMITS.items():
            shown |= Q(day_group=key, rank__lte=limit)
        ranked = ranked.filter(shown)
    picked = list(ranked.values_list("pk", "day_group", "group_total"))
    groups = {key: DayGroup(key, title) for key, title in GROUPS.items() if not filters.group or key == filters.group}
    for group in groups.values():
        group.offset = offset
    rows = _with_handover(
        FollowUp.objects.filter(pk__in=[pk for pk, _, _ in picked]).select_related("prospect", "contact", "rep"),
        now=now,
    ).in_bulk()
    buttons: dict[str, OutcomeButtons] = {}
    emails = [pk for pk, follow_up in rows.items() if follow_up.channel == Channel.EMAIL]
    sends_email = bool(emails) and mailbox_for_user(user=user) is not None
    notes = outbox_notes_for_follow_ups(follow_up_ids=emails)
    for pk, key, total in picked:
        follow_up = rows[pk]
        group = groups[key]
        group.total = total
        row = day_row(
            follow_up, now=now, rep_tz=rep_tz, messages=False, sends_email=sends_email, email_note=notes.get(pk, "")
        )
        row.buttons = outcome_buttons(follow_up.channel, buttons, sends_email=row.send_email)
        group.rows.append(row)
    for group in groups.values():
        group.rows.sort(key=lambda r: (r.follow_up.due_start, r.pk))
    if "inbound" in groups and not groups["inbound"].total and filters.group != "inbound":
        del groups["inbound"]  # shown only when a lead is waiting
    if filters.any or filters.group:
        return MyDay(list(groups.values()), [], 0, filters)
    waiting, waiting_total = _needs_next_step(user=user, tz=rep_tz)
    return MyDay(list(groups.values()), waiting, waiting_total, filters, outbox_waiting_summary(rep=user))


def _needs_next_step(*, user: User, tz: ZoneInfo) -> tuple[list[NeedsNextStep], int]:
    """Engaged leads with no next step recorded: a conversation happened and nothing is planned after it."""
    engaged = (
        Enrollment.objects.filter(owner=user, status=Enrollment.Status.ENGAGED, next_step_due_at__isnull=True)
        .select_related("prospect")
        .annotate(total=Window(Count("pk")))
        .order_by(F("last_touch_at").desc(nulls_last=True), "pk")[:NEEDS_NEXT_STEP_SHOWN]
    )
    found = list(engaged)
    items = []
    for enrollment in found:
        their = zone(enrollment.prospect.timezone, fallback="UTC")
        spoke = enrollment.last_touch_at.astimezone(tz) if enrollment.last_touch_at else None
        items.append(NeedsNextStep(enrollment, their, f"{spoke:%a} {spoke.day} {spoke:%b}" if spoke else ""))
    return items, (found[0].total if found else 0)


@dataclass
class Focus:
    row: DayRow | None
    remaining: int  # due by the end of the rep's day, this one included
    skipped: list[int]


def focus_next(*, user: User, now: dt.datetime, skip: Sequence[int] = (), prefer: int | None = None) -> Focus:
    """Focus mode: the next lead to work today (overdue first, then due now, then later today, oldest first) with
    its last touches; what the rep skipped comes after the rest. With `prefer` (the lead just logged), that lead's
    follow-up due now comes first: the voicemail of the call that went unanswered, while the rep is still on it.
    Four queries, whatever the queue holds."""
    rep_tz = zone(user.timezone, fallback="UTC")
    today = FollowUp.objects.filter(rep=user, status=FollowUp.Status.PLANNED, due_start__lt=_end_of_today(now, rep_tz))
    skipped = Case(When(pk__in=list(skip), then=Value(1)), default=Value(0)) if skip else Value(0)
    preferred = (
        Case(When(prospect_id=prefer, due_start__lte=now, then=Value(0)), default=Value(1))
        if prefer is not None
        else Value(1)
    )
    candidates = (
        _with_handover(today.select_related("prospect", "contact", "rep"), now=now)
        .annotate(
            skipped=skipped,
            preferred=preferred,
            # A lead that asked for us and may be called now comes before everything else due.
            waiting_inbound=Case(When(is_inbound=True, due_start__lte=now, then=Value(0)), default=Value(1)),
            remaining=Window(Count("pk")),
        )
        .order_by("skipped", "preferred", "waiting_inbound", "due_start", "pk")
    )
    follow_up = candidates.first()
    if follow_up is None:
        return Focus(None, 0, list(skip))
    row = day_row(follow_up, now=now, rep_tz=rep_tz)
    row.last_touches = list(
        Touch.objects.alive()
        .filter(prospect_id=follow_up.prospect_id)
        .select_related("contact")
        .order_by("-occurred_at")[:LAST_TOUCHES]
    )
    for touch in row.last_touches:
        touch.when = f"{day_and_clock(touch.occurred_at, rep_tz)} your time"
    return Focus(row, follow_up.remaining, list(skip))


@dataclass(frozen=True)
class SnoozePreset:
    label: str
    until: dt.datetime


def snooze_presets(follow_up: FollowUp, *, now: dt.datetime) -> dict[str, SnoozePreset]:
    """Later today (three hours on), tomorrow, next week: from the start of that day on the contact's clock, so the
    planner puts the follow-up in that day's first open window."""
    tz = follow_up_zone(follow_up)
    today = now.astimezone(tz).date()

    def day_start(days: int) -> dt.datetime:
        return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(), tz)

    return {
        "later_today": SnoozePreset("Later today", now + dt.timedelta(hours=3)),
        "tomorrow": SnoozePreset("Tomorrow", day_start(1)),
        "next_week": SnoozePreset("Next week", day_start(7)),
    }
