"""Each enrollment knows its prospect's newest touch, and the stalled-lead reasons each get an index.

`last_touch_at` is kept by triggers, like the changes log, so no way of writing a touch (the form, the API, bulk
sync, imports, the admin, a psql session) can leave it stale:
- after any statement that inserts, updates or deletes touches, the enrollments of the prospects it touched
  take the newest touch that is not deleted (one index-only probe of touch_history_idx each);
- a new enrollment starts with its prospect's newest touch.
"""

from django.conf import settings
from django.db import migrations, models

TRIGGERS = """
CREATE FUNCTION cadence_enrollment_last_touch_refresh(prospect_ids bigint[]) RETURNS void LANGUAGE sql AS $$
    UPDATE cadence_enrollment e SET last_touch_at = (
        SELECT max(t.occurred_at) FROM touches_touch t
        WHERE t.prospect_id = e.prospect_id AND t.deleted_at IS NULL)
    WHERE e.prospect_id = ANY(prospect_ids);
$$;

-- A trigger can only name the transition tables its event has, hence one branch per event.
CREATE FUNCTION cadence_enrollment_last_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM cadence_enrollment_last_touch_refresh(ARRAY(SELECT DISTINCT prospect_id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM cadence_enrollment_last_touch_refresh(
            ARRAY(SELECT prospect_id FROM new_rows UNION SELECT prospect_id FROM old_rows));
    ELSE
        PERFORM cadence_enrollment_last_touch_refresh(ARRAY(SELECT DISTINCT prospect_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER cadence_last_touch_insert AFTER INSERT ON touches_touch
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cadence_enrollment_last_touch();
CREATE TRIGGER cadence_last_touch_update AFTER UPDATE ON touches_touch
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cadence_enrollment_last_touch();
CREATE TRIGGER cadence_last_touch_delete AFTER DELETE ON touches_touch
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cadence_enrollment_last_touch();

CREATE FUNCTION cadence_enrollment_first_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.last_touch_at := (
        SELECT max(t.occurred_at) FROM touches_touch t
        WHERE t.prospect_id = NEW.prospect_id AND t.deleted_at IS NULL);
    RETURN NEW;
END
$$;

CREATE TRIGGER cadence_enrollment_first_touch BEFORE INSERT ON cadence_enrollment
    FOR EACH ROW EXECUTE FUNCTION cadence_enrollment_first_touch();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS cadence_last_touch_insert ON touches_touch;
DROP TRIGGER IF EXISTS cadence_last_touch_update ON touches_touch;
DROP TRIGGER IF EXISTS cadence_last_touch_delete ON touches_touch;
DROP FUNCTION IF EXISTS cadence_enrollment_last_touch();
DROP FUNCTION IF EXISTS cadence_enrollment_last_touch_refresh(bigint[]);
DROP TRIGGER IF EXISTS cadence_enrollment_first_touch ON cadence_enrollment;
DROP FUNCTION IF EXISTS cadence_enrollment_first_touch();
"""

BACKFILL = """
UPDATE cadence_enrollment e SET last_touch_at = last.at
FROM (SELECT prospect_id, max(occurred_at) AS at FROM touches_touch WHERE deleted_at IS NULL GROUP BY prospect_id) last
WHERE last.prospect_id = e.prospect_id
"""


class Migration(migrations.Migration):

    dependencies = [
        ('cadence', '0004_lead_follows_its_owner'),
        ('crm', '0004_user_calendar_token_hash'),
        ('touches', '0004_touch_rep_stats_callee_time'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='enrollment',
            name='last_touch_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name='enrollment',
            index=models.Index(condition=models.Q(('status__in', ['active', 'engaged'])), fields=['owner', 'last_touch_at'], name='enrollment_idle_idx'),
        ),
        migrations.AddIndex(
            model_name='enrollment',
            index=models.Index(condition=models.Q(('status__in', ['active', 'engaged', 'paused']), models.Q(('status', 'engaged'), ('last_action__in', ['wait', 'reassign_blocked']), ('snooze_count__gte', 3), ('next_step_due_at__isnull', False), _connector='OR')), fields=['owner'], name='enrollment_attention_idx'),
        ),
        migrations.AddIndex(
            model_name='enrollment',
            index=models.Index(condition=models.Q(('gave_up_early', True), ('status', 'gave_up')), fields=['owner', 'ended_at'], name='enrollment_gave_up_early_idx'),
        ),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
