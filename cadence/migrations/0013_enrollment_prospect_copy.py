"""The prospect's team and estimated value on each enrollment, kept by triggers, so the dashboard's stalled list
scopes and orders its leads without a prospect row per lead (dashboard/stalled.py).

A row trigger on the enrollment copies them when it is inserted or moved to another prospect; a row trigger on the
prospect copies a changed team or value to its enrollments (open and ended alike: an early give-up is listed by
value too). Bulk paths (imports, the API) go through the same triggers, so no write path can leave them stale.
"""

from django.db import migrations, models

FUNCTIONS = """
CREATE OR REPLACE FUNCTION cadence_enrollment_prospect_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT p.team_id, p.estimated_value INTO NEW.prospect_team_id, NEW.prospect_value
    FROM crm_prospect p WHERE p.id = NEW.prospect_id;
    RETURN NEW;
END $$;

CREATE TRIGGER cadence_enrollment_prospect_copy BEFORE INSERT OR UPDATE OF prospect_id, prospect_team_id,
    prospect_value ON cadence_enrollment FOR EACH ROW EXECUTE FUNCTION cadence_enrollment_prospect_copy();

CREATE OR REPLACE FUNCTION crm_prospect_to_enrollments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cadence_enrollment SET prospect_team_id = NEW.team_id, prospect_value = NEW.estimated_value
    WHERE prospect_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER crm_prospect_to_enrollments AFTER UPDATE OF team_id, estimated_value ON crm_prospect FOR EACH ROW
    WHEN (OLD.team_id IS DISTINCT FROM NEW.team_id OR OLD.estimated_value IS DISTINCT FROM NEW.estimated_value)
    EXECUTE FUNCTION crm_prospect_to_enrollments();
"""

BACKFILL = """
UPDATE cadence_enrollment e SET prospect_team_id = p.team_id, prospect_value = p.estimated_value
FROM crm_prospect p WHERE p.id = e.prospect_id;
"""

DROP = """
DROP TRIGGER IF EXISTS crm_prospect_to_enrollments ON crm_prospect;
DROP TRIGGER IF EXISTS cadence_enrollment_prospect_copy ON cadence_enrollment;
DROP FUNCTION IF EXISTS crm_prospect_to_enrollments();
DROP FUNCTION IF EXISTS cadence_enrollment_prospect_copy();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('cadence', '0012_idle_since_index'),
        ('crm', '0011_prospect_foreign_keys_unindexed'),
    ]

    operations = [
        migrations.AddField(
            model_name='enrollment',
            name='prospect_team_id',
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='enrollment',
            name='prospect_value',
            field=models.DecimalField(blank=True, decimal_places=2, editable=False, max_digits=12, null=True),
        ),
        migrations.RunSQL(FUNCTIONS + BACKFILL, DROP),
    ]
