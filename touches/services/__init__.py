"""Writes of the touches app: storing touches exactly once (store) and the team's ready messages (messages).

Touches are written through the cadence's services (cadence.services.touch_log and siblings), which call these.
"""

from touches.services.messages import (
    NearlyTheSame,
    message_library_seed,
    message_template_retire,
    message_template_save,
)
from touches.services.rollup import touch_first_reaches_rebuild, touch_hours_fold, touch_hours_rebuild
from touches.services.store import (
    BULK_MAX_ITEMS,
    FUTURE_TOLERANCE,
    BulkItemResult,
    BulkSyncReport,
    TouchConflict,
    TouchData,
    TouchItemError,
    TouchWrite,
    touch_replace,
    touch_soft_delete,
    touch_store,
    touch_store_exactly_once,
    touch_store_once,
    touches_store_bulk,
    touches_store_once,
)

__all__ = [
    "touch_hours_fold",
    "touch_hours_rebuild",
    "touch_first_reaches_rebuild",
    "BULK_MAX_ITEMS",
    "FUTURE_TOLERANCE",
    "BulkItemResult",
    "BulkSyncReport",
    "NearlyTheSame",
    "TouchConflict",
    "TouchData",
    "TouchItemError",
    "TouchWrite",
    "message_library_seed",
    "message_template_retire",
    "message_template_save",
    "touch_replace",
    "touch_soft_delete",
    "touch_store",
    "touch_store_exactly_once",
    "touch_store_once",
    "touches_store_bulk",
    "touches_store_once",
]
