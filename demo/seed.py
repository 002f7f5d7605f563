"""The demo team behind `manage.py seed_demo`: freight sales with eight weeks of follow-up history.

The history follows docs/field-reports.md: most dials go unanswered and get a voicemail carrying one of the three
I's, reached prospects mostly pick up on the first attempt and nearly all by the sixth, 8-9 am, 4-5 pm and
Wednesday/Thursday connect best, and one high-value account gets the long haul (Joe, docs/field-reports.md §4).
Everything comes from `random.Random(seed)` and `now`, so a seed is reproducible and every history ends before `now`.
"""

from __future__ import annotations

import itertools
import math
import random
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import F, Max, Min, OuterRef, Q, Subquery

from cadence.models import Cadence, Enrollment, default_windows
from cadence.scheduler import scheduler_sweep
from cadence.selectors import cadence_for_prospect
from cadence.services import enrollments_plan
from crm.models import Contact, Marker, Prospect, Team, User
from demo import words
from mailroom.services.mailboxes import mailboxes_demo_connect
from touches.models import Channel, Kind, Outcome, Theme, Touch
from touches.models import Source as TouchSource
from touches.services import message_library_seed

DEMO_TEAM_NAME = "Ridgeline Freight Sales"
DEMO_PASSWORD = "pursuit-demo"
HIGH_VALUE_THRESHOLD = Decimal("50000")
BATCH_SIZE = 500
# An enrollment counts attempts from the first touch of the current round; older touches were earlier rounds.
ROUND_DAYS = 16
STALE_PLANNED_AT = timedelta(hours=20)
GAPS = (1, 2, 2, 2, 3)  # working days between attempts, around "every other day"
LONG_GAPS = (2, 3, 3, 4, 5)  # high-value accounts are chased for longer, less often
WINDOWS = [(time.fromisoformat(start), time.fromisoformat(end)) for start, end in default_windows()]
GOOD_WINDOWS = (0, 3)  # 8-9 am and 4-5 pm connect best (docs/field-reports.md)
THEMES = (Theme.INFORMATION, Theme.INVITATION, Theme.INTRODUCTION)
GATEKEEPERS = (Contact.Role.ASSISTANT, Contact.Role.RECEPTIONIST)
MARKER_FIELDS = ("is_right_buyer", "buys_what_we_sell", "still_there")

Step = tuple[str, str]  # (what happens on an attempt day, its detail)
Plan = tuple[list[Step], int, tuple[int, ...]]  # steps, days before yesterday of the last one, gaps


class DemoSeedConflict(Exception):
    """A demo username belongs to someone outside the demo team; seeding would merge two people."""


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    name: str
    is_available: bool


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    team_id: int
    team_name: str
    password: str
    logins: tuple[DemoLogin, ...]
    counts: dict[str, int]
    # Hook for the cadence engine: the prospects to enroll. The seed creates no enrollments or follow-ups.
    active_prospect_ids: tuple[int, ...]


def demo_data_seed(*, now: datetime, seed: int = 42) -> DemoSummary:
    """Create the demo team once; on later runs change nothing and describe what is there.

    1. Claim the team name. A concurrent run blocks on the unique index, then finds the team and returns.
    2. Create staff and cadences, build every prospect, contact and touch in memory, bulk-create them.
    3. Backdate created_at, which auto_now_add pins to the wall clock, so timelines read true against `now`.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    with transaction.atomic():
        defaults = {"high_value_threshold": HIGH_VALUE_THRESHOLD}
        team, created = Team.objects.get_or_create(name=DEMO_TEAM_NAME, defaults=defaults)
        if not created:
            return _summary(team, created=False)
        # The demo team's own wording, about freight; a new team starts from the generic library.
        message_library_seed(team=team, drafts=words.FREIGHT_LIBRARY)
        builder = _Builder(random.Random(seed), now, team, _staff_create(team, now))
        builder.build()
        Prospect.objects.bulk_create(builder.prospects, batch_size=BATCH_SIZE)
        Contact.objects.bulk_create(builder.contacts, batch_size=BATCH_SIZE)
        Touch.objects.bulk_create(builder.touches, batch_size=BATCH_SIZE)
        _backdate(team, builder)
        _enroll(team, now=now)
        return _summary(team, created=True)


def _enroll(team: Team, *, now: datetime) -> None:
    """Enroll every active and engaged prospect, each planned as of its last touch, as if the scheduler had run
    right after it. The demo then opens on a realistic day: a few follow-ups overdue, some due today, most ahead.

    An enrollment counts attempts from its `counts_from`, set to the first touch of the current round (the last two
    weeks): older history belongs to earlier rounds.
    """
    round_start = now - timedelta(days=ROUND_DAYS)
    prospects = (
        Prospect.objects.filter(team=team, status__in=[Prospect.Status.ACTIVE, Prospect.Status.ENGAGED])
        .select_related("team")
        .annotate(
            last_touch=Max("touches__occurred_at"),
            round_start=Min("touches__occurred_at", filter=Q(touches__occurred_at__gte=round_start)),
        )
        .order_by("pk")
    )
    plans: list[tuple[Enrollment, datetime]] = []
    for prospect in prospects:
        # A lead last touched weeks ago was planned "yesterday": the demo shows a rep a little behind, not buried.
        planned_at = min(max(prospect.last_touch or now, now - STALE_PLANNED_AT), now)
        enrollment = Enrollment(
            prospect=prospect,
            cadence=cadence_for_prospect(prospect=prospect),
            owner_id=prospect.owner_id,
            started_at=prospect.round_start or planned_at,
            counts_from=prospect.round_start or planned_at,
            next_due_at=planned_at,
        )
        if prospect.status == Prospect.Status.ENGAGED and prospect.pk % 2:
            enrollment.next_step = "Send the lane pricing they asked for"
            step_day = _working_day((planned_at + timedelta(days=2)).date())
            enrollment.next_step_due_at = datetime.combine(step_day, time(10), tzinfo=ZoneInfo(prospect.timezone))
        plans.append((enrollment, planned_at))
    Enrollment.objects.bulk_create([enrollment for enrollment, _ in plans], batch_size=BATCH_SIZE)
    for enrollment, planned_at in plans:
        enrollments_plan(enrollment_ids=[enrollment.pk], now=planned_at)
    scheduler_sweep(now=now)


def _staff_create(team: Team, now: datetime) -> dict[str, User]:
    usernames = [username for username, *_ in words.STAFF]
    taken = sorted(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    if taken:
        raise DemoSeedConflict(f"Usernames already taken outside the demo team: {', '.join(taken)}")
    password = make_password(DEMO_PASSWORD)  # hashing is deliberately slow: once for all six
    users = []
    for username, first, last, role, tz in words.STAFF:
        user = User(username=username, first_name=first, last_name=last, role=role, timezone=tz, team=team)
        user.email, user.password = f"{username}@ridgeline.example", password
        user.is_staff, user.is_available = role == User.Role.MANAGER, username != words.ON_VACATION
        user.date_joined = now - timedelta(days=200)
        user.last_login = now - timedelta(days=1)  # joined: leads are only given to reps who have logged in
        users.append(user)
    manager, *_ = User.objects.bulk_create(users)
    team.managers.add(manager)
    mailboxes_demo_connect(users=[user for user in users if user.role == User.Role.REP])
    # is_staff alone shows an empty admin: she reads everything and edits pipeline data, but not users.
    editable = [f"{verb}_{model}" for verb in ("add", "change") for model in ("prospect", "contact", "touch")]
    readable = Q(codename__startswith="view_", content_type__app_label__in=("crm", "touches", "cadence"))
    manager.user_permissions.set(Permission.objects.filter(readable | Q(codename__in=editable)))
    long_haul = Cadence(team=team, name="Long haul", is_high_value=True, min_touches=10, max_touches=36)
    long_haul.gaps_days = [2, 2, 3, 3, 5, 7, 7, 14, 14, 21]
    long_haul.pleasantly_persistent, long_haul.on_finish = True, Cadence.OnFinish.REASSIGN
    # The same-day email backs up each voicemail (docs/field-reports.md §2's "always leave a voicemail", then write): on
    # in the demo, so a newcomer meets the email rows of a real day, sent from the demo mailbox.
    every_other_day = Cadence(team=team, name="Every other day", is_default=True, email_after_voicemail=True)
    long_haul.email_after_voicemail = True
    Cadence.objects.bulk_create([every_other_day, long_haul])
    return {user.username: user for user in users}


def _backdate(team: Team, builder: _Builder) -> None:
    for prospect, (created_at, updated_at) in zip(builder.prospects, builder.stamps, strict=True):
        prospect.created_at, prospect.updated_at = created_at, updated_at
    Prospect.objects.bulk_update(builder.prospects, ["created_at", "updated_at"], batch_size=BATCH_SIZE)
    # One UPDATE per table, not a CASE per row: contacts date from their account, touches from the call.
    added = Subquery(Prospect.objects.filter(pk=OuterRef("prospect_id")).values("created_at")[:1])
    Contact.objects.filter(prospect__team=team).update(created_at=added, updated_at=added)
    logged = F("occurred_at") + timedelta(minutes=2)
    Touch.objects.filter(prospect__team=team).update(created_at=logged, updated_at=logged)


def _summary(team: Team, *, created: bool) -> DemoSummary:
    usernames = [username for username, *_ in words.STAFF]  # not whoever joined the team later
    staff = list(User.objects.filter(team=team, username__in=usernames).order_by("role", "id"))
    prospects = Prospect.objects.filter(team=team)
    active = prospects.filter(status=Prospect.Status.ACTIVE).order_by("id").values_list("id", flat=True)
    counts = {
        "users": len(staff),
        "prospects": prospects.count(),
        "contacts": Contact.objects.filter(prospect__team=team).count(),
        "touches": Touch.objects.filter(prospect__team=team).count(),
        "cadences": Cadence.objects.filter(team=team).count(),
    }
    logins = tuple(DemoLogin(u.role, u.username, u.get_full_name(), u.is_available) for u in staff)
    return DemoSummary(created, team.pk, team.name, DEMO_PASSWORD, logins, counts, tuple(active))


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), list(weights.values()))[0]


def _first(contact: Contact) -> str:
    return contact.name.split()[0]


def _working_day(day: date) -> date:
    return day - timedelta(days=max(0, day.weekday() - 4))  # a weekend day becomes the Friday before


class _Builder:
    """Builds unsaved rows; related rows are linked by instance and get their ids during bulk_create."""

    def __init__(self, rng: random.Random, now: datetime, team: Team, staff: dict[str, User]) -> None:
        self.rng, self.now, self.team, self.staff = rng, now, team, staff
        self.prospects: list[Prospect] = []
        self.contacts: list[Contact] = []
        self.touches: list[Touch] = []
        self.stamps: list[tuple[datetime, datetime]] = []  # (created_at, updated_at) per prospect
        self.names = {words.JOE_ACCOUNT}
        self.switchboard = ""  # phone pattern of the account being built, for contacts at its head office

    def build(self) -> None:
        self._joe()
        statuses = [status for status, count in words.STATUS_MIX.items() for _ in range(count)]
        self.rng.shuffle(statuses)
        for status in statuses:
            self._prospect(status)

    def _joe(self) -> None:
        joe = Prospect(name=words.JOE_ACCOUNT, team=self.team, owner=self.staff["alex"], country="US")
        joe.timezone, joe.estimated_value = "America/Chicago", Decimal("185000")
        joe.is_right_buyer = joe.buys_what_we_sell = joe.still_there = Marker.YES
        contacts = [Contact(prospect=joe, name=n, role=r, title=t, email=e) for n, r, t, e in words.JOE_CAST]
        self.switchboard = words.JOE_SWITCHBOARD
        for contact in contacts:
            contact.phone = self._phone("")
        steps = [words.JOE_SPECIAL_STEPS.get(i, ("dial", "")) for i in range(words.JOE_ATTEMPTS)]
        country = words.COUNTRIES["US"]._replace(lanes=(words.JOE_LANE,))
        self._add(joe, contacts, country, (steps, 0, (2, 2, 3, 3)))  # "over the next few months"

    def _prospect(self, status: str) -> None:
        rng = self.rng
        code = _pick(rng, {code: country.weight for code, country in words.COUNTRIES.items()})
        country = words.COUNTRIES[code]
        name, domain = self._company(country)
        tz = rng.choice(country.timezones)
        self.switchboard = rng.choice(words.PHONES[tz])  # one office, one area code
        owner = self.staff[rng.choice(words.TERRITORIES[code])]
        prospect = Prospect(name=name, team=self.team, owner=owner, status=status, country=code)
        prospect.timezone, prospect.source = tz, _pick(rng, words.SOURCES)
        # Log-normal: most accounts are worth a few thousand, a handful are whales above the threshold.
        value = 500 * round(rng.lognormvariate(math.log(8000), 0.95) / 500)
        prospect.estimated_value = Decimal(min(value, 400_000))
        markers = words.MARKERS.get(status, words.MARKERS["other"])
        for field, (yes, no) in zip(MARKER_FIELDS, markers, strict=True):
            weights = {Marker.YES: yes, Marker.NO: no, Marker.UNKNOWN: 100 - yes - no}
            setattr(prospect, field, _pick(rng, weights))
        roles = [Contact.Role.DECISION_MAKER if rng.random() < 0.85 else Contact.Role.INFLUENCER]
        roles += [_pick(rng, words.OTHER_ROLES) for _ in range(_pick(rng, words.MORE_CONTACTS))]
        contacts = [self.person(prospect, country, role, domain) for role in roles]
        long_haul = prospect.estimated_value > HIGH_VALUE_THRESHOLD
        self._add(prospect, contacts, country, self._plan(status, long_haul, contacts))

    def _add(self, prospect: Prospect, contacts: list[Contact], country: words.Country, plan: Plan) -> None:
        story = _Story(self, prospect, contacts, country)
        story.play(*plan)
        times = [touch.occurred_at for touch in story.touches]
        if not times:  # a lead that came in today and has not been called yet
            created = updated = self.now - timedelta(hours=self.rng.randint(1, 30))
        elif prospect.source == Prospect.Source.INBOUND:  # web leads are called within minutes
            created, updated = min(times) - timedelta(minutes=self.rng.randint(2, 40)), max(times)
        else:
            created, updated = min(times) - timedelta(days=self.rng.randint(0, 6), hours=2), max(times)
        self.prospects.append(prospect)
        self.contacts.extend(story.contacts)
        self.touches.extend(story.touches)
        self.stamps.append((created, updated + timedelta(minutes=2)))

    def _plan(self, status: str, long_haul: bool, contacts: list[Contact]) -> Plan:
        rng, gate = self.rng, any(contact.role in GATEKEEPERS for contact in contacts)
        if status == Prospect.Status.ACTIVE:
            count = rng.randint(4, 11) if long_haul else rng.choices(range(9), words.ACTIVE_ATTEMPTS)[0]
            steps = self._chase(count, gate)
            if long_haul and count >= 10:
                steps[9] = ("dial", Kind.PLEASANTLY_PERSISTENT)
            elif count == 8 and not long_haul:
                steps[7] = ("dial", Kind.BREAKUP)  # the 8th attempt is the breakup message (docs/field-reports.md §2)
            dials = [i for i, (kind, _) in enumerate(steps[1:-1], start=1) if kind == "dial"]
            if len(contacts) > 1 and dials and rng.random() < 0.12:
                steps[rng.choice(dials)] = ("left", "")
            return steps, rng.choice((0, 0, 0, 1, 1, 2, 3, 6)), LONG_GAPS if long_haul else GAPS
        if status == Prospect.Status.DORMANT:
            steps = [*self._chase(7, gate), ("dial", Kind.BREAKUP)]
            return steps + [("log", "later")] * (rng.random() < 0.3), rng.randint(6, 20), GAPS
        # the breakup got the reply (docs/field-reports.md §2)
        if status == Prospect.Status.ENGAGED and rng.random() < 0.15:
            return [*self._chase(7, gate), ("dial", Kind.BREAKUP), ("log", "rates")], rng.randint(0, 8), GAPS
        outcome = words.REACH_OUTCOME[status]
        if status == Prospect.Status.ENGAGED and rng.random() < 0.35:
            outcome = Outcome.MEETING_BOOKED
        steps = [*self._chase(_pick(rng, words.REACHED_ON) - 1, gate), ("reach", outcome)]
        if status == Prospect.Status.WON:
            steps += [("log", "meeting"), ("log", "won")]
        return steps, rng.randint(0, 10) if status == Prospect.Status.ENGAGED else rng.randint(2, 21), GAPS

    def _chase(self, count: int, gate: bool) -> list[Step]:
        """Attempts that get no answer: mostly calls, some emails, now and then a word with a gatekeeper."""
        steps: list[Step] = [("dial", "")] * count
        for i in range(1, count):
            roll = self.rng.random()
            if roll < 0.18:
                steps[i] = ("email", "")
            # Never last: a "connected" call at the end of the history reads as a conversation with the buyer.
            elif gate and roll < 0.24 and i < count - 1:
                steps[i] = ("gate", "")
        return steps

    def _company(self, country: words.Country) -> tuple[str, str]:
        while True:
            prefix, industry = self.rng.choice(country.prefixes), self.rng.choice(country.industries)
            suffix = self.rng.choice(country.suffixes)
            name = country.pattern.format(prefix=prefix, industry=industry, suffix=suffix)
            if name not in self.names:
                self.names.add(name)
                return name, f"{_ascii(prefix)}{_ascii(industry)}.example"

    def person(self, prospect: Prospect, country: words.Country, role: str, domain: str) -> Contact:
        rng = self.rng
        first, last = (rng.choice(names) for names in words.PEOPLE[country.people])
        title = rng.choice(words.TITLES[role])
        contact = Contact(prospect=prospect, name=f"{first} {last}", role=role, title=title)
        # Receptionists sit at head office; others are sometimes a regional buyer in another zone.
        if role != Contact.Role.RECEPTIONIST and rng.random() < 0.12:
            contact.timezone = rng.choice(country.away_timezones)
        contact.phone = self._phone(contact.timezone)
        mailbox = "frontdesk" if role == Contact.Role.RECEPTIONIST else f"{_ascii(first)}.{_ascii(last)}"
        contact.email = f"{mailbox}@{domain}"
        contact.email_bounced, contact.do_not_contact = rng.random() < 0.03, rng.random() < 0.015
        return contact

    def _phone(self, away_tz: str) -> str:
        pattern = self.rng.choice(words.PHONES[away_tz]) if away_tz else self.switchboard
        return "".join(str(self.rng.randrange(10)) if ch == "#" else ch for ch in pattern)


class _Story:
    """One prospect's history: days planned backwards from the last attempt, touches played forwards."""

    def __init__(self, builder: _Builder, prospect: Prospect, contacts: list[Contact], country: words.Country) -> None:
        self.builder, self.rng, self.now = builder, builder.rng, builder.now
        self.prospect, self.contacts, self.country, self.target = prospect, contacts, country, contacts[0]
        lane, peer = self.rng.choice(country.lanes), self.rng.choice(words.EN_INDUSTRIES).lower()
        self.ctx = {"first": _first(self.target), "lane": lane, "city": lane.split("→")[0], "peer": peer}
        start = self.rng.randrange(len(THEMES))
        self.themes = itertools.cycle(THEMES[start:] + THEMES[:start])  # rotate the three I's
        # Each theme's messages come round in shuffled order: the same message is never left twice running.
        self.messages = {t: itertools.cycle(self.rng.sample(m, len(m))) for t, m in words.VOICEMAIL.items()}
        self.emails = {t: itertools.cycle(self.rng.sample(m, len(m))) for t, m in words.EMAIL_NOTES.items()}
        self.bounce_logged: set[int] = set()
        self.touches: list[Touch] = []

    def play(self, steps: list[Step], end: int, gaps: tuple[int, ...]) -> None:
        offset = self.rng.randrange(len(WINDOWS))
        for i, ((kind, detail), day) in enumerate(zip(steps, self._days(steps, end, gaps), strict=True)):
            window = (offset + i) % len(WINDOWS)  # a different time of day on each attempt (docs/field-reports.md §2)
            if kind == "reach" and self.rng.random() < 0.7:
                window = self.rng.choice(GOOD_WINDOWS)
            getattr(self, f"_{kind}")(self._at(day, window), detail)  # each step kind has a _<kind> method

    def _days(self, steps: list[Step], end: int, gaps: tuple[int, ...]) -> list[date]:
        # Backwards from local yesterday, so every touch is in the past and active leads are current.
        day = _working_day(self.now.astimezone(ZoneInfo(self._tz())).date() - timedelta(days=1 + end))
        days = []
        for kind, _ in reversed(steps):
            if kind == "reach" and day.weekday() in (0, 1, 4) and self.rng.random() < 0.5:
                day -= timedelta(days=(day.weekday() - self.rng.choice((2, 3))) % 7)  # Wed and Thu connect best
            saturday = day.weekday() == 0 and self.rng.random() < 0.03  # the odd weekend catch-up
            days.append(day - timedelta(days=2) if saturday else day)
            for _ in range(self.rng.choice(gaps)):
                day = _working_day(day - timedelta(days=1))
        return days[::-1]

    def _tz(self, contact: Contact | None = None) -> str:
        return (contact or self.target).timezone or self.prospect.timezone

    def _at(self, day: date, window: int) -> datetime:
        start, end = WINDOWS[window]
        span = (datetime.combine(day, end) - datetime.combine(day, start)).total_seconds()
        local = datetime.combine(day, start, tzinfo=ZoneInfo(self._tz()))
        return (local + timedelta(seconds=self.rng.uniform(0, span))).astimezone(UTC).replace(microsecond=0)

    def _touch(
        self, at: datetime, channel: str, outcome: str, contact: Contact | None, note: str = "", **fields: Any
    ) -> None:
        touch = Touch(prospect=self.prospect, rep=self.prospect.owner, occurred_at=at, **fields)
        touch.contact, touch.channel, touch.outcome = contact, channel, outcome
        touch.note = note.format(**self.ctx)
        touch.source = TouchSource.API if self.rng.random() < 0.15 else TouchSource.WEB  # some log on a phone
        self.touches.append(touch)

    def _dial(self, at: datetime, kind: str) -> None:
        """Ring; on no answer leave a voicemail, sometimes followed by the same message in writing."""
        rng, target, kind = self.rng, self.target, kind or Kind.REGULAR
        ring = rng.randint(20, 40)
        self._touch(at, Channel.CALL, Outcome.NO_ANSWER, target, duration_seconds=ring)
        # Reps mostly leave a voicemail (docs/field-reports.md §2: "I always leave a voicemail!"), and always the first
        # time.
        if kind != Kind.REGULAR or len(self.touches) == 1 or rng.random() < 0.85:
            theme = next(self.themes) if kind == Kind.REGULAR else Theme.NONE
            message = words.KIND_VOICEMAIL.get(kind) or next(self.messages[theme])
            at, seconds = at + timedelta(seconds=ring), rng.randint(25, 60)
            extra = {"kind": kind, "theme": theme, "duration_seconds": seconds}
            self._touch(at, Channel.VOICEMAIL, Outcome.LEFT_VOICEMAIL, target, message, **extra)
            if kind == Kind.BREAKUP or (kind == Kind.REGULAR and rng.random() < 0.2):
                self._send(at + timedelta(minutes=rng.randint(10, 90)), kind, theme)
        if rng.random() < 0.05:  # a research note, which is not an attempt
            later, note = at + timedelta(hours=2), rng.choice(words.RESEARCH)
            self._touch(later, Channel.OTHER, Outcome.SENT, None, note)

    def _email(self, at: datetime, _detail: str) -> None:
        if self.target.email_bounced and id(self.target) in self.bounce_logged:
            self._dial(at, Kind.REGULAR)  # the address is dead, so the rep calls instead
        else:
            self._send(at, Kind.REGULAR, next(self.themes))

    def _send(self, at: datetime, kind: str, theme: str) -> None:
        target = self.target
        if not target.email_bounced:
            note = words.BREAKUP_EMAIL if kind == Kind.BREAKUP else next(self.emails[theme])
            self._touch(at, Channel.EMAIL, Outcome.SENT, target, note, kind=kind, theme=theme)
        elif id(target) not in self.bounce_logged:
            self.bounce_logged.add(id(target))
            self._touch(at, Channel.EMAIL, Outcome.BOUNCED, target, f"Bounced: {target.email}")

    def _gate(self, at: datetime, role: str) -> None:
        """A word with the front desk, an assistant or a colleague: connected, but not with the buyer."""
        contact = next(c for c in self.contacts if c.role == role or (not role and c.role in GATEKEEPERS))
        # The same time of day at their desk, which may be in another zone than the buyer's.
        at = at.astimezone(ZoneInfo(self._tz())).replace(tzinfo=ZoneInfo(self._tz(contact))).astimezone(UTC)
        note, seconds = self.rng.choice(words.GATEKEEPER_NOTES[contact.role]), self.rng.randint(40, 150)
        self._touch(at, Channel.CALL, Outcome.CONNECTED, contact, note, duration_seconds=seconds)

    def _reach(self, at: datetime, outcome: str) -> None:
        seconds = self.rng.randint(*words.REACH_SECONDS[outcome])
        self.ctx["minutes"] = str(seconds // 60)
        note = self.rng.choice(words.REACH_NOTES[outcome])
        self._touch(at, Channel.CALL, outcome, self.target, note, duration_seconds=seconds)
        if outcome == Outcome.OPTED_OUT:
            self.target.do_not_contact = True

    def _left(self, at: datetime, _detail: str) -> None:
        """The buyer has gone (docs/field-reports.md §0: "are they even employed there anymore?"): chase the
        replacement."""
        gone, domain = self.target, self.target.email.split("@")[-1]
        gone.left_company = True
        self.target = self.builder.person(self.prospect, self.country, Contact.Role.DECISION_MAKER, domain)
        self.contacts.append(self.target)
        self.ctx["new"] = self.target.name
        note, seconds = words.LEFT_COMPANY_NOTE, self.rng.randint(40, 120)
        self._touch(at, Channel.CALL, Outcome.LEFT_COMPANY, gone, note, duration_seconds=seconds)
        self.ctx["first"] = _first(self.target)

    def _log(self, at: datetime, what: str) -> None:
        """A reply, a meeting or a win: each is one touch described in `words.LOGGED`."""
        channel, outcome, note, minutes = words.LOGGED[what]
        seconds = 60 * self.rng.randint(*minutes) if minutes else None
        self._touch(at, channel, outcome, self.target, note, duration_seconds=seconds)
        if what == "later":  # "call me after peak season": park the account until then
            self.prospect.recycle_on = (self.now + timedelta(days=self.rng.randint(30, 120))).date()
