"""When a prospect changes hands, its touches enter the changes feed again, for the new owner's clients.

The feed is scoped by who can see the prospect when it is read, so a new owner whose client synced before the
hand-over would otherwise never receive the history written by the previous owner. Statement-level with
transition tables (a column list is not allowed with them), so a bulk prospect update costs one join.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION api_prospect_owner_change_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO api_touchchange (touch_id, prospect_id, op, xid, changed_at)
    SELECT t.id, t.prospect_id, 'updated', pg_current_xact_id()::text::bigint, clock_timestamp()
    FROM old_rows o
    JOIN new_rows n ON n.id = o.id AND n.owner_id IS DISTINCT FROM o.owner_id
    JOIN touches_touch t ON t.prospect_id = n.id AND t.deleted_at IS NULL;
    RETURN NULL;
END
$$;

CREATE TRIGGER api_prospect_owner_change AFTER UPDATE ON crm_prospect
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION api_prospect_owner_change_log();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS api_prospect_owner_change ON crm_prospect;
DROP FUNCTION IF EXISTS api_prospect_owner_change_log();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_touch_change_trigger"),
        ("crm", "0003_prospect_owner_recent_idx"),
        ("touches", "0004_touch_rep_stats_callee_time"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
