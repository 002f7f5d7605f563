from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils.dateparse import parse_datetime
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from cadence.models import Enrollment, FollowUp
from crm.models import Contact, Prospect
from touches.models import Channel, Outcome, Touch

# A "+01:00" offset arrives as " 01:00" when the client forgot to URL-encode it; take it as meant.
_UNENCODED_OFFSET = re.compile(r" (\d{2}:?\d{2})$")


class AwareDateTimeFormField(forms.Field):
    default_error_messages = {
        "invalid": "Enter an ISO 8601 date and time, e.g. 2025-03-01T09:30:00Z.",
        "naive": "Give the time with its time zone, e.g. 2025-03-01T09:30:00+01:00 (URL-encode the +).",
    }

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            parsed: dt.datetime | None = value
        else:
            text = _UNENCODED_OFFSET.sub(r"+\1", str(value).strip())
            try:
                parsed = parse_datetime(text)
            except ValueError:
                parsed = None
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if parsed.tzinfo is None:
            raise forms.ValidationError(self.error_messages["naive"], code="naive")
        try:
            # In UTC: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 and Python allow.
            return parsed.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


@extend_schema_field(OpenApiTypes.DATETIME)
class AwareDateTimeFilter(filters.Filter):
    field_class = AwareDateTimeFormField


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class StrictFilterSet(filters.FilterSet):
    """A parameter given empty (`?status=`) is an error, not a silently ignored filter; so is one given twice
    (`?rep=1&rep=2`): every filter takes one value, and a form would silently keep only the last."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in self.filters:
            if name in self.data and self.data.get(name) == "":
                self.form.add_error(name, "Give a value, or leave the parameter out.")
                valid = False
            elif hasattr(self.data, "getlist") and len(self.data.getlist(name)) > 1:
                self.form.add_error(name, "Give this parameter once.")
                valid = False
        return valid


class ProspectFilter(StrictFilterSet):
    status = filters.ChoiceFilter(choices=Prospect.Status.choices)
    owner = IdFilter(field_name="owner_id")
    team = IdFilter(field_name="team_id")
    updated_after = AwareDateTimeFilter(field_name="updated_at", lookup_expr="gt")
    updated_before = AwareDateTimeFilter(field_name="updated_at", lookup_expr="lt")

    class Meta:
        model = Prospect
        fields: list[str] = []


class ContactFilter(StrictFilterSet):
    prospect = IdFilter(field_name="prospect_id")
    updated_after = AwareDateTimeFilter(field_name="updated_at", lookup_expr="gt")

    class Meta:
        model = Contact
        fields: list[str] = []


class TouchFilter(StrictFilterSet):
    prospect = IdFilter(field_name="prospect_id")
    rep = IdFilter(field_name="rep_id")
    channel = filters.ChoiceFilter(choices=Channel.choices)
    outcome = filters.ChoiceFilter(choices=Outcome.choices)
    occurred_after = AwareDateTimeFilter(field_name="occurred_at", lookup_expr="gt")
    occurred_before = AwareDateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    updated_after = AwareDateTimeFilter(field_name="updated_at", lookup_expr="gt")

    class Meta:
        model = Touch
        fields: list[str] = []


class EnrollmentFilter(StrictFilterSet):
    status = filters.ChoiceFilter(choices=Enrollment.Status.choices)
    prospect = IdFilter(field_name="prospect_id")
    owner = IdFilter(field_name="owner_id")
    updated_after = AwareDateTimeFilter(field_name="updated_at", lookup_expr="gt")

    class Meta:
        model = Enrollment
        fields: list[str] = []


class FollowUpFilter(StrictFilterSet):
    due_before = AwareDateTimeFilter(field_name="due_start", lookup_expr="lt")
    due_after = AwareDateTimeFilter(field_name="due_start", lookup_expr="gte")
    prospect = IdFilter(field_name="prospect_id")
    rep = IdFilter(field_name="rep_id")
    channel = filters.ChoiceFilter(choices=Channel.choices)

    class Meta:
        model = FollowUp
        fields: list[str] = []
