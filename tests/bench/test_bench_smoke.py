"""The benchmark end to end at a tiny scale: the generator loads a coherent dataset and every case gives numbers.

The bench normally makes its own database; here the generator loads into the pytest database instead
(transactional_db: the generator commits, COPYs and ANALYZEs like the real run).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from bench.generate import Scale, dataset_load
from bench.registry import BenchContext, cases_in_order
from bench.report import Run, machine_info, render
from bench.timing import TaskSink

TINY = Scale(factor=0.002, teams=1, reps=5, prospects=200, contacts=300, touches=4_000)
NOW = dt.datetime(2026, 3, 4, 15, 30, tzinfo=dt.UTC)


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


@pytest.fixture
def tiny_dataset(transactional_db):
    return dataset_load(scale=TINY, seed=3, vacuum=False)


def test_the_generator_loads_the_asked_shape(tiny_dataset):
    assert _count("crm_prospect") == 200
    assert _count("crm_contact") == 300
    assert _count("touches_touch") == 4_000
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cadence_enrollment WHERE status IN ('active', 'engaged', 'paused')")
        assert cursor.fetchone()[0] == 200
        cursor.execute("SELECT count(DISTINCT enrollment_id) FROM cadence_followup WHERE status = 'planned'")
        assert cursor.fetchone()[0] > 150
        cursor.execute("SELECT avg((outcome IN ('no_answer', 'left_voicemail'))::int) FROM touches_touch")
        assert 0.7 < cursor.fetchone()[0] < 0.95
    assert tiny_dataset.total_seconds > 0
    assert tiny_dataset.long_history_prospect_ids


def test_the_same_seed_and_now_give_the_same_rows(transactional_db):
    def fingerprint() -> tuple:
        with connection.cursor() as cursor:
            cursor.execute("SELECT md5(string_agg(id::text || occurred_at::text, ',' ORDER BY id)) FROM touches_touch")
            return cursor.fetchone()

    small = Scale(factor=0.0005, teams=1, reps=5, prospects=30, contacts=40, touches=300)
    dataset_load(scale=small, seed=11, now=NOW, vacuum=False)
    first = fingerprint()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE touches_touch, cadence_followup, cadence_enrollment, crm_contact, crm_prospect, cadence_cadence,"
            " crm_team_managers, crm_user, crm_team RESTART IDENTITY CASCADE"
        )
    dataset_load(scale=small, seed=11, now=NOW, vacuum=False)
    assert fingerprint() == first


def test_every_case_gives_numbers_and_the_report_says_so(tiny_dataset, tmp_path):
    from bench.cli import run_cases

    run = Run(command="pytest", started=dt.datetime.now(dt.UTC), scales=[TINY.factor])
    run.machine = machine_info()
    run.datasets[TINY.factor] = {**tiny_dataset.as_meta(), "scale": {"teams": 1, "reps": 5}}
    with TaskSink().installed() as sink:
        ctx = BenchContext(scale=TINY.factor, meta=tiny_dataset.as_meta(), sink=sink, quick=True)
        run.results = run_cases(ctx, cases_in_order())
    run.profiles[TINY.factor] = ctx.profiles

    by_name = {result.name: result for result in run.results}
    for name in (
        "scheduler_sweep",
        "touch_log",
        "plan_one",
        "follow_up_queue",
        "prospect_list",
        "timeline",
        "bulk_insert_500",
    ):
        result = by_name[name]
        assert result.status == "ok", (name, result.error, result.notes)
        assert result.main.median > 0 and result.main.p95 >= result.main.median
        assert result.main.queries, name
        assert result.raw is not None and result.raw.median > 0
    assert by_name["scheduler_sweep"].main.units == 50
    assert all(result.status in ("ok", "not built") for result in run.results), [
        (r.name, r.error) for r in run.results if r.status == "error"
    ]
    assert sink.sent["cadence.tasks.enrollment_plan"] > 0

    text = render(run)
    (tmp_path / "results.md").write_text(text)
    assert "## Summary" in text and "## Growth" in text and "## Where we miss and why" in text
    assert "Scheduler sweep" in text and "Where the scheduler's time goes" in text
    assert ("PASS" in text) or ("MISS" in text)


def test_the_generator_fills_the_callee_time_as_the_touches_trigger_would(tiny_dataset):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FILTER (WHERE t.callee_weekday IS DISTINCT FROM extract(isodow FROM z.local)
                                    OR t.callee_hour IS DISTINCT FROM extract(hour FROM z.local)), count(*)
            FROM touches_touch t
            JOIN crm_prospect p ON p.id = t.prospect_id
            LEFT JOIN crm_contact c ON c.id = t.contact_id,
            LATERAL (SELECT t.occurred_at AT TIME ZONE COALESCE(NULLIF(c.timezone, ''), p.timezone) AS local) z
            """
        )
        wrong, total = cursor.fetchone()
    assert (wrong, total) == (0, 4_000)


def test_the_http_mode_drives_the_production_shape_and_reports_per_request_cost(tiny_dataset, tmp_path):
    """gunicorn with DEBUG off on this test's database, wrk at 1 and 10 clients, CPU on both sides per request."""
    import shutil

    from django.conf import settings

    from bench.http.cases import http_run
    from tests.config.test_production_shape import _database_url
    from tests.conftest import service_unavailable

    if shutil.which("wrk") is None:
        service_unavailable("wrk is not installed (apt-get install wrk)")
    with TaskSink().installed() as sink:
        ctx = BenchContext(scale=TINY.factor, meta=tiny_dataset.as_meta(), sink=sink, quick=True)
        results = http_run(
            ctx,
            database_url=_database_url(),
            redis_url=settings.CELERY_BROKER_URL,
            seconds=1,
            only={"my_day", "api_prospects_100_manager", "dashboard", "touch_post"},
        )

    assert {(r.name, r.load.clients) for r in results} == {
        (name, clients)
        for name in ("hello", "my_day", "api_prospects_100_manager", "dashboard", "touch_post")
        for clients in (1, 10)
    }
    for result in results:
        assert result.load.requests > 0 and result.load.failed == 0, (result.name, result.load)
        assert result.load.p50_ms <= result.load.p95_ms <= result.load.p99_ms
        assert result.server_cpu_ms > 0 and result.ceiling_share > 0
    posted = [r for r in results if r.name == "touch_post"]
    for result in posted:
        answered = result.load.requests - result.load.failed
        assert answered <= result.rows_written <= answered + result.load.clients  # nothing lost

    run = Run(command="pytest", started=dt.datetime.now(dt.UTC), scales=[TINY.factor], http=results, http_seconds=1)
    text = render(run)
    assert "## Over HTTP: the production shape" in text and "### Targets" in text
    assert "Hello-world view (the ceiling)" in text


def test_the_generator_fills_what_the_enrollment_triggers_keep(tiny_dataset):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FILTER (WHERE e.prospect_team_id IS DISTINCT FROM p.team_id
                                    OR e.prospect_value IS DISTINCT FROM p.estimated_value
                                    OR e.last_touch_at IS DISTINCT FROM (SELECT max(t.occurred_at) FROM touches_touch t
                                                                         WHERE t.prospect_id = p.id
                                                                           AND t.deleted_at IS NULL)),
                   count(*)
            FROM cadence_enrollment e JOIN crm_prospect p ON p.id = e.prospect_id
            """
        )
        wrong, total = cursor.fetchone()
    assert wrong == 0 and total > 0
