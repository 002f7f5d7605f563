"""A prospect that changes hands also leaves tombstones for whoever loses sight of it.

Until now the new owner (and team) got the lead's touches again, but the previous owner's client kept its copies
of touches it can no longer read or write. Now the hand-over first logs a `deleted` row per touch, stamped with
the previous owner and, when the team changed too, the previous team; then the `updated` rows for the new owner
and team, after them in the log. A reader who still sees the lead (a manager of the same team, say) meets the
tombstone first and the update after it, and ends with the touch.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION api_prospect_owner_change_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO api_touchchange (touch_id, prospect_id, owner_id, team_id, op, xid, changed_at)
    SELECT t.id, t.prospect_id, o.owner_id,
           CASE WHEN n.team_id IS DISTINCT FROM o.team_id THEN o.team_id END, 'deleted',
           pg_current_xact_id()::text::bigint, clock_timestamp()
    FROM old_rows o
    JOIN new_rows n ON n.id = o.id AND (n.owner_id, n.team_id) IS DISTINCT FROM (o.owner_id, o.team_id)
    JOIN touches_touch t ON t.prospect_id = n.id AND t.deleted_at IS NULL
    ORDER BY t.id;
    INSERT INTO api_touchchange (touch_id, prospect_id, owner_id, team_id, op, xid, changed_at)
    SELECT t.id, t.prospect_id, n.owner_id, n.team_id, 'updated',
           pg_current_xact_id()::text::bigint, clock_timestamp()
    FROM old_rows o
    JOIN new_rows n ON n.id = o.id AND (n.owner_id, n.team_id) IS DISTINCT FROM (o.owner_id, o.team_id)
    JOIN touches_touch t ON t.prospect_id = n.id AND t.deleted_at IS NULL
    ORDER BY t.id;
    RETURN NULL;
END
$$;
"""

# As 0004 left it.
BACKWARD = """
CREATE OR REPLACE FUNCTION api_prospect_owner_change_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO api_touchchange (touch_id, prospect_id, owner_id, team_id, op, xid, changed_at)
    SELECT t.id, t.prospect_id, n.owner_id, n.team_id, 'updated',
           pg_current_xact_id()::text::bigint, clock_timestamp()
    FROM old_rows o
    JOIN new_rows n ON n.id = o.id AND (n.owner_id, n.team_id) IS DISTINCT FROM (o.owner_id, o.team_id)
    JOIN touches_touch t ON t.prospect_id = n.id AND t.deleted_at IS NULL;
    RETURN NULL;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("api", "0004_touch_change_owner_and_team")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
