"""The request the pages get, and small answers every page gives."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

from crm.models import User

ALREADY_SAVED = "Already saved: that form was sent twice, and written once."


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
    user: User


def errors_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def safe_next(request: HttpRequest, *, default: str) -> str:
    """The `next` the request names if it stays on this site (no other host, no `javascript:`), else `default`.
    Used for the redirect and for every link back, so a crafted URL cannot turn Cancel into a script."""
    target = request.POST.get("next") or request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and safe else default
