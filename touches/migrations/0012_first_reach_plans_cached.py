"""The first-reach refresh as PL/pgSQL, called only when a statement may have moved a first reach.

As a SQL function (migration 0010) its INSERT was planned again on every call, and every touch logged called it,
with nothing to refresh nine times in ten: about a millisecond a touch for nothing. PL/pgSQL keeps its plans for
the session, and the trigger now returns before calling it when no prospect needs a refresh.
"""

from django.db import migrations

REACHES = "('connected', 'replied', 'meeting_booked')"
ATTEMPTS = "('call', 'voicemail', 'email', 'in_person')"

# The refresh itself, as migration 0010 wrote it: only the language around it changes.
REFRESH = f"""
    WITH found AS (
        SELECT p.id AS prospect_id, r.rep_id, r.occurred_at,
               GREATEST((SELECT count(*) FROM touches_touch a
                         WHERE a.prospect_id = p.id AND a.deleted_at IS NULL AND a.channel IN {ATTEMPTS}
                           AND a.occurred_at <= r.occurred_at), 1) AS attempt
        FROM unnest(prospect_ids) AS p(id)
        CROSS JOIN LATERAL (
            SELECT t.rep_id, t.occurred_at FROM touches_touch t
            WHERE t.prospect_id = p.id AND t.deleted_at IS NULL AND t.outcome IN {REACHES}
            ORDER BY t.occurred_at, t.id LIMIT 1
        ) r
    ),
    gone AS (
        DELETE FROM touches_touchfirstreach f
        WHERE f.prospect_id = ANY(prospect_ids) AND NOT EXISTS (SELECT 1 FROM found WHERE found.prospect_id = f.prospect_id)
    )
    INSERT INTO touches_touchfirstreach AS f (prospect_id, rep_id, occurred_at, attempt)
    SELECT found.prospect_id, found.rep_id, found.occurred_at, found.attempt FROM found ORDER BY found.prospect_id
    ON CONFLICT (prospect_id) DO UPDATE SET
        rep_id = EXCLUDED.rep_id, occurred_at = EXCLUDED.occurred_at, attempt = EXCLUDED.attempt
    WHERE (f.rep_id, f.occurred_at, f.attempt) IS DISTINCT FROM (EXCLUDED.rep_id, EXCLUDED.occurred_at, EXCLUDED.attempt)"""

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION touches_first_reach_refresh(prospect_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(prospect_ids) = 0 THEN
        RETURN;
    END IF;
{REFRESH};
END $$;
"""

PREVIOUS = f"""
CREATE OR REPLACE FUNCTION touches_first_reach_refresh(prospect_ids bigint[]) RETURNS void LANGUAGE sql AS $$
{REFRESH};
$$;
"""


class Migration(migrations.Migration):

    dependencies = [("touches", "0011_drop_touch_reach_rep_idx")]

    operations = [
        migrations.RunSQL(
            "DROP FUNCTION touches_first_reach_refresh(bigint[]);" + FUNCTIONS,
            "DROP FUNCTION touches_first_reach_refresh(bigint[]);" + PREVIOUS,
        )
    ]
