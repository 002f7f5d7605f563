"""The Webhooks setup page's form: a URL to subscribe, and which events it hears."""

from __future__ import annotations

from typing import Any

from django import forms

from crm.validators import validate_single_line
from webhooks.models import EVENT_TYPES


class EndpointForm(forms.Form):
    url = forms.URLField(
        label="URL", max_length=500, assume_scheme="https", help_text="Where Pursuit posts each event, signed."
    )
    description = forms.CharField(label="What it is", required=False, max_length=200, validators=[validate_single_line])
    events = forms.MultipleChoiceField(
        label="Events",
        choices=EVENT_TYPES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "endpoint-%s")
        super().__init__(*args, **kwargs)
