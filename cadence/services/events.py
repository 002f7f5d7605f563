"""The lead's history: what happened to it besides its touches, and who did it."""

from __future__ import annotations

import datetime as dt

from cadence.models import LeadEvent
from crm.models import User


def lead_event_add(
    *,
    prospect_id: int,
    kind: str,
    now: dt.datetime,
    detail: str = "",
    enrollment_id: int | None = None,
    actor: User | None = None,
) -> LeadEvent:
    return LeadEvent.objects.create(
        prospect_id=prospect_id,
        enrollment_id=enrollment_id,
        actor=actor,
        kind=kind,
        detail=detail[:300],
        created_at=now,
    )
