"""A real list arriving: a 20,000-row export (two contacts per company, values written as people write them)
uploaded and mapped in the browser, previewed, imported by the worker's service, and then My day and the
dashboard right after it. Every import here runs in a transaction that is rolled back, so the bench
database is the same for the cases after these and for the next `--reuse`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from bench.cases.pages import BUDGET_S, _browser, _ok
from bench.registry import BenchContext, CaseResult, case, p95_under, rate_at_least
from bench.timing import measure

COMPANIES = 10_000
ROWS = 2 * COMPANIES
TAG = "Bench import"
HEADER_FILE = Path(__file__).resolve().parent.parent / "import_files" / "hubspot-contacts-header.txt"
# Where each company is, written as people write it in an export: the country in its own language or script, a
# phone the local way (full-width digits for Japan), a state and city, the annual revenue with its currency sign or
# code and "k" or "Mio", and (for some) HubSpot's time zone label. No zone for most: its phone, state and country
# give it (crm.clocks).
PLACES = [
    ("United States", "(212) 736-{n4}", "NY", "New York", '"$12,000.00"', ""),
    ("USA", "312.555.{n4}", "Illinois", "Chicago", "12k", "(GMT-06:00) Central Time (US & Canada)"),
    ("The Netherlands", "020 123 {n4}", "", "Amsterdam", "€ 9.500", ""),
    ("Turkey", "0212 555 {a} {b}", "", "Istanbul", "TRY 350.000", ""),
    ("Россия", "8 (495) 123-{a}-{b}", "", "Москва", "₽ 1 200 000", ""),
    ("ドイツ", "030 1234{n4}", "", "Berlin", "12.000,00 EUR", "(GMT+01:00) Berlin"),
    ("Deutschland", "+49 89 1234{n4}", "Bayern", "München", "1,5 Mio €", ""),
    ("Brasil", "(11) 3123-{n4}", "SP", "São Paulo", "R$ 12.000", ""),
    ("Schweiz", "044 123 {a} {b}", "", "Zürich", "Fr. 1'200", ""),
    ("United Arab Emirates", "04 123 {n4}", "", "Dubai", "AED 40,000", "(GMT+04:00) Abu Dhabi, Muscat"),
    ("日本", "０３－１２３４－{wide}", "", "東京", '"¥1,275,000"', "(GMT+09:00) Osaka, Sapporo, Tokyo"),
    ("Казахстан", "8 (727) 250-{a}-{b}", "", "Алматы", "₸ 5 000 000", ""),
    ("India", "098200 1{n4}", "", "Mumbai", "INR 9,00,000", "(GMT+05:30) Chennai, Kolkata, Mumbai, New Delhi"),
    ("UK", "020 7123 {n4}", "", "London", "£9,500", ""),
    ("Canada", "(604) 555-{n4}", "BC", "Vancouver", "1.2M", ""),
    ("Australia", "(08) 9123 {n4}", "WA", "Perth", "A$ 13,000", ""),
]
# What the bench team's manager sets on the team page: one unit of each currency in US dollars.
RATES = {
    "EUR": "1.08", "TRY": "0.029", "RUB": "0.011", "BRL": "0.18", "CHF": "1.12", "AED": "0.27", "JPY": "0.0067",
    "KZT": "0.002", "INR": "0.012", "GBP": "1.27", "AUD": "0.66", "CAD": "0.73",
}  # fmt: skip
# (first name, last name, the first name as their mailbox spells it: mail addresses are ASCII in practice)
NAMES = [("Ada", "Lovelace", "ada"), ("José", "Muñoz", "jose"), ("Jürgen", "Groß", "juergen"),
         ("Анна", "Иванова", "anna"), ("陽子", "佐藤", "yoko"), ("Aigerim", "Nurlanova", "aigerim"),
         ("Zoë", "O'Neil", "zoe")]  # fmt: skip
TITLES = ["VP Sales", "Office Manager", "Head of Operations", "Assistant to the CEO", "Receptionist", "Buyer"]
STAGES = ["Lead", "Subscriber", "Marketing Qualified Lead", "Sales Qualified Lead", "Opportunity", "Lead", "Lead"]
STATUSES = ["New", "Open", "In progress", "Attempted to contact", ""]
# One row in a hundred carries a value that cannot be read (said on its row), one in twenty is a customer already
# (skipped by its lifecycle stage): what a real export holds besides leads.
UNREADABLE = ("Narnia", "about ten grand")
WIDE = str.maketrans("0123456789", "０１２３４５６７８９")


def _header() -> list[str]:
    return [line for line in HEADER_FILE.read_text(encoding="utf-8").splitlines() if line]


def _cell(value: str) -> str:
    return f'"{value}"' if ("," in value or '"' in value) and not value.startswith('"') else value


def export_csv(*, companies: int = COMPANIES, tag: str = TAG, owners: Sequence[str] = ()) -> bytes:
    """A HubSpot contacts export with its 182 real column names (bench/import_files/README.md): two contacts per
    company, values written the ways people write them, most of the 182 columns empty as in a real export."""
    header = _header()
    at = {name: i for i, name in enumerate(header)}
    lines = [",".join(_cell(name) for name in header) + "\n"]
    domain = tag.lower().replace(" ", "-")
    for n in range(companies):
        country, phone, state, city, amount, zone = PLACES[n % len(PLACES)]
        for person in (0, 1):
            row = 2 * n + person
            k = row % 10_000
            first, last, mailbox = NAMES[row % len(NAMES)]
            values = [""] * len(header)
            values[at["Record ID"]] = str(100_000 + row)
            values[at["First Name"]] = f"{first}{person}"
            values[at["Last Name"]] = f"{last}{n}"
            values[at["Email"]] = f"{mailbox}{person}.{n}@freight{n}.{domain}.example"
            values[at["Phone Number"]] = phone.format(
                n4=f"{k:04d}", a=f"{k // 100:02d}", b=f"{k % 100:02d}", wide=f"{k:04d}".translate(WIDE)
            )
            values[at["Job Title"]] = TITLES[row % len(TITLES)]
            values[at["Company Name"]] = f"{tag} Freight {n} Ltd"
            values[at["Country/Region"]] = country
            values[at["State/Region"]] = state
            values[at["City"]] = city
            values[at["Time Zone"]] = zone
            values[at["Annual Revenue"]] = amount
            values[at["Lifecycle Stage"]] = "Customer" if n % 20 == 7 else STAGES[row % len(STAGES)]
            values[at["Lead Status"]] = STATUSES[row % len(STATUSES)]
            values[at["Contact owner"]] = owners[n % len(owners)] if owners and n % 10 < 6 else ""
            values[at["Industry"]] = "Logistics" if n % 3 else "Wholesale"
            values[at["Create Date"]] = f"2026-0{1 + n % 9}-1{n % 10} 09:{n % 60:02d}"
            values[at["Lead Source"]] = "Trade show" if n % 2 else "Website"
            if n % 100 == 13:
                values[at["Country/Region"]] = UNREADABLE[0]
            if n % 100 == 57 and person:
                values[at["Annual Revenue"]] = UNREADABLE[1]
            lines.append(",".join(_cell(value) for value in values) + "\n")
    return "".join(lines).encode()


def _owner_names(manager: Any) -> list[str]:
    from crm.models import User

    reps = User.objects.filter(team__managers=manager, role=User.Role.REP, is_active=True).order_by("pk")[:6]
    return [rep.get_full_name() or rep.username for rep in reps] + ["Former Employee"]


def _team_and_manager(ctx: BenchContext) -> tuple[Any, Any]:
    """The bench team and its manager, with the rates the manager set for the export's currencies."""
    from crm.models import Team

    manager = ctx.manager()
    team = Team.objects.filter(managers=manager).order_by("pk").first()
    if team is not None and (team.exchange_rates != RATES or team.currency != "USD"):
        Team.objects.filter(pk=team.pk).update(currency="USD", exchange_rates=RATES)
        team.refresh_from_db()
    return team, manager


def _job(manager: Any, data: bytes) -> Any:
    """An import job mapped and previewed as the manager would leave it: spread across the team's reps."""
    from cadence.services.imports import import_job_configure, import_job_start
    from crm.models import ImportJob

    job = import_job_start(user=manager, file_name="hubspot-export.csv", data=data)
    import_job_configure(job=job, columns=job.columns, roles={}, options={"owner": "spread"}, now=timezone.now())
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.QUEUED)
    return job


def _rolled_back(function: Any) -> Any:
    def run(arg: Any) -> Any:
        with transaction.atomic():
            output = function(arg)
            transaction.set_rollback(True)
        return output

    return run


@case("import_mapping", "Import: upload a 20,000-row export and see its mapping step", kind="page", order=35)
def import_mapping_case(ctx: BenchContext) -> CaseResult:
    """What the user waits for after choosing the file: the upload read, columns guessed, the mapping page."""
    _, manager = _team_and_manager(ctx)
    client = _browser(manager)
    data = export_csv(owners=_owner_names(manager))
    upload_url = ctx.url("prospect_import")

    def upload_and_map(_: Any) -> Any:
        response = _ok(client.post(upload_url, {"file": SimpleUploadedFile("export.csv", data)}), 302)
        return _ok(client.get(response["Location"]))

    result = ctx.result()
    result.target = p95_under(2000)
    result.main = measure(
        f"POST {upload_url} and GET the mapping step",
        _rolled_back(upload_and_map),
        warmup=ctx.runs(1, quick=1),
        runs=ctx.runs(5, quick=1),
        budget_s=BUDGET_S,
        min_runs=3,
    )
    result.facts["file"] = f"{ROWS:,} rows, {len(data) / 1024 / 1024:.1f} MB, {COMPANIES:,} companies"
    return result


@case("import_preview", "Import: the mapping confirmed, its preview made by a worker", kind="page", order=35)
def import_preview_case(ctx: BenchContext) -> CaseResult:
    """The request that confirms the mapping (it checks the choices and hands the preview of a big file to a
    worker), then the worker's preview of the 20,000 rows (the summary, the problems by reason, the first rows)."""
    from cadence.services.imports import import_job_preview_run, import_job_start
    from crm.models import ImportJob

    _, manager = _team_and_manager(ctx)
    client = _browser(manager)
    job = import_job_start(user=manager, file_name="export.csv", data=export_csv(owners=_owner_names(manager)))
    url = ctx.url("import_map", pk=job.pk)
    body = _mapping_body(job, manager)
    result = ctx.result()
    result.target = p95_under(2000)

    def preview_in_worker(_: Any) -> Any:
        revision = ImportJob.objects.get(pk=job.pk).options["revision"]
        import_job_preview_run(job_id=job.pk, revision=revision, now=timezone.now())
        state = ImportJob.objects.get(pk=job.pk).state
        if state != ImportJob.State.PREVIEWED:
            raise AssertionError(f"the preview did not finish: {state}")

    try:
        result.main = measure(
            f"POST {url} (the request)",
            _rolled_back(lambda _: _ok(client.post(url, body), 302)),
            warmup=ctx.runs(1, quick=1),
            runs=ctx.runs(5, quick=1),
            budget_s=BUDGET_S,
            min_runs=3,
        )
        _ok(client.post(url, body), 302)
        result.others.append(
            measure(
                "import_job_preview_run(20,000 rows) (the worker)",
                _rolled_back(preview_in_worker),
                warmup=0,
                runs=ctx.runs(3, quick=1),
                budget_s=BUDGET_S,
                min_runs=1,
            )
        )
    finally:
        job.delete()
    return result


def _mapping_body(job: Any, manager: Any) -> dict[str, str]:
    """What the manager sends from the mapping step when they accept every guess and spread the leads."""
    from crm.imports import import_read
    from workspace.import_forms import MappingForm

    form = MappingForm(
        file=import_read(job.text), columns=job.columns, roles=job.roles, user=manager, reps=[], cadences=[]
    )
    body = {name: str(form[name].value() or "") for name in form.fields}
    return body | {"owner": "spread", "cadence": "auto", "start": ""}


@case("import_run", "Import: the worker imports 20,000 rows (10,000 companies, paced)", order=35)
def import_run_case(ctx: BenchContext) -> CaseResult:
    from cadence.services.imports import import_job_run

    _, manager = _team_and_manager(ctx)
    data = export_csv(owners=_owner_names(manager))
    jobs: list[Any] = []

    def prepare(_: int) -> int:
        jobs.append(_job(manager, data))
        return jobs[-1].pk

    result = ctx.result()
    result.target = rate_at_least(1000, "rows imported")
    try:
        result.main = measure(
            "import_job_run(20,000 rows)",
            _rolled_back(lambda job_id: import_job_run(job_id=job_id, now=timezone.now())),
            prepare=prepare,
            warmup=0,
            runs=ctx.runs(3, quick=1),
            units=ROWS,
            min_runs=1,
        )
    finally:
        for job in jobs:
            job.delete()
    if result.main is not None and result.main.median:
        result.facts["time per 10,000 rows"] = f"{result.main.median / 1000 * 10_000 / ROWS:.1f} s"
    return result


@case("import_quality", "Import: what a 182-column HubSpot export with real-world values gives", order=35)
def import_quality_case(ctx: BenchContext) -> CaseResult:
    """The share of rows imported and of prospects on a zone of their own country, for the export `export_csv`
    writes; the import and its plans are rolled back after."""
    result = ctx.result()
    collected: dict[str, str] = {}

    def run(_: Any) -> None:
        with _imported(ctx) as facts:
            collected.update(facts)

    result.main = measure(
        "import_job_run(20,000 rows) and every new lead's first plan", run, warmup=0, runs=1, min_runs=1
    )
    result.facts.update(collected)
    return result


@contextmanager
def _imported(ctx: BenchContext) -> Iterator[dict[str, str]]:
    """Inside: the import done and its enrollments planned (as the sweep would), all rolled back after."""
    from cadence.models import Enrollment, FollowUp
    from cadence.services import enrollments_plan
    from cadence.services.imports import import_job_run

    team, manager = _team_and_manager(ctx)
    job = _job(manager, export_csv(owners=_owner_names(manager)))
    facts: dict[str, str] = {}
    try:
        with transaction.atomic():
            now = timezone.now()
            import_job_run(job_id=job.pk, now=now)
            ids = list(
                # The export's companies (`export_csv`): the filter once named none of them, so nothing imported
                # was planned and My day and the dashboard were measured as if the list had not arrived.
                Enrollment.objects.filter(prospect__name__startswith=f"{TAG} Freight").values_list("pk", flat=True)
            )
            for start in range(0, len(ids), 500):
                enrollments_plan(enrollment_ids=ids[start : start + 500], now=now)
            firsts = FollowUp.objects.filter(enrollment_id__in=ids, status="planned", attempt=1, step=0)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(DISTINCT (due_start AT TIME ZONE 'UTC')::date), max(due_start) FROM cadence_followup "
                    "WHERE id = ANY(%s)",
                    [list(firsts.values_list("pk", flat=True))],
                )
                days, last = cursor.fetchone()
            facts["imported"] = f"{len(ids):,} new leads for team {team}"
            facts["first attempts"] = f"over {days} days, the last on {last:%a %d %b}" if last else "none planned"
            facts["first attempts due in the next hour"] = (
                f"{firsts.filter(due_start__lt=now + dt.timedelta(hours=1)).count():,}"
            )
            facts.update(_clock_facts(ids))
            facts.update(_outcome_facts(job.pk))
            yield facts
            transaction.set_rollback(True)
    finally:
        job.delete()


def _clock_facts(enrollment_ids: list[int]) -> dict[str, str]:
    """Whose clock the imported leads are on: a zone of the prospect's own country (or, without one, of its phone
    number's), and where it came from. A rep's zone outside the lead's country is the failure this measures."""
    from cadence.models import Enrollment
    from crm.clocks import country_zones

    rows = list(
        Enrollment.objects.filter(pk__in=enrollment_ids).values_list(
            "prospect__country", "prospect__timezone", "prospect__timezone_source", "prospect__owner__timezone"
        )
    )
    own = sum(1 for country, zone, _, _ in rows if zone in country_zones(country))
    on_rep = sum(1 for country, zone, _, rep_zone in rows if zone == rep_zone and zone not in country_zones(country))
    sources = Counter(source for _, _, source, _ in rows)
    said = ", ".join(f"{source or 'not recorded'} {n:,}" for source, n in sources.most_common())
    share = own / max(len(rows), 1)
    return {
        "clocks of the new prospects": f"{own:,} of {len(rows):,} on a zone of their own country ({share:.1%}); "
        f"{on_rep:,} on their rep's zone outside it",
        "where each clock came from": said,
    }


def _outcome_facts(job_id: int) -> dict[str, str]:
    """What became of the export's rows: of those that carry a company and a phone or email (all of them here), how
    many were imported, skipped as customers by their lifecycle stage, or refused with a reason (and which)."""
    from collections import Counter as Tally

    from crm.imports import problem_kind
    from crm.models import ImportJob

    job = ImportJob.objects.get(pk=job_id)
    carrying = job.total_rows
    imported = carrying - job.skipped_count - job.failed_count
    by_stage = sum(1 for entry in job.failures if str(entry.get("why", "")).startswith("Lifecycle stage “"))
    reasons = Tally(problem_kind(str(entry.get("why", "")).split("; ")[0])[0] for entry in job.failures)
    leads = carrying - by_stage
    return {
        "rows imported (of the rows that carry a company and a phone or email, customers left out)": (
            f"{imported:,} of {leads:,} ({imported / max(leads, 1):.1%}); {by_stage:,} customers skipped by their "
            f"lifecycle stage"
        ),
        "rows not imported, by reason": "; ".join(f"{n:,}: {why}" for why, n in reasons.most_common(6)) or "none",
    }


def _stalled_total(manager: Any) -> int:
    from dashboard.stalled import StalledFilters, stalled_page

    return stalled_page(user=manager, now=timezone.now(), filters=StalledFilters(), limit=0).total


@case("page_my_day_after_import", "My day right after a 20,000-row import (rep)", kind="page", order=36)
def my_day_after_import_case(ctx: BenchContext) -> CaseResult:
    from crm.models import User

    result = ctx.result()
    result.target = p95_under(150)
    with _imported(ctx) as facts:
        _, manager = _team_and_manager(ctx)
        rep = User.objects.filter(team__managers=manager, role=User.Role.REP).order_by("pk").first()
        url = ctx.url("home")
        client = _browser(rep)
        result.main = measure(
            f"GET {url}", lambda _: _ok(client.get(url)), warmup=ctx.runs(5, quick=1), runs=ctx.runs(30, quick=2)
        )
        result.facts.update(facts)
    return result


@case("page_dashboard_after_import", "Manager dashboard right after a 20,000-row import", kind="page", order=36)
def dashboard_after_import_case(ctx: BenchContext) -> CaseResult:
    _, manager = _team_and_manager(ctx)
    before = _stalled_total(manager)
    result = ctx.result()
    result.target = p95_under(300)
    with _imported(ctx) as facts:
        url = ctx.url("dashboard")
        client: Client = _browser(manager)
        result.main = measure(
            f"GET {url}", lambda _: _ok(client.get(url)), warmup=ctx.runs(5, quick=1), runs=ctx.runs(30, quick=2)
        )
        after = _stalled_total(manager)
        result.facts.update(facts)
    result.facts["stalled leads before → after the import"] = f"{before:,} → {after:,}"
    if after != before:
        result.notes.append(f"The import changed the stalled count by {after - before:+,}: it should not.")
    return result
