"""Record every write to a touch in api_touchchange, in the writing transaction, whoever writes it.

A trigger rather than application code: the browser, the API, imports, the admin and a psql session all write
touches, and the changes feed promises never to miss one. Statement-level triggers with transition tables
keep a 500-touch bulk insert to one extra INSERT ... SELECT.

`xid` is the writing transaction's id (`pg_current_xact_id()`, 64-bit, never wraps). The feed only returns rows
whose xid is below the oldest transaction still running (`pg_snapshot_xmin(pg_current_snapshot())`).
A touch moved to another prospect also leaves a tombstone under its old prospect, for whoever saw it there.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION api_touch_change_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO api_touchchange (touch_id, prospect_id, op, xid, changed_at)
        SELECT n.id, n.prospect_id,
               CASE WHEN n.deleted_at IS NULL THEN 'created' ELSE 'deleted' END,
               pg_current_xact_id()::text::bigint, clock_timestamp()
        FROM new_rows n;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO api_touchchange (touch_id, prospect_id, op, xid, changed_at)
        SELECT o.id, o.prospect_id, 'deleted', pg_current_xact_id()::text::bigint, clock_timestamp()
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.prospect_id <> o.prospect_id;
        INSERT INTO api_touchchange (touch_id, prospect_id, op, xid, changed_at)
        SELECT n.id, n.prospect_id,
               CASE WHEN n.deleted_at IS NULL THEN 'updated' ELSE 'deleted' END,
               pg_current_xact_id()::text::bigint, clock_timestamp()
        FROM new_rows n;
    ELSE
        INSERT INTO api_touchchange (touch_id, prospect_id, op, xid, changed_at)
        SELECT o.id, o.prospect_id, 'deleted', pg_current_xact_id()::text::bigint, clock_timestamp()
        FROM old_rows o;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER api_touch_change_insert AFTER INSERT ON touches_touch
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION api_touch_change_log();
CREATE TRIGGER api_touch_change_update AFTER UPDATE ON touches_touch
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION api_touch_change_log();
CREATE TRIGGER api_touch_change_delete AFTER DELETE ON touches_touch
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION api_touch_change_log();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS api_touch_change_insert ON touches_touch;
DROP TRIGGER IF EXISTS api_touch_change_update ON touches_touch;
DROP TRIGGER IF EXISTS api_touch_change_delete ON touches_touch;
DROP FUNCTION IF EXISTS api_touch_change_log();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("touches", "0001_initial"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
