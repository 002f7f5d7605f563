"""Reading a CSV of prospects and contacts: the file, its columns, each row's values, and what would happen to it.

Nothing here writes. The import goes in steps (workspace/views/imports.py):
1. `import_read` decodes and sniffs the file and reads its header and rows (limits: MAX_ROWS, MAX_BYTES,
   MAX_COLUMNS, MAX_LINES, MAX_CELL, each checked while reading, before any work is spent on what is over it).
2. `columns_guess` maps each column to a field by its name (HubSpot's, Salesforce's, Datablist's and other exports'
   names, in several languages, "Phone 1" as "Phone") and else by its values (emails, phone numbers, countries,
   websites); any other column with values is kept as a custom field of the team. The user confirms or changes
   the mapping, which is kept per header for the next file like it.
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
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F, Func, Value
from django.db.models.functions import Lower, Right

from crm.import_values import (
    country_parse,
    money_parse,
    phone_parse,
    plain,
    role_from_title,
    timezone_parse,
)
from crm.models import Contact, Prospect, Team, User
from crm.selectors import team_list_managed
from crm.validators import phone_error, validate_single_line

MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
MAX_COLUMNS = 500  # HubSpot's contacts export has 182; Salesforce's widest reports a few hundred
MAX_LINES = 4 * MAX_ROWS  # physical lines: a notes cell may span several, a file of blank lines is refused
MAX_CELL = 32 * 1024  # characters in one cell
MAX_CUSTOM_VALUE = 1000  # characters kept of a custom field's value
SAMPLES = 3
GUESS_SAMPLE = 50  # values a column is guessed by when its name says nothing
CUSTOM = "custom"  # a column kept as the team's own field, named by its header
# The two columns the failed-rows CSV adds before the file's own: ignored when that CSV is imported again.
NOT_IMPORTED_LINE, NOT_IMPORTED_WHY = "Line in the file", "Why not imported"
csv.field_size_limit(MAX_CELL)
PHONE_DIGITS = Func(F("phone"), Value(r"\D"), Value(""), Value("g"), function="regexp_replace")
# Numbers are compared on their last ten digits, so "+1 (212) 555-0199" and "212 555 0199" are the same phone.
PHONE_KEY_DIGITS = 10
PHONE_KEY = Right(PHONE_DIGITS, PHONE_KEY_DIGITS)

# Our names first, then what HubSpot and Salesforce exports call the same thing (compared lower-cased).
ALIASES: dict[str, tuple[str, ...]] = {
    "company": (
        "company", "company name", "account name", "account", "organization", "organisation", "organization name",
        "business name", "firma", "unternehmen", "firmenname", "société", "entreprise", "empresa", "azienda",
        "bedrijf", "компания", "организация", "название компании", "название", "наименование", "会社名", "企業名",
    ),
    "contact_name": ("contact", "contact name", "full name", "name of contact", "контактное лицо", "фио"),
    "first_name": ("first name", "firstname", "contact first name", "given name", "vorname", "prénom", "nombre", "имя"),
    "last_name": (
        "last name", "lastname", "contact last name", "surname", "family name", "nachname", "nom", "apellido",
        "apellidos", "фамилия",
    ),
    "email": (
        "email", "email address", "e-mail", "work email", "e-mail address", "e-mail-adresse", "courriel",
        "correo", "correo electrónico", "почта", "эл. почта", "электронная почта", "email 1", "e-mail 1 - value",
    ),
    "phone": (
        "phone", "phone number", "direct phone", "business phone", "work phone", "telephone", "tel", "tel.",
        "telefon", "telefonnummer", "téléphone", "teléfono", "telefono", "телефон", "電話番号", "phone 1",
        "phone 1 - value",
    ),
    "mobile": ("mobile", "mobile phone", "mobile phone number", "cell", "cell phone", "handy", "mobil", "мобильный"),
    "title": ("title", "job title", "position", "jobtitle", "funktion", "poste", "cargo", "должность"),
    "role": ("role", "contact role"),
    "country": (
        "country", "country code", "country/region", "billing country", "mailing country", "land", "pays", "país",
        "paese", "страна", "国",
    ),
    "region": (
        "state", "state/region", "region", "province", "state/province", "billing state/province",
        "mailing state/province", "bundesland", "область", "регион",
    ),
    "city": ("city", "town", "billing city", "mailing city", "stadt", "ort", "ville", "ciudad", "città", "город"),
    "timezone": ("time zone", "timezone", "zeitzone", "fuseau horaire", "часовой пояс"),
    "value": (
        "value", "estimated value", "amount", "deal amount", "opportunity amount", "annual revenue", "deal value",
        "wert", "montant", "сумма",
    ),
    "currency": ("currency", "currency code", "deal currency code", "währung", "devise", "moneda", "валюта"),
    "website": (
        "website", "website url", "web site", "url", "domain", "company domain name", "webseite", "site web",
        "sitio web", "сайт",
    ),
    "owner": (
        "owner", "contact owner", "lead owner", "account owner", "deal owner", "company owner", "sales rep",
        "assigned to", "rep", "ответственный",
    ),
    "stage": (
        "lifecycle stage", "lead status", "deal stage", "stage", "status", "lead stage", "статус",
    ),
    "notes": ("notes", "note", "description", "comments", "comment", "notizen", "bemerkungen", "примечание"),
}  # fmt: skip
FIELD_LABELS = {
    "company": "Company",
    "contact_name": "Contact name",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phone": "Phone",
    "mobile": "Mobile phone",
    "title": "Job title",
    "role": "Role",
    "country": "Country",
    "region": "State or region",
    "city": "City",
    "timezone": "Time zone",
    "value": "Value",
    "currency": "Currency of the value",
    "website": "Website",
    "owner": "Owner (a rep, by email or name)",
    "stage": "Lifecycle stage or lead status",
    "notes": "Notes",
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
        return [value[:60] for value in _column_values(self.records, column, limit=SAMPLES)]


def import_text_decode(data: bytes) -> str:
    """Excel and Salesforce write UTF-8 with a byte-order mark or Windows-1252; accept both."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it.")
    if not data.strip():
        raise ImportFileError("The file is empty.")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise ImportFileError(
            f"Line {line:,} has a NUL byte: this is not a CSV text file (save it from the spreadsheet as CSV)."
        )
    lines = data.count(b"\n")
    if lines > MAX_LINES:
        raise ImportFileError(f"The file has {lines:,} lines, more than {MAX_LINES:,}; split it.")
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
    return " ".join(plain(header).replace("*", " ").replace("_", " ").lower().split())


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def phone_key(phone: str) -> str:
    return digits(phone)[-PHONE_KEY_DIGITS:]


def import_read(text: str) -> ImportFile:
    """The header and the non-blank rows, whatever the separator; at most MAX_ROWS rows of MAX_COLUMNS columns."""
    if not text.strip():
        raise ImportFileError("The file is empty.")
    if "\x00" in text:
        raise ImportFileError("The file has a NUL character: this is not a CSV text file (save it as CSV).")
    first_line = text[: text.find("\n")] if "\n" in text[: MAX_CELL * 4] else text[: MAX_CELL * 4]
    if first_line.count(",") + first_line.count(";") + first_line.count("\t") >= MAX_COLUMNS * 2:
        raise ImportFileError(f"The first line names more than {MAX_COLUMNS} columns; keep the ones you need.")
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text[:8192]))
    try:
        header = [name.strip() for name in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise ImportFileError(f"The first line must name the columns ({exc}).") from exc
    if not any(header):
        raise ImportFileError("The first line must name the columns.")
    if len(header) > MAX_COLUMNS:
        raise ImportFileError(f"The file has {len(header):,} columns, more than {MAX_COLUMNS}; keep the ones you need.")
    width = len(header) + 20  # a few stray separators at the end of a row are common; thousands are not
    records: list[list[str]] = []
    lines: list[int] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue  # a blank row is skipped, not an error
            if len(records) >= MAX_ROWS:
                raise ImportFileError(f"More than {MAX_ROWS:,} rows; split the file.")
            if len(values) > width:
                raise ImportFileError(
                    f"Line {reader.line_num:,} has {len(values):,} cells; the header names {len(header)}."
                )
            records.append(values)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise ImportFileError(f"Line {reader.line_num:,} cannot be read: {exc}.") from exc
    return ImportFile(header=header, records=records, lines=lines, digest=hashlib.sha256(text.encode()).hexdigest())


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_WEBSITE = re.compile(r"(?i)^(https?://|www\.)\S+$|^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(/\S*)?$")


def _looks_like_phone(value: str) -> bool:
    text = plain(value)
    return (
        phone_error(text) is None
        and len(digits(text)) >= 7
        and (text.startswith(("+", "0", "(")) or bool(re.search(r"\d[ .\-/)]\d", text)))
    )


def _looks_like_country(value: str) -> bool:
    return len(value) > 2 and not country_parse(value)[1]


_VALUE_GUESSES: tuple[tuple[str, Any], ...] = (
    ("email", lambda v: bool(_EMAIL.match(v))),
    ("website", lambda v: bool(_WEBSITE.match(v)) and "@" not in v),
    ("phone", _looks_like_phone),
    ("country", _looks_like_country),
)


def _column_values(records: Sequence[Sequence[str]], column: int, *, limit: int) -> list[str]:
    found = []
    for record in records:
        value = record[column].strip() if column < len(record) else ""
        if value:
            found.append(value)
            if len(found) == limit:
                break
    return found


def columns_guess(
    header: Sequence[str], records: Sequence[Sequence[str]] = (), *, team_fields: Iterable[str] = ()
) -> dict[str, str]:
    """Each column's field: by its name, else by its values (emails, phone numbers, websites, countries), else kept
    as a custom field when it has values ("" when it is empty, or a column before it has that field).

    "Phone 1" and "Email 2" are read as "Phone" and "Email": the first of them takes the field, the others are kept
    as custom fields ("Phone 2"), so no number is dropped."""
    guessed: dict[str, str] = {}
    taken: set[str] = set()
    known_fields = {name.casefold() for name in team_fields}
    for column, name in enumerate(header):
        if name in (NOT_IMPORTED_LINE, NOT_IMPORTED_WHY):
            guessed[name] = ""
            continue
        key = _header_key(name)
        target = _HEADER_TO_FIELD.get(key) or _HEADER_TO_FIELD.get(re.sub(r"\s*\d+$", "", key), "")
        values = _column_values(records, column, limit=GUESS_SAMPLE) if records else []
        if not target and values and name.casefold() not in known_fields:
            for candidate, looks in _VALUE_GUESSES:
                if candidate not in taken and sum(1 for v in values if looks(v)) >= 0.8 * len(values):
                    target = candidate
                    break
        if target in taken:
            target = ""
        if target:
            taken.add(target)
        elif name.strip() and (values or name.casefold() in known_fields):
            target = CUSTOM
        guessed[name] = target
    return guessed


def columns_check(columns: dict[str, str]) -> None:
    fields = [f for f in columns.values() if f and f != CUSTOM]
    if "company" not in fields:
        known = ", ".join(ALIASES["company"][:3])
        raise ImportFileError(f"No company column found. Name one of the columns {known}, or map one to Company.")
    repeated = sorted({FIELD_LABELS[f] for f in fields if fields.count(f) > 1})
    if repeated:
        raise ImportFileError(f"Several columns are mapped to {', '.join(repeated)}; map each field once.")


# Stages a cold follow-up cadence is wrong for: customers, deals already won or lost, people who said no. The
# mapping step shows each stage the file has with this guess, and the user may change it.
_SKIPPED_STAGES = re.compile(
    r"(?i)\b(customer|client|evangelist|closed|won|lost|unqualified|disqualified|not interested|do not contact|"
    r"churned|bad fit|junk|kunde|cliente|клиент|gewonnen|verloren)\b"
)
STAGE_ENROLL, STAGE_SKIP = "enroll", "skip"


def stage_guess(stage: str) -> str:
    """Whether rows in this lifecycle stage or lead status are leads to follow up (enroll) or not (skip)."""
    return STAGE_SKIP if _SKIPPED_STAGES.search(stage) else STAGE_ENROLL


@dataclass(frozen=True)
class Money:
    """How the importing team reads amounts: its currency, and its manager's rates to it."""

    currency: str = "USD"
    rates: dict[str, Decimal] = field(default_factory=dict)

    @classmethod
    def of(cls, team: Team) -> Money:
        rates = {}
        for code, rate in (team.exchange_rates or {}).items():
            try:
                rates[str(code)] = Decimal(str(rate))
            except ArithmeticError:
                continue
        return cls(currency=team.currency or "USD", rates=rates)

    def convert(self, amount: Decimal, currency: str) -> Decimal | None:
        if currency == self.currency:
            return amount
        rate = self.rates.get(currency)
        return None if rate is None else (amount * rate).quantize(Decimal("0.01"))


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
    value: Decimal = Decimal("0")  # in the team's currency
    value_written: Decimal | None = None  # as written, when in another currency
    currency: str = ""  # of value_written
    website: str = ""
    notes: str = ""
    owner_name: str = ""  # as written in the file; import_plan finds the rep
    owner_id: int | None = None
    stage: str = ""
    custom: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    duplicate: str = ""  # why nothing new is created for it (merged or skipped)
    outcome: str = ""  # create, merge, skip or fail (set by import_plan)
    merge_into: int | None = None  # the prospect a merged row adds its contact to

    @property
    def is_ok(self) -> bool:
        return not self.errors and not self.duplicate


UNNAMED_CONTACT = "Reception"


def _row(values: dict[str, str], line: int, roles: dict[str, str], money: Money) -> ImportRow:
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
    row.timezone, problem = timezone_parse(values.get("timezone", ""))
    if problem:
        row.errors.append(problem)
    row.website = values.get("website", "")[:200]
    row.notes = values.get("notes", "")[:10_000]
    row.owner_name = values.get("owner", "")[:200]
    row.stage = values.get("stage", "")[:100]
    if not row.company:
        row.errors.append("Company is missing.")
    if row.email:
        try:
            validate_email(row.email)
        except ValidationError:
            row.errors.append(f"“{row.email}” is not an email address.")
    written_phone = values.get("phone") or values.get("mobile", "")
    row.phone, problem = phone_parse(written_phone, country=row.country)
    if problem:
        row.errors.append(problem)
    if values.get("phone") and values.get("mobile"):
        row.custom[FIELD_LABELS["mobile"]] = values["mobile"][:MAX_CUSTOM_VALUE]
    texts = (
        ("company", row.company),
        ("contact name", row.contact_name),
        ("title", row.title),
        ("state or region", row.region),
        ("city", row.city),
        ("website", row.website),
    )
    for label, text in texts:
        try:
            validate_single_line(text)
        except ValidationError:
            row.errors.append(f"The {label} has control characters (line breaks, tabs...) in it.")
    if not (row.email or row.phone or written_phone):
        row.errors.append("No phone number and no email address: nothing to follow up with.")
    elif not row.contact_name:
        # A company and its number is a lead: the call goes to whoever answers.
        row.contact_name = row.title or UNNAMED_CONTACT
        if not row.title:
            row.role = Contact.Role.RECEPTIONIST
    written = values.get("value", "")
    currency_column = values.get("currency", "").strip().upper()
    amount, currency, problem = money_parse(written, team_currency=currency_column or money.currency)
    if problem:
        row.errors.append(problem)
    elif amount is not None:
        converted = money.convert(amount, currency)
        if converted is None:
            row.errors.append(
                f"“{written}” is in {currency}, and the team has no rate from {currency} to {money.currency} "
                "(a manager sets it on the team's setup page)."
            )
        elif converted >= Decimal("1e10"):
            row.errors.append("The value must be between 0 and 9,999,999,999.")
        else:
            row.value = converted
            if currency != money.currency:
                row.value_written, row.currency = amount, currency
    return row


def import_rows(
    file: ImportFile,
    *,
    columns: dict[str, str],
    roles: dict[str, str] | None = None,
    money: Money | None = None,
) -> list[ImportRow]:
    """Every row's values, read by the mapping (a column mapped to "" is ignored; one kept as custom is stored
    under its header)."""
    money = money or Money()
    positions = {
        target: file.header.index(name)
        for name, target in columns.items()
        if target and target != CUSTOM and name in file.header
    }
    kept = [
        (name.strip()[:100], i) for i, name in enumerate(file.header) if columns.get(name) == CUSTOM and name.strip()
    ]
    rows = []
    for record, line in zip(file.records, file.lines, strict=True):
        width = len(record)
        values = {target: plain(record[i]) if i < width else "" for target, i in positions.items()}
        row = _row(values, line, roles or {}, money)
        for name, i in kept:
            value = plain(record[i]) if i < width else ""
            if value:
                row.custom[name] = value[:MAX_CUSTOM_VALUE]
        rows.append(row)
    return rows


@dataclass
class ImportGroup:
    """One prospect to create, with the rows that bring its contacts. Its value is the largest of its rows'; its
    country, state, city, website, owner and custom fields the first its rows give; its notes all of them. Each row's
    zone is its contact's: the company's clock is worked out when it is created (crm.clocks)."""

    company: str
    country: str
    value: Decimal
    region: str = ""
    city: str = ""
    website: str = ""
    notes: str = ""
    owner_id: int | None = None
    value_written: Decimal | None = None
    currency: str = ""
    custom: dict[str, str] = field(default_factory=dict)
    rows: list[ImportRow] = field(default_factory=list)

    def add(self, row: ImportRow) -> None:
        if row.value >= self.value:
            self.value, self.value_written, self.currency = row.value, row.value_written, row.currency
        self.country = self.country or row.country
        self.region, self.city = self.region or row.region, self.city or row.city
        self.website = self.website or row.website
        self.owner_id = self.owner_id or row.owner_id
        if row.notes and row.notes not in self.notes:
            self.notes = f"{self.notes}\n\n{row.notes}".strip()[:10_000]
        for name, value in row.custom.items():
            self.custom.setdefault(name, value)
        self.rows.append(row)


@dataclass
class ImportPlan:
    rows: list[ImportRow]
    to_create: list[ImportGroup]
    to_merge: list[ImportRow]  # rows adding a contact to a prospect already in Pursuit (merge_into)
    columns: dict[str, str]
    digest: str
    created: int = 0
    owners_unknown: dict[str, int] = field(default_factory=dict)  # owner as written -> rows

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

    def problem_groups(self, *, examples: int = 5) -> list[ProblemGroup]:
        """The rows not imported as they are, grouped by why, largest group first: "212 rows: “…” is not a
        country we know: Россия, ドイツ…". A row with two problems counts in both groups."""
        groups: dict[tuple[str, str], ProblemGroup] = {}
        for row in self.rows:
            reasons = row.errors if row.outcome == "fail" else [row.duplicate] if row.outcome == "skip" else []
            for reason in reasons:
                kind, shown = problem_kind(reason)
                group = groups.get((row.outcome, kind))
                if group is None:
                    group = groups[(row.outcome, kind)] = ProblemGroup(outcome=row.outcome, reason=kind)
                group.count += 1
                group.lines.append(row.line)
                if shown and shown not in group.examples and len(group.examples) < examples:
                    group.examples.append(shown)
        return sorted(groups.values(), key=lambda g: (g.outcome != "fail", -g.count, g.reason))


@dataclass
class ProblemGroup:
    outcome: str  # fail or skip
    reason: str  # the reason with the value in it left out
    count: int = 0
    examples: list[str] = field(default_factory=list)  # the values, as written
    lines: list[int] = field(default_factory=list)  # every row's, for the page that lists them

    @property
    def said(self) -> str:
        """The reason with its values put back: "“Narnia”, “Atlantis”… is not a country we know; ..."."""
        if not self.examples or "“…”" not in self.reason:
            return self.reason
        values = ", ".join(f"“{value}”" for value in self.examples)
        more = "…" if self.count > len(self.examples) and len(self.examples) > 1 else ""
        return self.reason.replace("“…”", values + more, 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "reason": self.reason,
            "said": self.said,
            "count": self.count,
            "examples": self.examples,
            "lines": self.lines,
        }


_QUOTED = re.compile(r"“([^”]*)”")
_LINE_REFERENCE = re.compile(r"\bline \d+")


def problem_kind(reason: str) -> tuple[str, str]:
    """A reason without the value it names, and that value: rows that fail for the same reason group together."""
    quoted = _QUOTED.search(reason)
    kind = _LINE_REFERENCE.sub("an earlier line", _QUOTED.sub("“…”", reason))
    return kind, quoted.group(1) if quoted else ""


def _owner_lookup(team_id: int) -> dict[str, int]:
    """The team's active reps and managers by email, username, full name and (when no two share it) first name."""
    found: dict[str, int] = {}
    firsts: dict[str, list[int]] = {}
    for user in User.objects.filter(team_id=team_id, is_active=True).only(
        "pk", "email", "username", "first_name", "last_name"
    ):
        for key in (user.email, user.username, f"{user.first_name} {user.last_name}", user.get_full_name()):
            if key and key.strip():
                found.setdefault(" ".join(key.casefold().split()), user.pk)
        if user.first_name:
            firsts.setdefault(user.first_name.casefold(), []).append(user.pk)
    for first, ids in firsts.items():
        if len(ids) == 1:
            found.setdefault(first, ids[0])
    return found


def import_plan(
    *,
    user: User,
    rows: list[ImportRow],
    columns: dict[str, str] | None = None,
    stages: dict[str, str] | None = None,
) -> ImportPlan:
    """What happens to each row, against the team's data and the rows above it.

    1. A row with an error fails. A row whose lifecycle stage the mapping skips (customers, closed deals: see
       `stage_guess`) is skipped, saying so.
    2. A row whose email or phone is already a contact's, or whose company is already a prospect, of one the user
       can see, is merged into it (a new contact is added to the company; a known contact is left as it is). One
       the user cannot see is skipped, naming nobody's prospect. A re-upload of the same file therefore creates
       nothing twice.
    3. A row repeating an email or phone of an earlier row is skipped.
    4. The other rows of one company make one new prospect, worth the largest value given on any of them. Its
       owner is the rep the file names (a manager's import), by email or name, else the one the import chose.
    """
    if user.team_id is None:
        raise ImportFileError("You are not on a team yet; ask a manager to add you before importing.")
    stages = stages or {}
    emails = {row.email for row in rows if row.email and not row.errors}
    phones = {phone_key(row.phone) for row in rows if row.phone and not row.errors}
    companies = {row.company.lower() for row in rows if row.company and not row.errors}
    sees_team = user.is_superuser or (user.is_manager and team_list_managed(user=user).filter(pk=user.team_id).exists())
    owners = _owner_lookup(user.team_id) if sees_team and any(row.owner_name for row in rows) else {}
    owners_unknown: dict[str, int] = {}
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
        if row.stage and (stages.get(row.stage) or stage_guess(row.stage)) == STAGE_SKIP:
            row.outcome = "skip"
            row.duplicate = f"Lifecycle stage “{row.stage}”: not a lead to follow up (the mapping skips it)."
            continue
        if row.owner_name and sees_team:
            row.owner_id = owners.get(" ".join(row.owner_name.casefold().split()))
            if row.owner_id is None:
                owners_unknown[row.owner_name] = owners_unknown.get(row.owner_name, 0) + 1
        phone = phone_key(row.phone) if row.phone else ""
        contact_match = known_emails.get(row.email) or (known_phones.get(phone) if phone else None)
        company_match = known_companies.get(row.company.lower())
        if contact_match is not None:
            prospect_id, owner_id, name = contact_match
            what = row.email if row.email in known_emails else row.phone
            if visible(owner_id):
                row.outcome, row.duplicate = "merge", f"{what} is already a contact of {name}: nothing new to add."
            else:
                row.outcome, row.duplicate = "skip", f"“{what}” is already a contact of {TEAMMATES}."
        elif company_match is not None:
            prospect_id, owner_id, name = company_match
            if visible(owner_id):
                row.outcome, row.merge_into = "merge", prospect_id
                row.duplicate = f"{name} is already in Pursuit: this contact is added to it."
                merged.append(row)
            else:
                row.outcome = "skip"
                row.duplicate = f"“{row.company}” is already in Pursuit as {TEAMMATES} (same company name)."
        elif row.email and row.email in seen_emails:
            row.outcome, row.duplicate = "skip", f"Same email as line {seen_emails[row.email]}."
        elif phone and phone in seen_phones:
            row.outcome, row.duplicate = "skip", f"Same phone number as line {seen_phones[phone]}."
        else:
            row.outcome = "create"
            group = groups.get(row.company.lower())
            if group is None:
                group = groups[row.company.lower()] = ImportGroup(
                    company=row.company, country=row.country, value=Decimal("-1")
                )
            group.add(row)
        if row.email:
            seen_emails.setdefault(row.email, row.line)
        if phone:
            seen_phones.setdefault(phone, row.line)
    fingerprint = repr([(r.line, r.company, r.contact_name, r.email, r.phone, r.errors, r.outcome) for r in rows])
    digest = hashlib.sha256(f"{user.pk}:{fingerprint}".encode()).hexdigest()[:32]
    return ImportPlan(
        rows=rows,
        to_create=list(groups.values()),
        to_merge=merged,
        columns=columns or {},
        digest=digest,
        owners_unknown=owners_unknown,
    )


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
    columns = columns_guess(file.header, file.records)
    columns_check(columns)
    money = Money.of(user.team) if user.team is not None else Money()
    return import_plan(user=user, rows=import_rows(file, columns=columns, money=money), columns=columns)
