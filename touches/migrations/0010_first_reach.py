"""Each prospect's first reach, kept by triggers: the touch that first reached it, and on which attempt.

"Persistence pays" (the manager dashboard) counts the leads first reached in the period by the attempt that reached
them. Computed on every view, that was one earlier-conversation probe and one count of attempts per conversation of
the period, a cost that grew with the team. Statement triggers (one call per INSERT, UPDATE or DELETE, however many
rows) now refresh touches_touchfirstreach for the prospects a statement may have changed:
- an insert only for a prospect not reached yet that a new row reaches, or one whose first reach is not before the
  earliest new row (a backdated touch may come first or add an attempt before it); a touch logged after the first
  reach, nearly every touch, changes nothing and costs one primary-key probe;
- an update only for a prospect whose touch changed what counts (time, outcome, channel, rep, deleted or restored);
- a delete for every prospect it took touches from.
A refresh takes the earliest live conversation (touch_reach_prospect_idx) and counts the live attempts up to it
(touch_history_idx), as dashboard.metrics did. The outcome and channel lists are touches.models.CONVERSATIONS
and touches.models.ATTEMPT_CHANNELS as they were when this was written.
"""

from django.db import migrations, models

REACHES = "('connected', 'replied', 'meeting_booked')"
ATTEMPTS = "('call', 'voicemail', 'email', 'in_person')"

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION touches_first_reach_refresh(prospect_ids bigint[]) RETURNS void LANGUAGE sql AS $$
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
    SELECT prospect_id, rep_id, occurred_at, attempt FROM found ORDER BY prospect_id
    ON CONFLICT (prospect_id) DO UPDATE SET
        rep_id = EXCLUDED.rep_id, occurred_at = EXCLUDED.occurred_at, attempt = EXCLUDED.attempt
    WHERE (f.rep_id, f.occurred_at, f.attempt) IS DISTINCT FROM (EXCLUDED.rep_id, EXCLUDED.occurred_at, EXCLUDED.attempt);
$$;

-- A trigger can only name the transition tables its event has, hence one branch per event.
CREATE OR REPLACE FUNCTION touches_first_reach() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM touches_first_reach_refresh(ARRAY(
            SELECT n.prospect_id FROM new_rows n
            LEFT JOIN touches_touchfirstreach f ON f.prospect_id = n.prospect_id
            GROUP BY n.prospect_id, f.occurred_at
            HAVING (f.occurred_at IS NULL AND bool_or(n.deleted_at IS NULL AND n.outcome IN {REACHES}))
                OR min(n.occurred_at) <= f.occurred_at));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM touches_first_reach_refresh(ARRAY(
            SELECT DISTINCT unnest(ARRAY[o.prospect_id, n.prospect_id]) FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.prospect_id, o.rep_id, o.occurred_at, o.outcome, o.channel, o.deleted_at)
                  IS DISTINCT FROM (n.prospect_id, n.rep_id, n.occurred_at, n.outcome, n.channel, n.deleted_at)));
    ELSE
        PERFORM touches_first_reach_refresh(ARRAY(SELECT DISTINCT prospect_id FROM old_rows));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER touches_first_reach_insert AFTER INSERT ON touches_touch
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION touches_first_reach();
CREATE TRIGGER touches_first_reach_update AFTER UPDATE ON touches_touch
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION touches_first_reach();
CREATE TRIGGER touches_first_reach_delete AFTER DELETE ON touches_touch
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION touches_first_reach();
"""

# The same rows touches.services.rollup.touch_first_reaches_rebuild() computes, for the touches already stored: one
# pass in prospect and time order, the attempts so far a running count.
BACKFILL = f"""
INSERT INTO touches_touchfirstreach (prospect_id, rep_id, occurred_at, attempt)
SELECT DISTINCT ON (prospect_id) prospect_id, rep_id, occurred_at, GREATEST(attempts, 1)
FROM (
    SELECT prospect_id, rep_id, occurred_at, id, outcome,
           count(*) FILTER (WHERE channel IN {ATTEMPTS}) OVER (
               PARTITION BY prospect_id ORDER BY occurred_at RANGE UNBOUNDED PRECEDING
           ) AS attempts
    FROM touches_touch WHERE deleted_at IS NULL
) running
WHERE outcome IN {REACHES}
ORDER BY prospect_id, occurred_at, id;
"""

DROP = """
DROP TRIGGER IF EXISTS touches_first_reach_insert ON touches_touch;
DROP TRIGGER IF EXISTS touches_first_reach_update ON touches_touch;
DROP TRIGGER IF EXISTS touches_first_reach_delete ON touches_touch;
DROP FUNCTION IF EXISTS touches_first_reach();
DROP FUNCTION IF EXISTS touches_first_reach_refresh(bigint[]);
"""


class Migration(migrations.Migration):

    dependencies = [
        ('touches', '0009_touch_indexes_without_duplicates'),
    ]

    operations = [
        migrations.CreateModel(
            name='TouchFirstReach',
            fields=[
                ('prospect_id', models.BigIntegerField(primary_key=True, serialize=False)),
                ('rep_id', models.BigIntegerField()),
                ('occurred_at', models.DateTimeField()),
                ('attempt', models.PositiveIntegerField()),
            ],
            options={
                'indexes': [models.Index(fields=['rep_id', 'occurred_at'], include=('attempt', 'prospect_id'), name='first_reach_idx')],
            },
        ),
        migrations.RunSQL(FUNCTIONS + BACKFILL, DROP),
    ]
