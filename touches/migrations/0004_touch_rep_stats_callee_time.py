"""`touch_rep_stats_idx` also carries the callee's local weekday and hour: "when to call" stays index-only."""

from django.db import migrations

OLD_INCLUDE = "channel, outcome, duration_seconds, prospect_id, contact_id"
NEW_INCLUDE = f"{OLD_INCLUDE}, callee_weekday, callee_hour"


def _create(include: str) -> str:
    return (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS touch_rep_stats_idx ON touches_touch "
        f"(rep_id, occurred_at) INCLUDE ({include}) WHERE deleted_at IS NULL"
    )


DROP = "DROP INDEX CONCURRENTLY IF EXISTS touch_rep_stats_idx"


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("touches", "0003_touch_callee_local_time")]

    operations = [
        migrations.RunSQL(DROP, _create(OLD_INCLUDE)),
        migrations.RunSQL(_create(NEW_INCLUDE), DROP),
    ]
