"""Webhook deliveries are written by triggers, in the transaction of the change they announce: an outbox. A rolled-back
write leaves no delivery; a committed one always has its own, whatever wrote it (a page, the API, a bulk sync, the
email sensor, the sweep, a psql session).

Each trigger first asks whether any endpoint is active at all, so an install without webhooks pays one index probe
per statement. Deliveries about a lead are inserted while its row is locked (the touches' changes trigger, api 0004,
already locks it for every touch written; the others lock it here, or the statement holds it): their ids come from
one sequence, so a lead's deliveries are numbered in the order their transactions commit, and the sender sends
them in that order (webhooks.services).

The values compared are Python's enums as they were when this was written (tests/test_database.py holds them):
the prospect statuses `lost` and `do_not_contact`, the enrollment statuses `engaged`, `gave_up` and `stopped`,
the lead event kind `reassigned`, the touch outcome `meeting_booked`.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION webhooks_enqueue(event_type text, team bigint, prospect bigint, data jsonb) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO webhooks_delivery (endpoint_id, msg_id, event_type, prospect_id, payload, created_at, status,
                                   attempts, next_attempt_at, last_error)
    SELECT e.id, 'msg_' || replace(gen_random_uuid()::text, '-', ''), event_type, prospect,
           jsonb_build_object('type', event_type,
                              'timestamp', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                              'data', data),
           clock_timestamp(), 'pending', 0, clock_timestamp(), ''
    FROM webhooks_endpoint e
    WHERE e.is_active AND (e.team_id IS NULL OR e.team_id = team)
      AND (cardinality(e.events) = 0 OR event_type = ANY(e.events))
    ORDER BY e.id;
$$;

CREATE FUNCTION webhooks_touch_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhooks_endpoint WHERE is_active) THEN RETURN NULL; END IF;
    PERFORM 1 FROM crm_prospect WHERE id IN (SELECT prospect_id FROM new_rows) ORDER BY id FOR NO KEY UPDATE;
    PERFORM webhooks_enqueue(ev.event_type, ev.team_id, ev.prospect_id, ev.data)
    FROM (
        SELECT t.event_type, p.team_id, n.prospect_id, n.occurred_at, n.id AS touch_id,
               jsonb_build_object(
                   'touch', jsonb_build_object(
                       'id', n.id, 'prospect', n.prospect_id, 'contact', n.contact_id, 'rep', n.rep_id,
                       'channel', n.channel, 'kind', n.kind, 'outcome', n.outcome, 'theme', n.theme,
                       'note', n.note, 'duration_seconds', n.duration_seconds, 'occurred_at', n.occurred_at,
                       'source', n.source),
                   'prospect', jsonb_build_object('id', p.id, 'name', p.name, 'owner', p.owner_id, 'team', p.team_id)
               ) AS data
        FROM new_rows n
        JOIN crm_prospect p ON p.id = n.prospect_id
        CROSS JOIN LATERAL (
            SELECT 'touch.logged' AS event_type, 1 AS ord
            UNION ALL SELECT 'meeting.booked', 2 WHERE n.outcome = 'meeting_booked'
        ) t
        WHERE n.deleted_at IS NULL
        ORDER BY n.prospect_id, n.occurred_at, n.id, t.ord
    ) ev;
    RETURN NULL;
END
$$;

CREATE TRIGGER webhooks_touch_inserted AFTER INSERT ON touches_touch
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION webhooks_touch_inserted();

CREATE FUNCTION webhooks_prospect_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhooks_endpoint WHERE is_active) THEN RETURN NULL; END IF;
    PERFORM webhooks_enqueue('lead.created', n.team_id, n.id,
        jsonb_build_object('prospect', jsonb_build_object(
            'id', n.id, 'name', n.name, 'owner', n.owner_id, 'team', n.team_id, 'status', n.status,
            'source', n.source, 'country', n.country, 'estimated_value', n.estimated_value,
            'created_at', n.created_at)))
    FROM (SELECT * FROM new_rows ORDER BY id) n;
    RETURN NULL;
END
$$;

CREATE TRIGGER webhooks_prospect_inserted AFTER INSERT ON crm_prospect
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION webhooks_prospect_inserted();

CREATE FUNCTION webhooks_prospect_stopped() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhooks_endpoint WHERE is_active) THEN RETURN NULL; END IF;
    PERFORM webhooks_enqueue('lead.stopped', n.team_id, n.id,
        jsonb_build_object('prospect', jsonb_build_object(
            'id', n.id, 'name', n.name, 'owner', n.owner_id, 'team', n.team_id, 'status', n.status),
            'reason', CASE n.status WHEN 'do_not_contact' THEN 'do_not_contact' ELSE 'lost' END))
    FROM (
        SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.status IN ('lost', 'do_not_contact') AND o.status IS DISTINCT FROM n.status
        ORDER BY n.id
    ) n;
    RETURN NULL;
END
$$;

CREATE TRIGGER webhooks_prospect_stopped AFTER UPDATE ON crm_prospect
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION webhooks_prospect_stopped();

CREATE FUNCTION webhooks_enrollment_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhooks_endpoint WHERE is_active) THEN RETURN NULL; END IF;
    -- Most updates (every plan) change no status: leave before locking anything.
    IF NOT EXISTS (
        SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE o.status IS DISTINCT FROM n.status AND n.status IN ('engaged', 'gave_up', 'stopped')
    ) THEN RETURN NULL; END IF;
    PERFORM 1 FROM crm_prospect WHERE id IN (
        SELECT n.prospect_id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE o.status IS DISTINCT FROM n.status AND n.status IN ('engaged', 'gave_up', 'stopped')
    ) ORDER BY id FOR NO KEY UPDATE;
    PERFORM webhooks_enqueue(
        CASE WHEN n.status = 'engaged' THEN 'lead.engaged' ELSE 'enrollment.finished' END, p.team_id, n.prospect_id,
        jsonb_build_object(
            'enrollment', jsonb_build_object(
                'id', n.id, 'prospect', n.prospect_id, 'cadence', n.cadence_id, 'owner', n.owner_id,
                'status', n.status, 'ended_at', n.ended_at, 'end_reason', n.end_reason),
            'prospect', jsonb_build_object('id', p.id, 'name', p.name, 'owner', p.owner_id, 'team', p.team_id)))
    FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN crm_prospect p ON p.id = n.prospect_id
    WHERE o.status IS DISTINCT FROM n.status AND n.status IN ('engaged', 'gave_up', 'stopped')
    ORDER BY n.prospect_id, n.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER webhooks_enrollment_changed AFTER UPDATE ON cadence_enrollment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION webhooks_enrollment_changed();

CREATE FUNCTION webhooks_lead_handed_over() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhooks_endpoint WHERE is_active) THEN RETURN NULL; END IF;
    IF NOT EXISTS (SELECT 1 FROM new_rows WHERE kind = 'reassigned') THEN RETURN NULL; END IF;
    PERFORM 1 FROM crm_prospect WHERE id IN (SELECT prospect_id FROM new_rows WHERE kind = 'reassigned')
        ORDER BY id FOR NO KEY UPDATE;
    PERFORM webhooks_enqueue('lead.handed_over', p.team_id, p.id,
        jsonb_build_object(
            'prospect', jsonb_build_object('id', p.id, 'name', p.name, 'owner', p.owner_id, 'team', p.team_id),
            'by', n.actor_id, 'detail', n.detail, 'at', n.created_at))
    FROM new_rows n JOIN crm_prospect p ON p.id = n.prospect_id
    WHERE n.kind = 'reassigned'
    ORDER BY p.id, n.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER webhooks_lead_handed_over AFTER INSERT ON cadence_leadevent
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION webhooks_lead_handed_over();

CREATE FUNCTION webhooks_mailbox_needs_reconnect() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhooks_endpoint WHERE is_active) THEN RETURN NULL; END IF;
    PERFORM webhooks_enqueue('mailbox.needs_reconnect', u.team_id, NULL,
        jsonb_build_object('rep', u.id, 'email', n.from_address, 'since', n.reconnect_since))
    FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN crm_user u ON u.id = n.user_id
    WHERE n.reconnect_since IS NOT NULL AND o.reconnect_since IS NULL
    ORDER BY n.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER webhooks_mailbox_needs_reconnect AFTER UPDATE ON mailroom_mailbox
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION webhooks_mailbox_needs_reconnect();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS webhooks_mailbox_needs_reconnect ON mailroom_mailbox;
DROP TRIGGER IF EXISTS webhooks_lead_handed_over ON cadence_leadevent;
DROP TRIGGER IF EXISTS webhooks_enrollment_changed ON cadence_enrollment;
DROP TRIGGER IF EXISTS webhooks_prospect_stopped ON crm_prospect;
DROP TRIGGER IF EXISTS webhooks_prospect_inserted ON crm_prospect;
DROP TRIGGER IF EXISTS webhooks_touch_inserted ON touches_touch;
DROP FUNCTION IF EXISTS webhooks_mailbox_needs_reconnect();
DROP FUNCTION IF EXISTS webhooks_lead_handed_over();
DROP FUNCTION IF EXISTS webhooks_enrollment_changed();
DROP FUNCTION IF EXISTS webhooks_prospect_stopped();
DROP FUNCTION IF EXISTS webhooks_prospect_inserted();
DROP FUNCTION IF EXISTS webhooks_touch_inserted();
DROP FUNCTION IF EXISTS webhooks_enqueue(text, bigint, bigint, jsonb);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("touches", "0012_first_reach_plans_cached"),
        ("cadence", "0019_follow_up_inbound"),
        ("mailroom", "0007_oauth_mailboxes"),
        ("api", "0005_hand_over_tombstones_for_the_previous_owner"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
