"""Each change row carries its prospect's owner and team, so a user's feed reads only their own rows.

The feed used to walk everyone's changes in (xid, id) order and keep the ones on prospects the user can see:
its cost grew with the whole company. Now the triggers stamp the prospect's owner_id and team_id at write time,
and the feed reads (owner_id, xid, id) for a rep, plus (team_id, xid, id) for each team a manager manages.

A prospect handed to another owner or moved to another team has its touches logged again under the new owner
and team (0003 did it for the owner; now the team too), so a stamp is never stale for whoever sees the prospect
now; the feed still checks the page's prospects against who sees them now, for the old owner's stale rows.

A touch written while its prospect changes hands must not be stamped with the old owner after the hand-over's
replay has already run without it. So the touches trigger takes a row lock on the prospects it logs under
(FOR NO KEY UPDATE, taken in id order) before it reads their owner: a hand-over that got there first makes it
wait and is read once committed; one that comes later waits for the touch to commit, and its replay then sees
it. The price: two transactions writing touches of the same prospect run one after the other, as they already
did whenever the first updated the prospect (a connected call makes it engaged). Under REPEATABLE READ a
prospect updated since the snapshot makes the touch write fail with a serialization error (the app uses
READ COMMITTED). Rows of prospects already deleted keep no owner and are in no one's feed but a superuser's,
as before. Existing rows are stamped with their prospect's current owner and team.
"""

from django.db import migrations, models

FORWARD = """
CREATE OR REPLACE FUNCTION api_touch_change_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Lock first, read owner and team in the next statement: its snapshot sees a hand-over we waited for.
    IF TG_OP = 'INSERT' THEN
        PERFORM 1 FROM crm_prospect WHERE id IN (SELECT prospect_id FROM new_rows) ORDER BY id FOR NO KEY UPDATE;
        INSERT INTO api_touchchange (touch_id, prospect_id, owner_id, team_id, op, xid, changed_at)
        SELECT n.id, n.prospect_id, p.owner_id, p.team_id,
               CASE WHEN n.deleted_at IS NULL THEN 'created' ELSE 'deleted' END,
               pg_current_xact_id()::text::bigint, clock_timestamp()
        FROM new_rows n LEFT JOIN crm_prospect p ON p.id = n.prospect_id;
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM 1 FROM crm_prospect
        WHERE id IN (SELECT prospect_id FROM old_rows UNION SELECT prospect_id FROM new_rows)
        ORDER BY id FOR NO KEY UPDATE;
        INSERT INTO api_touchchange (touch_id, prospect_id, owner_id, team_id, op, xid, changed_at)
        SELECT o.id, o.prospect_id, p.owner_id, p.team_id, 'deleted',
               pg_current_xact_id()::text::bigint, clock_timestamp()
        FROM old_rows o JOIN new_rows n ON n.id = o.id LEFT JOIN crm_prospect p ON p.id = o.prospect_id
        WHERE n.prospect_id <> o.prospect_id;
        INSERT INTO api_touchchange (touch_id, prospect_id, owner_id, team_id, op, xid, changed_at)
        SELECT n.id, n.prospect_id, p.owner_id, p.team_id,
               CASE WHEN n.deleted_at IS NULL THEN 'updated' ELSE 'deleted' END,
               pg_current_xact_id()::text::bigint, clock_timestamp()
        FROM new_rows n LEFT JOIN crm_prospect p ON p.id = n.prospect_id;
    ELSE
        PERFORM 1 FROM crm_prospect WHERE id IN (SELECT prospect_id FROM old_rows) ORDER BY id FOR NO KEY UPDATE;
        INSERT INTO api_touchchange (touch_id, prospect_id, owner_id, team_id, op, xid, changed_at)
        SELECT o.id, o.prospect_id, p.owner_id, p.team_id, 'deleted',
               pg_current_xact_id()::text::bigint, clock_timestamp()
        FROM old_rows o LEFT JOIN crm_prospect p ON p.id = o.prospect_id;
    END IF;
    RETURN NULL;
END
$$;

-- Fires on every prospect update (a column list is not allowed with transition tables); logs only on a
-- change of owner or team.
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

# The functions as 0002 and 0003 left them.
BACKWARD = """
CREATE OR REPLACE FUNCTION api_touch_change_log() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE OR REPLACE FUNCTION api_prospect_owner_change_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO api_touchchange (touch_id, prospect_id, op, xid, changed_at)
    SELECT t.id, t.prospect_id, 'updated', pg_current_xact_id()::text::bigint, clock_timestamp()
    FROM old_rows o
    JOIN new_rows n ON n.id = o.id AND n.owner_id IS DISTINCT FROM o.owner_id
    JOIN touches_touch t ON t.prospect_id = n.id AND t.deleted_at IS NULL;
    RETURN NULL;
END
$$;
"""

BACKFILL = """
UPDATE api_touchchange c SET owner_id = p.owner_id, team_id = p.team_id
FROM crm_prospect p WHERE p.id = c.prospect_id AND c.owner_id IS NULL;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0003_prospect_owner_change_replays_touches"),
    ]

    operations = [
        migrations.AddField(model_name="touchchange", name="owner_id", field=models.BigIntegerField(null=True)),
        migrations.AddField(model_name="touchchange", name="team_id", field=models.BigIntegerField(null=True)),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="touchchange",
            index=models.Index(fields=["owner_id", "xid", "id"], name="touch_change_owner_idx"),
        ),
        migrations.AddIndex(
            model_name="touchchange",
            index=models.Index(fields=["team_id", "xid", "id"], name="touch_change_team_idx"),
        ),
    ]
