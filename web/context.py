"""What every page's template reads besides the request and the user."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def pursuit(request: HttpRequest) -> dict[str, Any]:
    # How often a rep's pages ask for new inbound leads (static/js/inbound_alerts.js).
    return {"inbound_poll_seconds": settings.INBOUND_POLL_SECONDS}
