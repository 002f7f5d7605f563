"""A real list arriving: a 20,000-row export (two contacts per company, values written as people write them)
uploaded and mapped in the browser, previewed, imported by the worker's service, and then My day and the
dashboard right after it (issue 14). Every import here runs in a transaction that is rolled back, so the bench
database is the same for the cases after these and for the next `--reuse`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
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
HEADER = "Company Name,First Name,Last Name,Email,Phone Number,Job Title,Country/Region,State/Region,Amount\n"
# Country, a phone written the local way (or none), a state, an amount written the local way. No time zone column, as
# in most exports: each prospect's clock comes from its phone, its state, its country (crm.clocks).
PLACES = [
    ("United States", "(212) 736-{n:04d}", "", '"$12,000.00"'),
    ("USA", "(312) 555-{n:04d}", "", '"$9,000.00"'),
    ("US", "(415) 555-{n:04d}", "CA", '"$15,000"'),
    ("United States", "", "Texas", '"$7,500"'),
    ("Deutschland", "030 1234{n:04d}", "", "12.000,00 EUR"),
    ("GB", "020 7123 {n:04d}", "", "£9,500"),
    ("FRA", "01 42 12 {a:02d} {b:02d}", "", "8 000 €"),
    ("Canada", "(604) 555-{n:04d}", "BC", '"$11,000"'),
    ("Australia", "(08) 9123 {n:04d}", "WA", '"$13,000"'),
    ("India", "098200 1{n:04d}", "", "INR 900000"),
    ("Japan", "03-1234-{n:04d}", "", "JPY 1500000"),
    ("Brazil", "(11) 3123-{n:04d}", "SP", "12.000,00"),
]
TITLES = ["VP Sales", "Office Manager", "Head of Operations", "Assistant to the CEO", "Receptionist", "Buyer"]


def export_csv(*, companies: int = COMPANIES, tag: str = TAG) -> bytes:
    """A HubSpot-style export: two contacts per company, so half the rows merge into a company row."""
    lines = [HEADER]
    domain = tag.lower().replace(" ", "-")
    for n in range(companies):
        country, phone, state, amount = PLACES[n % len(PLACES)]
        for person in (0, 1):
            k = (2 * n + person) % 10_000
            lines.append(
                f"{tag} Freight {n} Ltd,Ada{person},Lovelace{n},ada{person}.{n}@freight{n}.{domain}.example,"
                f"{phone.format(n=k, a=k // 100, b=k % 100)},{TITLES[(n + person) % len(TITLES)]},{country},{state},"
                f"{amount}\n"
            )
    return "".join(lines).encode()


def _team_and_manager(ctx: BenchContext) -> tuple[Any, Any]:
    from crm.models import Team

    manager = ctx.manager()
    return Team.objects.filter(managers=manager).order_by("pk").first(), manager


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
    data = export_csv()
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


@case("import_preview", "Import: the mapping confirmed, its preview (summary, problems first)", kind="page", order=35)
def import_preview_case(ctx: BenchContext) -> CaseResult:
    from cadence.services.imports import import_job_start

    _, manager = _team_and_manager(ctx)
    client = _browser(manager)
    job = import_job_start(user=manager, file_name="export.csv", data=export_csv())
    url = ctx.url("import_map", pk=job.pk)
    body = {f"col_{n}": field for n, field in enumerate(job.columns[name] for name in _header())}
    body |= {"owner": "spread", "cadence": "auto", "start": ""}
    result = ctx.result()
    result.target = p95_under(2000)
    try:
        result.main = measure(
            f"POST {url}",
            _rolled_back(lambda _: _ok(client.post(url, body))),
            warmup=ctx.runs(1, quick=1),
            runs=ctx.runs(5, quick=1),
            budget_s=BUDGET_S,
            min_runs=3,
        )
        response = client.post(url, body)
        result.facts["response size"] = f"{len(response.content) / 1024:,.0f} KiB"
    finally:
        job.delete()
    return result


def _header() -> list[str]:
    return HEADER.strip().split(",")


@case("import_run", "Import: the worker imports 20,000 rows (10,000 companies, paced)", order=35)
def import_run_case(ctx: BenchContext) -> CaseResult:
    from cadence.services.imports import import_job_run

    _, manager = _team_and_manager(ctx)
    data = export_csv()
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
    return result


@contextmanager
def _imported(ctx: BenchContext) -> Iterator[dict[str, str]]:
    """Inside: the import done and its enrollments planned (as the sweep would), all rolled back after."""
    from cadence.models import Enrollment, FollowUp
    from cadence.services import enrollments_plan
    from cadence.services.imports import import_job_run

    team, manager = _team_and_manager(ctx)
    job = _job(manager, export_csv())
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
