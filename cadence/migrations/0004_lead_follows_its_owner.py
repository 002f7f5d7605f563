"""A lead's open enrollment and planned follow-ups always belong to the prospect's owner, however it changes hands.

`prospect_reassign` ends the enrollment and starts a new one for the new owner; an owner edited anywhere else
(the admin, a script, the API) used to leave the old rep with the cadence and its follow-ups. With this trigger
"a planned follow-up's rep is its prospect's owner" holds for every write path, so a rep's queue can be read by
`rep_id` alone, walking `follow_up_queue_idx` in due order (see `follow_up_list_for_user`).
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION cadence_lead_follows_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cadence_enrollment e SET owner_id = n.owner_id
    FROM old_rows o JOIN new_rows n ON n.id = o.id AND n.owner_id IS DISTINCT FROM o.owner_id
    WHERE e.prospect_id = n.id AND e.status IN ('active', 'engaged', 'paused') AND e.owner_id <> n.owner_id;
    UPDATE cadence_followup f SET rep_id = n.owner_id
    FROM old_rows o JOIN new_rows n ON n.id = o.id AND n.owner_id IS DISTINCT FROM o.owner_id
    WHERE f.prospect_id = n.id AND f.status = 'planned' AND f.rep_id <> n.owner_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER cadence_lead_follows_owner AFTER UPDATE ON crm_prospect
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cadence_lead_follows_owner();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS cadence_lead_follows_owner ON crm_prospect;
DROP FUNCTION IF EXISTS cadence_lead_follows_owner();
"""

# Leads whose owner was edited before the trigger existed.
REPAIR = """
UPDATE cadence_enrollment e SET owner_id = p.owner_id
FROM crm_prospect p
WHERE p.id = e.prospect_id AND e.status IN ('active', 'engaged', 'paused') AND e.owner_id <> p.owner_id;
UPDATE cadence_followup f SET rep_id = p.owner_id
FROM crm_prospect p
WHERE p.id = f.prospect_id AND f.status = 'planned' AND f.rep_id <> p.owner_id;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cadence", "0003_lead_events_and_extensions"),
        ("crm", "0003_prospect_owner_recent_idx"),
    ]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RunSQL(REPAIR, migrations.RunSQL.noop),
    ]
