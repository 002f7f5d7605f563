"""The callee's local weekday and hour of every touch, kept by a trigger and backfilled.

A trigger rather than code in `touch_log`: touches arrive through the form, the API, bulk sync, CSV imports and
the admin, and the zone lookup belongs with the row on all of them. It fires on insert and whenever the time or
the person touched changes, not when the contact's zone is edited later: the call happened at that local time.
"""

from django.db import migrations, models

FUNCTION = """
CREATE OR REPLACE FUNCTION touches_touch_callee_time() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    local timestamp;
BEGIN
    local := NEW.occurred_at AT TIME ZONE COALESCE(
        (SELECT NULLIF(c.timezone, '') FROM crm_contact c WHERE c.id = NEW.contact_id),
        (SELECT p.timezone FROM crm_prospect p WHERE p.id = NEW.prospect_id),
        'UTC'
    );
    NEW.callee_weekday := extract(isodow FROM local);
    NEW.callee_hour := extract(hour FROM local);
    RETURN NEW;
END
$$;
CREATE TRIGGER touches_touch_callee_time
    BEFORE INSERT OR UPDATE OF occurred_at, contact_id, prospect_id ON touches_touch
    FOR EACH ROW EXECUTE FUNCTION touches_touch_callee_time();
"""
DROP_FUNCTION = """
DROP TRIGGER IF EXISTS touches_touch_callee_time ON touches_touch;
DROP FUNCTION IF EXISTS touches_touch_callee_time();
"""
BACKFILL = """
UPDATE touches_touch t
SET callee_weekday = extract(isodow FROM z.local), callee_hour = extract(hour FROM z.local)
FROM (
    SELECT t2.id, t2.occurred_at AT TIME ZONE COALESCE(NULLIF(c.timezone, ''), p.timezone, 'UTC') AS local
    FROM touches_touch t2
    JOIN crm_prospect p ON p.id = t2.prospect_id
    LEFT JOIN crm_contact c ON c.id = t2.contact_id
) z
WHERE z.id = t.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0002_user_calendar_token"),
        ("touches", "0002_touch_dashboard_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="touch",
            name="callee_hour",
            field=models.PositiveSmallIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="touch",
            name="callee_weekday",
            field=models.PositiveSmallIntegerField(editable=False, null=True),
        ),
        migrations.RunSQL(FUNCTION, DROP_FUNCTION),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
