"""Writes for the cadence engine, one module per concern; everything callers use is importable from here.

- enrolling: enroll a prospect, ask for a re-plan.
- planning: plan locked enrollments (the on-commit task and the sweep), one bad lead set aside.
- leads: give up, hand over, pause, snooze, next step, extend, reopen, lift a do-not-contact.
- touches: the one write path for touches (log, sync a batch, delete, undo; stored, then answered and re-planned).
- intake: how new leads arrive (one by one, from the API, from a CSV) and other writes that re-plan.
"""

from cadence.services.enrolling import enrollment_create, enrollment_request_plan, enrollments_request_plan
from cadence.services.events import lead_event_add
from cadence.services.imports import leads_import_confirm
from cadence.services.intake import (
    lead_close,
    lead_contact_add,
    lead_contact_update,
    lead_create,
    lead_place_set,
    lead_update,
    leads_enroll_new,
)
from cadence.services.leads import (
    HANDOVER_RETRY_AFTER,
    MAX_EXTENSION,
    GiveUpTooEarly,
    enrollment_extend,
    enrollment_give_up,
    enrollment_pause,
    enrollment_resume,
    enrollment_set_next_step,
    follow_up_snooze,
    prospect_do_not_contact_lift,
    prospect_reassign,
    prospect_reopen,
    prospects_reassign,
)
from cadence.services.planning import (
    PLAN_RETRY_FIRST,
    PLAN_RETRY_MAX,
    STALE_PLAN_AFTER,
    PlanReport,
    enrollments_plan,
    enrollments_plan_due,
    enrollments_plan_now,
    prospect_plan_now,
)
from cadence.services.touches import (
    UNDO_WINDOW,
    Logged,
    NextStep,
    NotEnrolled,
    Replay,
    follow_ups_answer,
    log_undo_keep,
    log_undos_prune,
    prospect_replan,
    touch_delete,
    touch_delivery_correct,
    touch_log,
    touches_bulk_sync,
    touches_undo,
    voicemail_touch_id,
)

__all__ = [
    "HANDOVER_RETRY_AFTER",
    "MAX_EXTENSION",
    "PLAN_RETRY_FIRST",
    "PLAN_RETRY_MAX",
    "STALE_PLAN_AFTER",
    "GiveUpTooEarly",
    "Logged",
    "NextStep",
    "NotEnrolled",
    "Replay",
    "PlanReport",
    "enrollment_create",
    "enrollment_extend",
    "enrollment_give_up",
    "enrollment_pause",
    "enrollment_request_plan",
    "enrollment_resume",
    "enrollment_set_next_step",
    "enrollments_plan",
    "enrollments_plan_due",
    "enrollments_request_plan",
    "follow_up_snooze",
    "follow_ups_answer",
    "lead_close",
    "lead_contact_add",
    "lead_contact_update",
    "lead_create",
    "lead_place_set",
    "lead_update",
    "lead_event_add",
    "leads_enroll_new",
    "enrollments_plan_now",
    "prospect_plan_now",
    "touches_undo",
    "log_undo_keep",
    "log_undos_prune",
    "voicemail_touch_id",
    "UNDO_WINDOW",
    "leads_import_confirm",
    "prospect_do_not_contact_lift",
    "prospect_reassign",
    "prospect_reopen",
    "prospects_reassign",
    "touch_delete",
    "prospect_replan",
    "touch_delivery_correct",
    "touch_log",
    "touches_bulk_sync",
]
