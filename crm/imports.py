"""Reading a CSV of prospects and contacts: the file, its columns, each row's values, and what would happen to it.

Nothing here writes. The import goes in steps (workspace/views/imports.py):
1. `import_read` decodes and sniffs the file and reads its header and rows (limits: MAX_ROWS, MAX_BYTES).
2. `columns_guess` maps each column to a field from HubSpot's and Salesforce's export names; the user confirms or
   changes the mapping, which is kept per header for the next file like it.
3. `import_rows` reads every row's values as people write them (crm/import_values.py), with a reason per error.
4. `import_plan` says, with three queries whatever the file's size, what happens to each row against the team's
   data and the rows above it: a new prospect, merged into one already in Pursuit, skipped, or failed.
`cadence.services.intake` writes what the plan says and enrolls the new prospects, paced.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F, Func, Value
from django.db.models.functions import Lower, Right

from crm.import_values import amount_parse, country_parse, phone_parse, role_from_title
from crm.models import Contact, Prospect, User
from crm.selectors import team_list_managed
from crm.validators import validate_single_line, validate_timezone

MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
SAMPLES = 3
PHONE_DIGITS = Func(F("phone"), Value(r"\D"), Value(""), Value("g"), function="regexp_replace")
# Numbers are compared on their last ten digits, so "+1 (212) 555-0199" and "212 555 0199" are the same phone.
PHONE_KEY_DIGITS = 10
PHONE_KEY = Right(PHONE_DIGITS, PHONE_KEY_DIGITS)

# Our names first, then what HubSpot and Salesforce exports call the same thing (compared lower-cased).
ALIASES: dict[str, tuple[str, ...]] = {
    "company": ("company", "company name", "account name", "account", "organization", "organisation"),
    "contact_name": ("contact", "contact name", "full name"),
    "first_name": ("first name", "firstname", "contact first name"),
    "last_name": ("last name", "lastname", "contact last name"),
    "email": ("email", "email address", "e-mail", "work email"),
    "phone": ("phone", "phone number", "mobile phone", "mobile", "direct phone", "business phone", "work phone"),
    "title": ("title", "job title"),
    "role": ("role", "contact role"),
    "country": ("country", "country code", "country/region", "billing country", "mailing country"),
    "region": (
        "state",
        "state/region",
        "region",
        "province",
        "state/province",
        "billing state/province",
        "mailing state/province",
    ),
    "city": ("city", "town", "billing city", "mailing city"),
    "timezone": ("time zone", "timezone"),
    "value": ("value", "estimated value", "amount", "deal amount", "opportunity amount", "annual revenue"),
}
FIELD_LABELS = {
    "company": "Company",
    "contact_name": "Contact name",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phone": "Phone",
    "title": "Job title",
    "role": "Role",
    "country": "Country",
    "region": "State or region",
    "city": "City",
    "timezone": "Time zone",
    "value": "Value",
}
_HEADER_TO_FIELD = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
ROLE_WORDS = {
    "decision maker": Contact.Role.DECISION_MAKER,
    "decision_maker": Contact.Role.DECISION_MAKER,
    "buyer": Contact.Role.DECISION_MAKER,
    "economic buyer": Contact.Role.DECISION_MAKER,
    "influencer": Contact.Role.INFLUENCER,
    "assistant": Contact.Role.ASSISTANT,
    "executive assistant": Contact.Role.ASSISTANT,
    "receptionist": Contact.Role.RECEPTIONIST,
}
# How a duplicate the user may not see is named: that a teammate has it, never which prospect it is.
TEAMMATES = "a teammate's prospect"


class ImportFileError(ValidationError):
    """The file as a whole cannot be read: not text, no header, no company column, too large."""


@dataclass(frozen=True)
class ImportFile:
    header: list[str]
    records: list[list[str]]  # the rows, blank ones left out, as lists of strings
    lines: list[int]  # each record's line in the file
    digest: str  # of the decoded text: the same file again is recognised

    @property
    def header_digest(self) -> str:
        return hashlib.sha256("\x1f".join(_header_key(h) for h in self.header).encode()).hexdigest()

    def samples(self, column: int) -> list[str]:
        """The first few non-blank values of a column, for the mapping step."""
        found = []
        for record in self.records:
            value = record[column].strip() if column < len(record) else ""
            if value:
                found.append(value[:60])
                if len(found) == SAMPLES:
                    break
        return found


def import_text_decode(data: bytes) -> str:
    """Excel and Salesforce write UTF-8 with a byte-order mark or Windows-1252; accept both."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it.")
    if not data.strip():
        raise ImportFileError("The file is empty.")
    if b"\x00" in data[:4096]:
        raise ImportFileError("This is not a CSV text file (save it from the spreadsheet as CSV).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel  # one column, or too little text to tell: plain commas


def _header_key(header: str) -> str:
    return " ".join(header.replace("*", " ").replace("_", " ").lower().split())


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def phone_key(phone: str) -> str:
    return digits(phone)[-PHONE_KEY_DIGITS:]


def import_read(text: str) -> ImportFile:
    """The header and the non-blank rows, whatever the separator; at most MAX_ROWS rows."""
    if not text.strip():
        raise ImportFileError("The file is empty.")
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text[:8192]))
    try:
        header = [name.strip() for name in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise ImportFileError("The first line must name the columns.") from exc
    if not any(header):
        raise ImportFileError("The first line must name the columns.")
    records: list[list[str]] = []
    lines: list[int] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue  # a blank row is skipped, not an error
            if len(records) >= MAX_ROWS:
                raise ImportFileError(f"More than {MAX_ROWS:,} rows; split the file.")
            records.append(values)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise ImportFileError(f"Line {reader.line_num} cannot be read: {exc}.") from exc
    return ImportFile(header=header, records=records, lines=lines, digest=hashlib.sha256(text.encode()).hexdigest())


def columns_guess(header: Sequence[str]) -> dict[str, str]:
    """Each column's field by its name ("" when we do not know it, or a column before it has that field)."""
    guessed: dict[str, str] = {}
    taken: set[str] = set()
    for name in header:
        target = _HEADER_TO_FIELD.get(_header_key(name), "")
        if target in taken:
            target = ""
        if target:
            taken.add(target)
        guessed[name] = target
    return guessed


def columns_check(columns: dict[str, str]) -> None:
    fields = [f for f in columns.values() if f]
    if "company" not in fields:
        known = ", ".join(ALIASES["company"][:3])
        raise ImportFileError(f"No company column found. Name one of the columns {known}, or map one to Company.")
    repeated = sorted({FIELD_LABELS[f] for f in fields if fields.count(f) > 1})
    if repeated:
        raise ImportFileError(f"Several columns are mapped to {', '.join(repeated)}; map each field once.")


@dataclass
class ImportRow:
    line: int
    company: str = ""
    contact_name: str = ""
    email: str = ""
    phone: str = ""
    title: str = ""
    role: str = Contact.Role.OTHER
    country: str = ""
    region: str = ""
    city: str = ""
    timezone: str = ""
    value: Decimal = Decimal("0")
    errors: list[str] = field(default_factory=list)
    duplicate: str = ""  # why nothing new is created for it (merged or skipped)
    outcome: str = ""  # create, merge, skip or fail (set by import_plan)
    merge_into: int | None = None  # the prospect a merged row adds its contact to

    @property
    def is_ok(self) -> bool:
        return not self.errors and not self.duplicate


def _row(values: dict[str, str], line: int, roles: dict[str, str]) -> ImportRow:
    row = ImportRow(line=line)
    row.company = values.get("company", "")[:200]
    name = values.get("contact_name") or " ".join(
        p for p in (values.get("first_name", ""), values.get("last_name", "")) if p
    )
    row.contact_name = name[:200]
    row.email = values.get("email", "").lower()
    row.title = values.get("title", "")[:200]
    written_role = ROLE_WORDS.get(values.get("role", "").lower())
    row.role = roles.get(row.title) or written_role or role_from_title(row.title)
    row.country, problem = country_parse(values.get("country", ""))
    if problem:
        row.errors.append(problem)
    row.region, row.city = values.get("region", "")[:100], values.get("city", "")[:100]
    row.timezone = values.get("timezone", "")
    if not row.company:
        row.errors.append("Company is missing.")
    if row.email:
        try:
            validate_email(row.email)
        except ValidationError:
            row.errors.append(f"“{row.email}” is not an email address.")
    row.phone, problem = phone_parse(values.get("phone", ""), country=row.country)
    if problem:
        row.errors.append(problem)
    texts = (
        ("company", row.company),
        ("contact name", row.contact_name),
        ("title", row.title),
        ("state or region", row.region),
        ("city", row.city),
    )
    for label, text in texts:
        try:
            validate_single_line(text)
        except ValidationError:
            row.errors.append(f"The {label} has control characters (line breaks, tabs...) in it.")
    if (row.email or row.phone or row.title) and not row.contact_name:
        row.errors.append("The contact has no name.")
    if row.contact_name and not (row.email or row.phone or values.get("phone")):
        row.errors.append("The contact needs a phone number or an email address.")
    try:
        validate_timezone(row.timezone)
    except ValidationError as exc:
        row.errors.extend(exc.messages)
    amount, problem = amount_parse(values.get("value", ""))
    if problem:
        row.errors.append(problem)
    row.value = amount or Decimal("0")
    return row


def import_rows(file: ImportFile, *, columns: dict[str, str], roles: dict[str, str] | None = None) -> list[ImportRow]:
    """Every row's values, read by the mapping (a column mapped to "" is ignored)."""
    positions = {target: file.header.index(name) for name, target in columns.items() if target and name in file.header}
    rows = []
    for record, line in zip(file.records, file.lines, strict=True):
        values = {target: record[i].strip() if i < len(record) else "" for target, i in positions.items()}
        rows.append(_row(values, line, roles or {}))
    return rows


@dataclass
class ImportGroup:
    """One prospect to create, with the rows that bring its contacts. Its value is the largest of its rows'; its
    country, state and city the first its rows give. Each row's zone is its contact's: the company's clock is
    worked out when it is created (crm.clocks)."""

    company: str
    country: str
    value: Decimal
    region: str = ""
    city: str = ""
    rows: list[ImportRow] = field(default_factory=list)


@dataclass
class ImportPlan:
    rows: list[ImportRow]
    to_create: list[ImportGroup]
    to_merge: list[ImportRow]  # rows adding a contact to a prospect already in Pursuit (merge_into)
    columns: dict[str, str]
    digest: str
    created: int = 0

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def error_count(self) -> int:
        return self.count("fail")

    @property
    def duplicate_count(self) -> int:
        return self.count("skip") + self.count("merge")

    @property
    def contact_count(self) -> int:
        return sum(1 for group in self.to_create for row in group.rows if row.contact_name)

    def problems_first(self, limit: int = 20) -> list[ImportRow]:
        """What the preview shows: failed rows, then skipped ones, then a few that go through."""
        order = {"fail": 0, "skip": 1, "merge": 2, "create": 3}
        return sorted(self.rows, key=lambda row: (order[row.outcome], row.line))[:limit]


def import_plan(*, user: User, rows: list[ImportRow], columns: dict[str, str] | None = None) -> ImportPlan:
    """What happens to each row, against the team's data and the rows above it.

    1. A row with an error fails.
    2. A row whose email or phone is already a contact's, or whose company is already a prospect, of one the user
       can see, is merged into it (a new contact is added to the company; a known contact is left as it is). One
       the user cannot see is skipped, naming nobody's prospect. A re-upload of the same file therefore creates
       nothing twice.
    3. A row repeating an email or phone of an earlier row is skipped.
    4. The other rows of one company make one new prospect, worth the largest value given on any of them.
    """
    if user.team_id is None:
        raise ImportFileError("You are not on a team yet; ask a manager to add you before importing.")
    emails = {row.email for row in rows if row.email and not row.errors}
    phones = {phone_key(row.phone) for row in rows if row.phone and not row.errors}
    companies = {row.company.lower() for row in rows if row.company and not row.errors}
    sees_team = user.is_superuser or (user.is_manager and team_list_managed(user=user).filter(pk=user.team_id).exists())
    team_contacts = Contact.objects.filter(prospect__team_id=user.team_id)
    known_emails = _known(
        team_contacts.annotate(key=Lower("email"))
        .filter(key__in=emails)
        .values_list("key", "prospect_id", "prospect__owner_id", "prospect__name"),
        wanted=emails,
    )
    known_phones = _known(
        team_contacts.annotate(key=PHONE_KEY)
        .filter(key__in=phones)
        .values_list("key", "prospect_id", "prospect__owner_id", "prospect__name"),
        wanted=phones,
    )
    known_companies = _known(
        Prospect.objects.filter(team_id=user.team_id)
        .annotate(key=Lower("name"))
        .filter(key__in=companies)
        .values_list("key", "pk", "owner_id", "name"),
        wanted=companies,
    )

    def visible(owner_id: int) -> bool:
        return sees_team or owner_id == user.pk

    seen_emails: dict[str, int] = {}
    seen_phones: dict[str, int] = {}
    groups: dict[str, ImportGroup] = {}
    merged: list[ImportRow] = []
    for row in rows:
        if row.errors:
            row.outcome = "fail"
            continue
        phone = phone_key(row.phone) if row.phone else ""
        contact_match = known_emails.get(row.email) or (known_phones.get(phone) if phone else None)
        company_match = known_companies.get(row.company.lower())
        if contact_match is not None:
            prospect_id, owner_id, name = contact_match
            what = row.email if row.email in known_emails else row.phone
            if visible(owner_id):
                row.outcome, row.duplicate = "merge", f"{what} is already a contact of {name}: nothing new to add."
            else:
                row.outcome, row.duplicate = "skip", f"{what} is already a contact of {TEAMMATES}."
        elif company_match is not None:
            prospect_id, owner_id, name = company_match
            if visible(owner_id):
                row.outcome, row.merge_into = "merge", prospect_id
                row.duplicate = f"{name} is already in Pursuit: this contact is added to it."
                merged.append(row)
            else:
                row.outcome = "skip"
                row.duplicate = f"{row.company} is already in Pursuit as {TEAMMATES} (same company name)."
        elif row.email and row.email in seen_emails:
            row.outcome, row.duplicate = "skip", f"Same email as line {seen_emails[row.email]}."
        elif phone and phone in seen_phones:
            row.outcome, row.duplicate = "skip", f"Same phone number as line {seen_phones[phone]}."
        else:
            row.outcome = "create"
            group = groups.get(row.company.lower())
            if group is None:
                group = groups[row.company.lower()] = ImportGroup(
                    company=row.company, country=row.country, value=row.value
                )
            group.value = max(group.value, row.value)
            group.country = group.country or row.country
            group.region, group.city = group.region or row.region, group.city or row.city
            group.rows.append(row)
        if row.email:
            seen_emails.setdefault(row.email, row.line)
        if phone:
            seen_phones.setdefault(phone, row.line)
    fingerprint = repr([(r.line, r.company, r.contact_name, r.email, r.phone, r.errors, r.outcome) for r in rows])
    digest = hashlib.sha256(f"{user.pk}:{fingerprint}".encode()).hexdigest()[:32]
    return ImportPlan(rows=rows, to_create=list(groups.values()), to_merge=merged, columns=columns or {}, digest=digest)


def _known(found: Iterable[tuple[str, int, int, str]], *, wanted: set[str]) -> dict[str, tuple[int, int, str]]:
    if not wanted:
        return {}
    result: dict[str, tuple[int, int, str]] = {}
    for key, prospect_id, owner_id, name in found:
        result.setdefault(key, (prospect_id, owner_id, name))
    return result


def import_preview_build(*, user: User, text: str) -> ImportPlan:
    """The whole reading with the guessed mapping: what a file would give as it is (and what the tests check)."""
    file = import_read(text)
    columns = columns_guess(file.header)
    columns_check(columns)
    return import_plan(user=user, rows=import_rows(file, columns=columns), columns=columns)
