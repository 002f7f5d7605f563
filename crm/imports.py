"""Reading a CSV of prospects and contacts: dialect, column names, per-row checks and duplicates.

Nothing here writes. `import_preview_build` reads the file and the team's existing data (three queries, whatever
the file's size) and says, row by row, what would be created, what is wrong and what is already in Pursuit.
`crm.services.prospect_import_confirm` writes what the preview promised.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F, Func, Value
from django.db.models.functions import Lower, Right

from crm.models import Contact, Prospect, User
from crm.selectors import team_list_managed
from crm.validators import phone_error, validate_country, validate_single_line, validate_timezone

MAX_ROWS = 5000
PHONE_DIGITS = Func(F("phone"), Value(r"\D"), Value(""), Value("g"), function="regexp_replace")
# Numbers are compared on their last ten digits, so "+1 (212) 555-0199" and "212 555 0199" are the same phone.
PHONE_KEY_DIGITS = 10
PHONE_KEY = Right(PHONE_DIGITS, PHONE_KEY_DIGITS)
MAX_BYTES = 2 * 1024 * 1024

# Our names first, then what HubSpot and Salesforce exports call the same thing (compared lower-cased).
ALIASES: dict[str, tuple[str, ...]] = {
    "company": ("company", "company name", "account name", "account", "organization", "organisation"),
    "contact_name": ("contact", "contact name", "full name"),
    "first_name": ("first name", "firstname", "contact first name"),
    "last_name": ("last name", "lastname", "contact last name"),
    "email": ("email", "email address", "e-mail", "work email"),
    "phone": (
        "phone",
        "phone number",
        "mobile phone",
        "mobile",
        "direct phone",
        "business phone",
        "work phone",
    ),
    "title": ("title", "job title"),
    "role": ("role", "contact role"),
    "country": ("country", "country code", "country/region", "billing country", "mailing country"),
    "timezone": ("time zone", "timezone"),
    "value": ("value", "estimated value", "amount", "deal amount", "opportunity amount"),
}
FIELD_LABELS = {
    "company": "company",
    "contact_name": "contact name",
    "first_name": "first name",
    "last_name": "last name",
    "email": "email",
    "phone": "phone",
    "title": "title",
    "role": "role",
    "country": "country",
    "timezone": "time zone",
    "value": "value",
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
    """The file as a whole cannot be read: not text, no header, no known column, too large."""


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
    timezone: str = ""
    value: Decimal = Decimal("0")
    errors: list[str] = field(default_factory=list)
    duplicate: str = ""

    @property
    def is_ok(self) -> bool:
        return not self.errors and not self.duplicate


@dataclass
class ImportGroup:
    """One prospect to create, with the rows that bring its contacts."""

    company: str
    country: str
    timezone: str
    value: Decimal
    rows: list[ImportRow] = field(default_factory=list)


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    to_create: list[ImportGroup]
    columns: dict[str, str]  # file header -> our field
    ignored_columns: list[str]
    digest: str
    created: int = 0

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def duplicate_count(self) -> int:
        return sum(1 for row in self.rows if row.duplicate and not row.errors)

    @property
    def contact_count(self) -> int:
        return sum(1 for group in self.to_create for row in group.rows if row.contact_name)


def import_text_decode(data: bytes) -> str:
    """Excel and Salesforce write UTF-8 with a byte-order mark or Windows-1252; accept both."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it.")
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


def _read(text: str) -> tuple[list[dict[str, str]], dict[str, str], list[str]]:
    if not text.strip():
        raise ImportFileError("The file is empty.")
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text[:8192]))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ImportFileError("The first line must name the columns.") from exc
    columns: dict[str, str] = {}
    positions: dict[str, int] = {}
    ignored = []
    for index, name in enumerate(header):
        target = _HEADER_TO_FIELD.get(_header_key(name))
        if target is None or target in positions:
            if name.strip():
                ignored.append(name.strip())
            continue
        columns[name.strip()] = FIELD_LABELS[target]
        positions[target] = index
    if "company" not in positions:
        known = ", ".join(ALIASES["company"][:3])
        raise ImportFileError(f"No company column found. Name one of the columns {known}.")
    records = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(records) >= MAX_ROWS:
                raise ImportFileError(f"More than {MAX_ROWS} rows; split the file.")
            records.append(
                {name: values[i].strip() if i < len(values) else "" for name, i in positions.items()}
                | {"_line": str(reader.line_num)}
            )
    except csv.Error as exc:
        raise ImportFileError(f"Line {reader.line_num} cannot be read: {exc}.") from exc
    return records, columns, ignored


def _row(record: dict[str, str]) -> ImportRow:
    row = ImportRow(line=int(record["_line"]))
    row.company = record.get("company", "")[:200]
    name = record.get("contact_name") or " ".join(
        part for part in (record.get("first_name", ""), record.get("last_name", "")) if part
    )
    row.contact_name = name[:200]
    row.email = record.get("email", "").lower()
    row.phone = record.get("phone", "")[:40]
    row.title = record.get("title", "")[:200]
    row.role = ROLE_WORDS.get(record.get("role", "").lower(), Contact.Role.OTHER)
    row.country = record.get("country", "").upper()
    row.timezone = record.get("timezone", "")
    if not row.company:
        row.errors.append("Company is missing.")
    if row.email:
        try:
            validate_email(row.email)
        except ValidationError:
            row.errors.append(f"“{row.email}” is not an email address.")
    if row.phone and (message := phone_error(row.phone)):
        row.errors.append(message)
    for label, text in (("company", row.company), ("contact name", row.contact_name), ("title", row.title)):
        try:
            validate_single_line(text)
        except ValidationError:
            row.errors.append(f"The {label} has control characters (line breaks, tabs...) in it.")
    if (row.email or row.phone or row.title) and not row.contact_name:
        row.errors.append("The contact has no name.")
    if row.contact_name and not (row.email or row.phone):
        row.errors.append("The contact needs a phone number or an email address.")
    for check, value in ((validate_country, row.country), (validate_timezone, row.timezone)):
        try:
            check(value)
        except ValidationError as exc:
            row.errors.extend(exc.messages)
    raw_value = re.sub(r"[^\d.\-]", "", record.get("value", ""))
    if raw_value:
        try:
            row.value = Decimal(raw_value)
        except InvalidOperation:
            row.errors.append(f"“{record['value']}” is not an amount.")
        else:
            if row.value < 0 or row.value >= Decimal("1e10"):
                row.errors.append("The value must be between 0 and 9,999,999,999.")
    return row


def import_preview_build(*, user: User, text: str) -> ImportPreview:
    """Read the file and check every row against the team's data and the rows above it.

    1. Sniff the dialect, map the header through the aliases, check each row on its own.
    2. A row repeating an email, phone number or company already in the team is a duplicate, reported with
       what it duplicates; so is a row repeating an email or phone number of an earlier row in the file.
    3. Rows of one company become one prospect with several contacts.
    """
    if user.team_id is None:
        raise ImportFileError("You are not on a team yet; ask a manager to add you before importing.")
    records, columns, ignored = _read(text)
    rows = [_row(record) for record in records]

    emails = {row.email for row in rows if row.email}
    phones = {phone_key(row.phone) for row in rows if row.phone}
    companies = {row.company.lower() for row in rows if row.company}
    team_contacts = Contact.objects.filter(prospect__team_id=user.team_id)
    # A duplicate is found across the whole team, but only a prospect the user may see is named. A rep sees their
    # own; whoever manages the team (or a superuser) sees all of it, which costs one question, asked only of them.
    sees_team = user.is_superuser or (user.is_manager and team_list_managed(user=user).filter(pk=user.team_id).exists())

    def owner_of(owner_id: int, name: str) -> str:
        return name if sees_team or owner_id == user.pk else TEAMMATES

    known_emails = (
        {
            email: owner_of(owner_id, name)
            for email, owner_id, name in team_contacts.annotate(lower_email=Lower("email"))
            .filter(lower_email__in=emails)
            .values_list("lower_email", "prospect__owner_id", "prospect__name")
        }
        if emails
        else {}
    )
    known_phones = (
        {
            key: owner_of(owner_id, name)
            for key, owner_id, name in team_contacts.annotate(phone_key=PHONE_KEY)
            .filter(phone_key__in=phones)
            .values_list("phone_key", "prospect__owner_id", "prospect__name")
        }
        if phones
        else {}
    )
    known_companies = (
        {
            lower: owner_of(owner_id, name)
            for lower, owner_id, name in Prospect.objects.filter(team_id=user.team_id)
            .annotate(lower_name=Lower("name"))
            .filter(lower_name__in=companies)
            .values_list("lower_name", "owner_id", "name")
        }
        if companies
        else {}
    )

    seen_emails: dict[str, int] = {}
    seen_phones: dict[str, int] = {}
    groups: dict[str, ImportGroup] = {}
    for row in rows:
        if row.errors:
            continue
        phone = phone_key(row.phone)
        if row.company.lower() in known_companies:
            known = known_companies[row.company.lower()]
            row.duplicate = (
                f"{known} is already in Pursuit (same company name)."
                if known != TEAMMATES
                else f"{row.company} is already in Pursuit as {TEAMMATES} (same company name)."
            )
        elif row.email in known_emails:
            row.duplicate = f"{row.email} is already a contact of {known_emails[row.email]}."
        elif phone in known_phones:
            row.duplicate = f"{row.phone} is already a contact of {known_phones[phone]}."
        elif row.email in seen_emails:
            row.duplicate = f"Same email as line {seen_emails[row.email]}."
        elif phone in seen_phones:
            row.duplicate = f"Same phone number as line {seen_phones[phone]}."
        if row.duplicate:
            continue
        if row.email:
            seen_emails[row.email] = row.line
        if phone:
            seen_phones[phone] = row.line
        group = groups.get(row.company.lower())
        if group is None:
            group = groups[row.company.lower()] = ImportGroup(
                company=row.company, country=row.country, timezone=row.timezone, value=row.value
            )
        group.rows.append(row)

    to_create = list(groups.values())
    fingerprint = repr([(r.line, r.company, r.contact_name, r.email, r.phone, r.errors, r.duplicate) for r in rows])
    digest = hashlib.sha256(f"{user.pk}:{fingerprint}".encode()).hexdigest()[:32]
    return ImportPreview(rows=rows, to_create=to_create, columns=columns, ignored_columns=ignored, digest=digest)
