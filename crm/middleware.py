"""Every page speaks the signed-in user's time zone."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from crm.zones import zone


class UserTimezoneMiddleware:
    """Activate the user's zone for the request, so `|date` and form fields show and read their wall clock.

    Pages that speak of the prospect's clock ("9:30 their time") convert explicitly and are not affected."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.timezone:
            timezone.activate(zone(user.timezone, fallback="UTC"))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
