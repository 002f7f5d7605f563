"""touch_reach_rep_idx served only the dashboard's search for the period's first reaches, which now reads
touches_touchfirstreach (migration 0010): no query reads it, and every conversation logged paid its upkeep."""

from django.db import migrations

BY_REP = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS touch_reach_rep_idx ON touches_touch (rep_id, occurred_at) "
    "INCLUDE (prospect_id) WHERE deleted_at IS NULL AND outcome IN ('connected', 'replied', 'meeting_booked')"
)


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("touches", "0010_first_reach")]

    operations = [migrations.RunSQL("DROP INDEX CONCURRENTLY IF EXISTS touch_reach_rep_idx", BY_REP)]
