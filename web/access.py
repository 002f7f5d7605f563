"""One scoped lookup per model, for every page: another user's or team's id is a 404, a rep on a manager's page
a 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse

from cadence.models import Enrollment, FollowUp
from crm.models import Prospect
from crm.selectors import prospect_list_visible, prospect_visible_q
from web.http import HtmxHttpRequest


def prospect_get_for_user(request: HtmxHttpRequest, pk: int) -> Prospect:
    prospect = prospect_list_visible(user=request.user).select_related("owner", "team").filter(pk=pk).first()
    if prospect is None:
        raise Http404("No such prospect.")
    return prospect


def enrollment_get_for_user(request: HtmxHttpRequest, pk: int) -> Enrollment:
    visible = prospect_visible_q(user=request.user, via="prospect__")
    enrollment = Enrollment.objects.filter(visible, pk=pk).select_related("prospect").first()
    if enrollment is None:
        raise Http404("No such enrollment.")
    return enrollment


def follow_up_get_for_user(request: HtmxHttpRequest, pk: int) -> FollowUp:
    """A follow-up the user may act on, planned or not (a row answered a moment ago still shows its result)."""
    # The rule checked on the joined prospect, and not joined to its rep, who is nearly always the user asking:
    # PostgreSQL took longer to plan each extra relation (and its indexes) than to run the whole query.
    # The enrollment is not joined: every page reads it by id, and an answered row reads it fresh when it shows
    # that the cadence ended (a join built a model of 27 columns on every one-click log for nothing).
    visible = prospect_visible_q(user=request.user, via="prospect__")
    follow_up = FollowUp.objects.filter(visible, pk=pk).select_related("prospect", "contact")
    follow_up = follow_up.order_by().first()
    if follow_up is None:
        raise Http404("No such follow-up.")
    if follow_up.rep_id == request.user.pk:
        follow_up.rep = request.user
    return follow_up


def manager_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Managers (and superusers) only: a rep gets the styled 403 page."""

    @wraps(view)
    @login_required
    def wrapped(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (request.user.is_manager or request.user.is_superuser):
            raise PermissionDenied("This page is for managers.")
        return view(request, *args, **kwargs)

    return wrapped
