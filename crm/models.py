from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import CharField, F, Func, Q, Value
from django.db.models.functions import Lower, Upper

from crm.validators import (
    validate_country,
    validate_currency,
    validate_date_in_range,
    validate_phone,
    validate_single_line,
    validate_timezone,
)


class Team(models.Model):
    class Coverage(models.TextChoices):
        HOLD = "hold", "Hold their leads until they are back"
        COVER = "cover", "A teammate covers their leads meanwhile"

    name = models.CharField(max_length=100, unique=True)
    managers = models.ManyToManyField("crm.User", related_name="managed_teams", blank=True)
    # New prospects worth more than this get the team's high-value (long-haul) cadence.
    high_value_threshold = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # What happens to an absent rep's due follow-ups: held (the cadence resumes on their first day back, nothing
    # turns overdue meanwhile) or covered by the least-loaded available teammate for the duration.
    absence_coverage = models.CharField(max_length=5, choices=Coverage.choices, default=Coverage.HOLD)
    # How many new leads a rep starts a working day: an import or a batch of new leads is paced by it, so first
    # attempts spread over the coming days instead of all falling due at once.
    daily_new_leads = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    # Values are compared (the high-value threshold, the dashboard's sums) in the team's currency. An amount in
    # another currency is converted at the rate its manager set: {"JPY": "0.0067"} is 0.0067 of the team's
    # currency for one yen. Pursuit has no rates feed; a currency with no rate is an import row's error.
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency])
    exchange_rates = models.JSONField(default=dict, blank=True)
    # Inbound leads (cadence.services.inbound). The key a website's form posts with: it names the team, it is no
    # secret (it sits in the page's HTML), and a new one replaces it at once. Null until a manager makes one.
    inbound_key = models.CharField(max_length=40, null=True, blank=True, unique=True, editable=False)
    # The sites whose pages may post leads from a browser (CORS), as origins: "https://www.example.com".
    inbound_origins = models.JSONField(default=list, blank=True)
    # A new inbound lead not tried within this many minutes of its rep's working hours goes to the next rep.
    inbound_sla_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(1), MaxValueValidator(480)]
    )
    # The reps' working hours on their own clock, on the team's working days: the inbound limit counts in them.
    workday_start = models.TimeField(default=dt.time(8))
    workday_end = models.TimeField(default=dt.time(18))
    # Routing's first rule: a lead from a company (or an email domain) a rep already works goes to that rep.
    route_to_account_owner = models.BooleanField(default=True)
    # Round robin skips a rep holding this many open leads or more. Null: no limit.
    rep_capacity = models.PositiveIntegerField(null=True, blank=True, validators=[MaxValueValidator(100_000)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        REP = "rep", "Rep"
        MANAGER = "manager", "Manager"

    role = models.CharField(max_length=10, choices=Role.choices, default=Role.REP)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="reps")
    # An unavailable rep (vacation, full pipeline) is never picked when leads are handed over.
    is_available = models.BooleanField(default=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    # Breaks ties between equally loaded reps when leads are handed over: least recently assigned goes first.
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    # SHA-256 (hex) of the secret in the rep's private calendar feed URL; the secret itself is never stored (see
    # crm.calendar_tokens). Null means no feed. A new token replaces the hash, so the old URL stops working at once.
    calendar_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    # The last day of the absence the rep is on now, kept by the absence services: pages show a banner and
    # hand-overs skip the rep without a query. Null when the rep is not away.
    away_until = models.DateField(null=True, blank=True, editable=False)
    # Inbound routing's round robin: a rep of weight 2 gets twice the leads of a rep of weight 1; 0 takes none.
    routing_weight = models.PositiveSmallIntegerField(default=1, validators=[MaxValueValidator(10)])
    # Languages the rep sells in (ISO 639-1 codes), for routing rules by language.
    languages = models.JSONField(default=list, blank=True)

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER

    @property
    def has_joined(self) -> bool:
        """Logged in at least once: until then an invited rep is given no leads (crm.selectors.reps_taking_leads)."""
        return self.last_login is not None

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Marker(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Unknown"


class ClockSource(models.TextChoices):
    """Where a prospect's or contact's time zone came from (crm.clocks): a guess says so on the lead until a person
    confirms or corrects it."""

    EXPLICIT = "explicit", "Given"
    PHONE = "phone", "From the phone number"
    REGION = "region", "From the state or city"
    COUNTRY = "country", "From the country"
    COUNTRY_GUESS = "country_guess", "Guessed from the country: it spans several zones"
    REP = "rep", "Guessed from the rep"


class Prospect(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENGAGED = "engaged", "Engaged"
        WON = "won", "Won"
        LOST = "lost", "Lost"
        DORMANT = "dormant", "Dormant"
        DO_NOT_CONTACT = "do_not_contact", "Do not contact"

    CLOSED_STATUSES = (Status.WON, Status.LOST, Status.DO_NOT_CONTACT)

    class Source(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"
        REFERRAL = "referral", "Referral"
        EVENT = "event", "Event"
        IMPORT = "import", "Import"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, validators=[validate_single_line])
    # No index of their own for these three: the composite indexes below start with them and serve every lookup
    # (and the PROTECT checks); each index more is work on every write and planning time on every join.
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="prospects", db_index=False)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="owned_prospects", db_index=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    # In the team's currency. When the value was given in another one, it is kept as written beside it.
    estimated_value = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    value_written = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    value_currency = models.CharField(max_length=3, blank=True, validators=[validate_currency])
    website = models.CharField(max_length=200, blank=True, validators=[validate_single_line])
    notes = models.TextField(blank=True, max_length=10_000)
    # The team's own fields (TeamField), by name: what an import brought that Pursuit has no column for.
    custom = models.JSONField(default=dict, blank=True)
    # The import that created it: its leads as a list filter, and what undoing the import removes.
    import_job = models.ForeignKey(
        "crm.ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="prospects", db_index=False
    )
    country = models.CharField(max_length=2, blank=True, validators=[validate_country])
    # Where it is, as far as a zone goes: in a country that spans zones, the state and city say which.
    region = models.CharField(max_length=100, blank=True, validators=[validate_single_line])
    city = models.CharField(max_length=100, blank=True, validators=[validate_single_line])
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    # Blank for rows older than the record of it.
    timezone_source = models.CharField(max_length=16, choices=ClockSource.choices, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.OUTBOUND)
    # The language to speak to them in (ISO 639-1), when known: inbound routing may place a lead by it.
    language = models.CharField(max_length=8, blank=True)
    # The three questions reps judge a silent lead by (docs/field-reports.md §0): right buyer, moves our freight, still
    # there.
    is_right_buyer = models.CharField(max_length=7, choices=Marker.choices, default=Marker.UNKNOWN)
    buys_what_we_sell = models.CharField(max_length=7, choices=Marker.choices, default=Marker.UNKNOWN)
    still_there = models.CharField(max_length=7, choices=Marker.choices, default=Marker.UNKNOWN)
    recycle_on = models.DateField(null=True, blank=True, validators=[validate_date_in_range])
    # While its owner is away and the team covers: the teammate who works the lead meanwhile (and may see it).
    covered_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="covered_prospects",
        editable=False,
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["team", "status"]),
            models.Index(fields=["updated_at"]),
            models.Index(fields=["recycle_on"], condition=Q(recycle_on__isnull=False), name="prospect_recycle_idx"),
            models.Index(fields=["import_job"], condition=Q(import_job__isnull=False), name="prospect_import_job_idx"),
            # The API's list by name, one per visibility branch (crm.selectors.prospect_page_visible): each page is
            # a range of one of these, not a sort of everything the user sees.
            models.Index(fields=["owner", "name", "id"], name="prospect_owner_name_idx"),
            models.Index(fields=["team", "name", "id"], name="prospect_team_name_idx"),
            models.Index(
                fields=["covered_by", "name", "id"],
                condition=Q(covered_by__isnull=False),
                name="prospect_covered_name_idx",
            ),
            models.Index(fields=["name", "id"], name="prospect_name_idx"),
            # An inbound lead's company by its name, whatever its case (cadence.services.inbound.account_owner_for).
            models.Index(F("team"), Upper("name"), name="prospect_team_upper_name_idx"),
            # The same per branch for the list newest activity first (the list page's "Recently updated", where
            # an import's "See the prospects" leads): a page reads its rows, not every team's backwards by time.
            # The owner rides along, so that counting a branch without the user's own leads (counted apart), and
            # listing a team's owners, read these indexes alone (crm.selectors.prospect_count_visible).
            models.Index(fields=["owner", "-updated_at", "-id"], name="prospect_owner_recent_idx"),
            models.Index(fields=["team", "-updated_at", "-id"], include=["owner"], name="prospect_team_recent_idx"),
            models.Index(
                fields=["covered_by", "-updated_at", "-id"],
                include=["owner"],
                condition=Q(covered_by__isnull=False),
                name="prospect_covered_recent_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(estimated_value__gte=0), name="prospect_value_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED_STATUSES


class Contact(models.Model):
    class Role(models.TextChoices):
        DECISION_MAKER = "decision_maker", "Decision maker"
        INFLUENCER = "influencer", "Influencer"
        ASSISTANT = "assistant", "Assistant"
        RECEPTIONIST = "receptionist", "Receptionist"
        OTHER = "other", "Other"

    prospect = models.ForeignKey(Prospect, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200, validators=[validate_single_line])
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.OTHER)
    title = models.CharField(max_length=200, blank=True, validators=[validate_single_line])
    phone = models.CharField(max_length=40, blank=True, validators=[validate_phone])
    email = models.EmailField(blank=True)
    # Blank means "the prospect's": most contacts sit where the account does. A contact's own number or a zone
    # given for them gives them a clock of their own.
    country = models.CharField(max_length=2, blank=True, validators=[validate_country])
    timezone = models.CharField(max_length=64, blank=True, validators=[validate_timezone])
    timezone_source = models.CharField(max_length=16, choices=ClockSource.choices, blank=True)
    do_not_contact = models.BooleanField(default=False)
    left_company = models.BooleanField(default=False)
    wrong_person = models.BooleanField(default=False)
    email_bounced = models.BooleanField(default=False)
    # The import that added it to a prospect already in Pursuit (a merge): undoing the import takes it back.
    import_job = models.ForeignKey(
        "crm.ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["prospect_id", "name"]
        indexes = [
            models.Index(fields=["import_job"], condition=Q(import_job__isnull=False), name="contact_import_job_idx"),
            models.Index(fields=["email"]),
            # Mail Pursuit reads is matched to its sender case-blind (email__iexact compares upper(email)).
            models.Index(Upper("email"), name="contact_email_upper_idx"),
            # An inbound lead's company by its email domain (cadence.services.inbound.account_owner_for).
            models.Index(
                Lower(Func(F("email"), Value("@"), Value(2), function="split_part", output_field=CharField())),
                condition=~Q(email=""),
                name="contact_email_domain_idx",
            ),
            models.Index(fields=["phone"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_timezone(self) -> str:
        return self.timezone or self.prospect.timezone

    @property
    def is_reachable(self) -> bool:
        return not (self.do_not_contact or self.left_company or self.wrong_person)


class Absence(models.Model):
    """A rep away from .. to .. (both days included). The sweep applies it when it starts (the rep's leads are
    held or covered as the team chose) and undoes that when it ends."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="absences")
    starts_on = models.DateField()
    ends_on = models.DateField()
    note = models.CharField(max_length=200, blank=True, validators=[validate_single_line])
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="absence_ends_after_it_starts"),
        ]
        indexes = [
            models.Index(fields=["starts_on"], condition=Q(applied_at__isnull=True), name="absence_to_apply_idx"),
            models.Index(fields=["ends_on"], condition=Q(ended_at__isnull=True), name="absence_to_end_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} away {self.starts_on:%d %b} to {self.ends_on:%d %b %Y}"


class FormSubmission(models.Model):
    """A form that writes, submitted once: its id is made when the form is rendered (a hidden field), and the
    first POST that carries it claims it in the same transaction as its write. A double click, a resubmitted
    form or a browser retry finds it claimed and changes nothing. Pruned after a day (`form_submissions_prune`).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    token = models.UUIDField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "token"], name="form_submission_once_per_user")]
        indexes = [models.Index(fields=["created_at"], name="form_submission_created_idx")]

    def __str__(self) -> str:
        return f"{self.token} by {self.user_id}"


class ImportMapping(models.Model):
    """How a team maps the columns of a file with this header, offered again for the next file like it."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="import_mappings")
    header_digest = models.CharField(max_length=64)
    columns = models.JSONField()  # file column -> our field ("" to ignore it)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "header_digest"], name="import_mapping_once_per_header"),
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.header_digest[:8]}"


class TeamField(models.Model):
    """A field of the team's own on its prospects (Prospect.custom holds the values by name): kept from an import's
    columns Pursuit has no place for, shown on the prospect page, searchable, in the API."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(max_length=100, validators=[validate_single_line])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="team_field_once_per_team"),
        ]

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    """One CSV import, from upload to result. Its state lives here, in PostgreSQL, so a page can show progress
    while a worker runs it and the user may leave and come back."""

    class State(models.TextChoices):
        MAPPING = "mapping", "Columns to map"
        PREVIEWING = "previewing", "Previewing"
        PREVIEWED = "previewed", "Previewed"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="import_jobs")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="import_jobs")
    file_name = models.CharField(max_length=255, blank=True)
    text = models.TextField()  # the decoded file, kept until the import is done
    digest = models.CharField(max_length=64)  # of the text: a re-upload of the same file is recognised
    header = models.JSONField(default=list)
    columns = models.JSONField(default=dict)  # file column -> our field
    roles = models.JSONField(default=dict)  # title -> role, where the user changed the guess
    options = models.JSONField(default=dict)  # owner, cadence, start: what the user chose
    state = models.CharField(max_length=10, choices=State.choices, default=State.MAPPING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    merged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    failures = models.JSONField(default=list)  # [[line, company, contact, error], ...] for the failed-rows CSV
    summary = models.JSONField(default=dict)  # the preview's counts and pacing, as shown
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the task was last handed to the queue: the minute sweep hands a queued job again when that was long ago
    # (the queue was down, or the message was lost), as it does for plans and emails.
    queued_at = models.DateTimeField(null=True, blank=True)
    undo_requested_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    undo_summary = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="import_job_user_recent_idx")]

    def __str__(self) -> str:
        return f"{self.file_name or 'import'} ({self.get_state_display()})"

    @property
    def percent(self) -> int:
        return round(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
