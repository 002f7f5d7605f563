"""The undo offer after a log: which touch the rep may take back, kept in their session for the undo window.

With htmx the row's answer carries the toast itself; without JavaScript the redirected page shows it from here.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest
from django.utils import timezone

from cadence.services import UNDO_WINDOW

KEY = "undo"


def undo_offer_make(*, touch_id: uuid.UUID, text: str, row: str, now: dt.datetime, following: str = "") -> dict:
    """`row` is the element id of the answered row, `following` the one shown under it, if any: an undo puts the
    first back as it was and removes the second."""
    return {
        "touch": str(touch_id),
        "text": text,
        "row": row,
        "following": following,
        "until": (now + UNDO_WINDOW).isoformat(),
    }


def undo_offer_keep(request: HttpRequest, offer: dict) -> None:
    """For the page a redirect leads to (no JavaScript, focus mode): an htmx answer carries its toast itself, and
    leaves the session alone (writing it was a transaction of its own on every log)."""
    request.session[KEY] = offer


def undo_offer_pop(request: HttpRequest) -> dict | None:
    """The pending offer, shown once (a reload does not show it again) and only while it can still be taken."""
    offer = request.session.pop(KEY, None)
    if not offer or dt.datetime.fromisoformat(offer["until"]) <= timezone.now():
        return None
    return offer
