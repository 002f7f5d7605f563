"""Covering indexes for the manager dashboard's aggregates, built without locking the table.

The dashboard reads a period's touches by rep (attempts, connects, time spent, when they connected) and, for the
leads first reached in the period, their earlier history. With these two indexes both are index-only scans:
at 2M touches the heap is never read for them.

They live in the database only (no model state), so `makemigrations` sees no change to the Touch model.
"""

from django.db import migrations

REP_STATS = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS touch_rep_stats_idx ON touches_touch "
    "(rep_id, occurred_at) INCLUDE (channel, outcome, duration_seconds, prospect_id, contact_id) "
    "WHERE deleted_at IS NULL"
)
HISTORY = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS touch_history_idx ON touches_touch "
    "(prospect_id, occurred_at) INCLUDE (channel, outcome) WHERE deleted_at IS NULL"
)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("touches", "0001_initial")]

    operations = [
        migrations.RunSQL(REP_STATS, "DROP INDEX CONCURRENTLY IF EXISTS touch_rep_stats_idx"),
        migrations.RunSQL(HISTORY, "DROP INDEX CONCURRENTLY IF EXISTS touch_history_idx"),
    ]
