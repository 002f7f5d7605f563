"""An inbound lead knows its first attempt, whatever wrote it (a form, the API, a bulk sync, the email sensor, a psql
session): after any statement that inserts touches, a waiting inbound lead of a prospect it touched takes the
earliest attempt among them (never before the lead arrived), its rep, and its SLA deadline is cleared. The
speed-to-lead figures and the SLA sweep read that instead of searching touches.

The channels are touches.models.ATTEMPT_CHANNELS as they were when this was written (tests/test_database.py holds
them equal).
"""

from django.db import migrations

TRIGGER = """
CREATE FUNCTION cadence_inbound_first_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cadence_inboundlead i
       SET first_attempt_at = GREATEST(t.occurred_at, i.arrived_at), first_attempt_by_id = t.rep_id,
           sla_due_at = NULL
      FROM (SELECT DISTINCT ON (n.prospect_id) n.prospect_id, n.occurred_at, n.rep_id
              FROM new_rows n
             WHERE n.deleted_at IS NULL AND n.channel IN ('call', 'voicemail', 'email', 'in_person')
             ORDER BY n.prospect_id, n.occurred_at) t
     WHERE i.prospect_id = t.prospect_id AND i.first_attempt_at IS NULL;
    RETURN NULL;
END
$$;

CREATE TRIGGER cadence_inbound_first_attempt AFTER INSERT ON touches_touch
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cadence_inbound_first_attempt();
"""

DROP = """
DROP TRIGGER IF EXISTS cadence_inbound_first_attempt ON touches_touch;
DROP FUNCTION IF EXISTS cadence_inbound_first_attempt();
"""


class Migration(migrations.Migration):
    dependencies = [("cadence", "0016_inbound"), ("touches", "0012_first_reach_plans_cached")]

    operations = [migrations.RunSQL(TRIGGER, DROP)]
