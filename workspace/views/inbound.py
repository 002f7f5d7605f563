"""A rep's inbound alerts: the leads that asked for them and that nobody tried yet, read by a small script on every
page (static/js/inbound_alerts.js) that shows them at the top and, where the rep allowed it, as a browser
notification."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from cadence.selectors import inbound_waiting_for
from crm.zones import zone
from web.http import HtmxHttpRequest


@require_GET
@login_required
def inbound_waiting(request: HtmxHttpRequest) -> JsonResponse:
    tz = zone(request.user.timezone, fallback="UTC")
    leads = [
        {
            "id": lead.pk,
            "name": lead.prospect.name,
            "url": reverse("prospect_detail", args=[lead.prospect_id]),
            "arrived": f"{lead.arrived_at.astimezone(tz):%H:%M}",
            "call_by": f"{lead.sla_due_at.astimezone(tz):%H:%M}" if lead.sla_due_at else "",
        }
        for lead in inbound_waiting_for(user=request.user)
    ]
    response = JsonResponse({"leads": leads})
    response["Cache-Control"] = "no-store"
    return response
