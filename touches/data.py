"""What a touch is, as the write path carries it: the one carrier of a touch's fields (TouchData), and what a write
says back. Pages, the API, the email sensor and imports build these; cadence.services.touches writes them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from crm.models import Contact, Prospect
from touches.models import Kind, Theme, Touch

# Clocks on phones drift, but a touch from next week is a typo or a broken client.
FUTURE_TOLERANCE = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class TouchData:
    """What a client says about one touch; `prospect` and `contact` are already resolved and visible."""

    id: uuid.UUID
    prospect: Prospect
    channel: str
    outcome: str
    occurred_at: dt.datetime
    contact: Contact | None = None
    kind: str = Kind.REGULAR
    theme: str = Theme.NONE
    note: str = ""
    duration_seconds: int | None = None
    message_id: str = ""  # the email a touch stands for (sent or read), never compared: clients do not send it

    def differences(self, touch: Touch) -> list[str]:
        """The fields whose stored value differs from this one (times compared as instants)."""
        stored = {
            "prospect": touch.prospect_id,
            "contact": touch.contact_id,
            "channel": touch.channel,
            "kind": touch.kind,
            "outcome": touch.outcome,
            "theme": touch.theme,
            "note": touch.note,
            "duration_seconds": touch.duration_seconds,
            "occurred_at": touch.occurred_at,
        }
        given = {
            "prospect": self.prospect.pk,
            "contact": self.contact.pk if self.contact is not None else None,
            "channel": self.channel,
            "kind": self.kind,
            "outcome": self.outcome,
            "theme": self.theme,
            "note": self.note,
            "duration_seconds": self.duration_seconds,
            "occurred_at": self.occurred_at,
        }
        return [name for name, value in given.items() if stored[name] != value]


class TouchConflict(Exception):
    """The id is taken by a touch with other content (or by a deleted touch): nothing was written."""

    def __init__(self, message: str, *, code: str = "conflict", fields: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = list(fields)


class TouchWrite(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class TouchItemError:
    """An item of a bulk request that was invalid before it reached the service."""

    id: uuid.UUID | None
    errors: dict[str, list[str]]
    code: str = "invalid"


@dataclass
class BulkItemResult:
    id: uuid.UUID | None
    status: str  # created, unchanged or error
    code: str = ""
    message: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class BulkSyncReport:
    results: list[BulkItemResult]
    committed: bool

    @property
    def failed(self) -> bool:
        return any(result.status == "error" for result in self.results)


BULK_MAX_ITEMS = 500
