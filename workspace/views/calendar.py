"""The rep's private calendar feed: its settings page and the feed itself."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from crm.calendar_tokens import calendar_token_revoke, calendar_token_rotate, user_get_by_calendar_token
from web.http import HtmxHttpRequest
from workspace.calendar_feed import calendar_build


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def calendar_settings(request: HtmxHttpRequest) -> HttpResponse:
    """The rep's private calendar URL: create it, replace it (the old one stops working) or turn it off.

    Only the token's hash is stored, so the URL is shown once, in the answer to the POST that creates it (never
    cached, never in a redirect or the session); afterwards the page only says that a feed exists.
    """
    if request.method == "GET":
        return render(request, "workspace/calendar.html", {"has_feed": request.user.calendar_token_hash is not None})
    action = request.POST.get("action")
    if action == "revoke":
        calendar_token_revoke(user=request.user)
        messages.success(request, "Calendar feed turned off. The old address no longer works.")
        return redirect("calendar_settings")
    if action != "rotate":
        return HttpResponseBadRequest("Unknown action.")
    token = calendar_token_rotate(user=request.user)
    feed_url = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
    return render(request, "workspace/calendar.html", {"has_feed": True, "feed_url": feed_url})


@require_GET
def calendar_feed_view(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed. No login: calendar apps cannot log in, so the secret in the URL is the key."""
    user = user_get_by_calendar_token(token=token)
    if user is None:
        raise Http404("No such calendar.")
    body = calendar_build(user=user, now=timezone.now(), base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
