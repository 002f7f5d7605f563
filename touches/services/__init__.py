"""Writes of the touches app: the team's ready messages (messages) and the dashboard's rollups (rollup).

Touches themselves are written only through the cadence's one write path, `cadence.services.touches`, which uses
the store here (`touches.services.store`, private to it).
"""

from touches.services.messages import (
    NearlyTheSame,
    message_library_seed,
    message_template_retire,
    message_template_save,
)
from touches.services.rollup import touch_first_reaches_rebuild, touch_hours_fold, touch_hours_rebuild

__all__ = [
    "touch_hours_fold",
    "touch_hours_rebuild",
    "touch_first_reaches_rebuild",
    "NearlyTheSame",
    "message_library_seed",
    "message_template_retire",
    "message_template_save",
]
