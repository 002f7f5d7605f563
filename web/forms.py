"""Forms more than one page app shows."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import TemplatesSetting

from crm.validators import validate_single_line


class FormRenderer(TemplatesSetting):
    field_template_name = "forms/field.html"


class AbsenceForm(forms.Form):
    """Away from .. to .. (both days included): on the rep's own page and on their manager's."""

    starts_on = forms.DateField(label="Away from", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label="Back after", widget=forms.DateInput(attrs={"type": "date"}), help_text="Both days included."
    )
    note = forms.CharField(label="Note", max_length=200, required=False, validators=[validate_single_line])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
