from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.selectors import prospect_list_visible


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    prospects = prospect_list_visible(user=request.user).select_related("owner").order_by("-updated_at")[:50]
    return render(request, "crm/home.html", {"prospects": prospects})
