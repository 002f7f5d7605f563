from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from webhooks import transport
from webhooks.models import Delivery, Endpoint
from webhooks.signing import endpoint_secret


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")

    class Meta:
        model = Endpoint
        fields = ["team", "url", "description", "events", "is_active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            transport.url_check(url)
        except transport.AddressNotAllowed as exc:
            raise ValidationError(str(exc)) from exc
        return url


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    """The operator's endpoints (no team: every team's events) and the teams'. The secret is derived, never stored:
    it is shown read-only once the endpoint exists."""

    list_display = ["url", "team", "is_active", "failing_since", "created_at"]
    list_filter = ["is_active"]
    form = EndpointForm
    readonly_fields = ["secret", "failing_since"]
    raw_id_fields = ["team"]

    @admin.display(description="Signing secret")
    def secret(self, obj: Endpoint) -> str:
        return endpoint_secret(obj) if obj.pk else "(shown once saved)"

    def save_model(self, request: HttpRequest, obj: Endpoint, form: Any, change: bool) -> None:
        if not obj.secret_salt:
            obj.secret_salt = secrets.token_hex(16)
        super().save_model(request, obj, form, change)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["msg_id", "event_type", "endpoint", "status", "attempts", "created_at", "last_status_code"]
    list_filter = ["status", "event_type"]
    raw_id_fields = ["endpoint"]
