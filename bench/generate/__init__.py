"""A realistic Pursuit dataset, loaded fast: PostgreSQL COPY from in-memory text buffers, never the ORM per row.

The shape follows docs/field-reports.md: reps dial mostly into voicemail (about 5% of dials connect), the
history spans two years in each prospect's local working hours, and every prospect is in an open enrollment
with its attempts so far, the follow-ups they answered and the one planned next. Everything comes from
`random.Random(seed)` (one stream per table) and `now`: the same seed, scale and `now` give the same rows.

Small tables (teams, users, cadences) go through `bulk_create`; the five big ones through COPY. Big loads drop
the secondary indexes first and build them afterwards, with triggers and foreign-key checks off during the
COPY (`session_replication_role = replica`); the generator wires every key itself, and rebuilding the unique
indexes re-checks uniqueness. The changes log behind the API feed (if that table exists) is then filled for
the last 30 days, the log's retention, as its trigger would have done. Then VACUUM ANALYZE.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Iterator

from django.db import connection

from bench.generate.base import UTC, Load, LoadReport, Scale
from bench.generate.histories import histories_write
from bench.generate.people import expected_rows, prospects_and_contacts, small_tables
from bench.generate.pgcopy import CopyWriter, execute, secondary_indexes

__all__ = ["LoadReport", "Scale", "dataset_load", "describe"]

CHANGES_RETENTION_DAYS = 30
# A table that gets at least this many rows is loaded without its secondary indexes, which are built after.
INDEX_REBUILD_FROM = 100_000


def dataset_load(*, scale: Scale, seed: int = 7, now: dt.datetime | None = None, vacuum: bool = True) -> LoadReport:
    """Generate and load a dataset into the (migrated, empty) database Django is connected to.

    1. Drop the secondary indexes of the tables that get big; switch off triggers and FK checks (replica).
    2. Teams, users and cadences through the ORM; prospects, contacts, touches, enrollments and follow-ups
       through COPY on a writer thread.
    3. Sequences past the ids given; the changes log of the last 30 days; the indexes back.
    4. VACUUM (ANALYZE), or only ANALYZE.
    """
    from cadence.models import Enrollment, FollowUp
    from crm.models import Contact, Prospect
    from touches.models import Touch
    from touches.services import touch_first_reaches_rebuild, touch_hours_rebuild

    load = Load(scale=scale, seed=seed, now=now or dt.datetime.now(UTC).replace(second=0, microsecond=0))
    report = load.report
    started = time.perf_counter()
    dropped: list[tuple[str, str]] = []
    for model, rows in expected_rows(load, [Prospect, Contact, Touch, Enrollment, FollowUp]).items():
        if rows >= INDEX_REBUILD_FROM:
            for name, definition in secondary_indexes(model._meta.db_table):
                execute(f'DROP INDEX "{name}"')
                dropped.append((name, definition))
    execute("SET synchronous_commit = off")
    replica = True
    try:
        execute("SET session_replication_role = replica")
    except Exception:  # not a superuser: load with triggers and foreign-key checks on (slower, same rows)
        replica = False
        report.notes.append("session_replication_role unavailable: loaded with triggers and FK checks on")
    try:
        cast = small_tables(load)
        writer = CopyWriter()
        try:
            prospects = prospects_and_contacts(load, cast, writer)
            histories_write(load, cast, prospects, writer)
        finally:
            writer.close()
        report.seconds["generate_and_copy"] = time.perf_counter() - started
    finally:
        if replica:
            execute("SET session_replication_role = DEFAULT")
    for model in (Prospect, Contact, Enrollment, FollowUp):  # ids were given explicitly; touches use UUIDs
        table = model._meta.db_table
        execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), greatest(1, (SELECT max(id) FROM {table})))")
    if replica:
        started = time.perf_counter()
        report.rows["api_touchchange"] = _changes_log_fill(load.now)
        report.seconds["changes_log"] = time.perf_counter() - started
        # What the touches' statement triggers keep: the dashboard's rollups (touches migration 0007) and first
        # reaches (0010).
        started = time.perf_counter()
        touch_hours_rebuild()
        touch_first_reaches_rebuild()
        report.seconds["rollups"] = time.perf_counter() - started
        # What the enrollment triggers keep: each enrollment's newest touch (cadence migration 0005) and its copy
        # of the prospect's team and value (0013), in one pass.
        execute(
            "UPDATE cadence_enrollment e SET last_touch_at = last.at, prospect_team_id = p.team_id,"
            " prospect_value = p.estimated_value"
            " FROM crm_prospect p LEFT JOIN (SELECT prospect_id, max(occurred_at) AS at FROM touches_touch"
            " WHERE deleted_at IS NULL GROUP BY prospect_id) last ON last.prospect_id = p.id"
            " WHERE p.id = e.prospect_id"
        )
    started = time.perf_counter()
    execute("SET maintenance_work_mem = '512MB'")
    for _, definition in dropped:
        execute(definition)
    execute("RESET maintenance_work_mem")
    report.seconds["indexes"] = time.perf_counter() - started
    started = time.perf_counter()
    execute("VACUUM (ANALYZE)" if vacuum else "ANALYZE")
    report.seconds["vacuum_analyze" if vacuum else "analyze"] = time.perf_counter() - started
    execute("RESET synchronous_commit")
    return report


def _changes_log_fill(now: dt.datetime) -> int:
    """What the touches trigger would have logged over the retention window (the older rows were pruned)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('api_touchchange')")
        if cursor.fetchone()[0] is None:
            return 0
        since = now - dt.timedelta(days=CHANGES_RETENTION_DAYS)
        cursor.execute("SELECT count(*) FROM touches_touch WHERE created_at >= %s", [since])
        count = cursor.fetchone()[0]
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        current = cursor.fetchone()[0]
        # Real writes come one transaction each, long committed. Spread the rows, oldest first, over the older
        # half of the xids this server has used: every one is below the xmin of any transaction still running
        # (the feed only hands out rows below it), as a day-old write would be.
        span = max(1, (current - 3) // 2)
        cursor.execute(
            """
            INSERT INTO api_touchchange (touch_id, prospect_id, owner_id, team_id, op, xid, changed_at)
            SELECT t.id, t.prospect_id, p.owner_id, p.team_id,
                   CASE WHEN t.deleted_at IS NULL THEN 'created' ELSE 'deleted' END,
                   %s + ((row_number() OVER (ORDER BY t.created_at, t.id) - 1) * %s / greatest(%s, 1)),
                   t.created_at
            FROM touches_touch t JOIN crm_prospect p ON p.id = t.prospect_id
            WHERE t.created_at >= %s ORDER BY t.created_at, t.id
            """,
            [3, span, count, since],
        )
        return count


def rows_per_second(report: LoadReport) -> float:
    loaded = sum(report.rows.values())
    return loaded / report.total_seconds if report.total_seconds else math.nan


def describe(report: LoadReport) -> Iterator[str]:
    yield f"scale {report.scale.factor:g}: " + ", ".join(f"{table} {count:,}" for table, count in report.rows.items())
    yield (
        "load: "
        + ", ".join(f"{step} {seconds:.1f}s" for step, seconds in report.seconds.items())
        + f" (total {report.total_seconds:.1f}s, {rows_per_second(report):,.0f} rows/s)"
    )
