"""Two small partial indexes for "persistence pays": the conversations (connected, replied, meeting booked), a few
percent of all touches.

The dashboard looks for the leads first reached in the period: the period's conversations of the team's reps, each
without an earlier conversation of its lead. Through touch_rep_stats_idx it read every touch of the period to keep
the few conversations (92,000 index entries for 1,300 at 100k prospects); through these it reads the conversations
alone, and the earlier-conversation test is one probe. Database only (no model state), built without locking.
"""

from django.db import migrations

REACHES = "('connected', 'replied', 'meeting_booked')"
BY_REP = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS touch_reach_rep_idx ON touches_touch (rep_id, occurred_at) "
    f"INCLUDE (prospect_id) WHERE deleted_at IS NULL AND outcome IN {REACHES}"
)
BY_PROSPECT = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS touch_reach_prospect_idx ON touches_touch (prospect_id, occurred_at) "
    f"WHERE deleted_at IS NULL AND outcome IN {REACHES}"
)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("touches", "0007_touch_hours")]

    operations = [
        migrations.RunSQL(BY_REP, "DROP INDEX CONCURRENTLY IF EXISTS touch_reach_rep_idx"),
        migrations.RunSQL(BY_PROSPECT, "DROP INDEX CONCURRENTLY IF EXISTS touch_reach_prospect_idx"),
    ]
