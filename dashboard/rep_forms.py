"""The reps page's forms: inviting a rep, a rep's details, an absence, and how the team covers absences."""

from __future__ import annotations

from typing import Any

from django import forms

from crm.models import Team
from crm.validators import validate_single_line, validate_timezone


class _Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class InviteForm(_Form):
    first_name = forms.CharField(label="First name", max_length=150, validators=[validate_single_line])
    last_name = forms.CharField(label="Last name", max_length=150, required=False, validators=[validate_single_line])
    email = forms.EmailField(label="Email", help_text="They get a link to choose their password.")
    timezone = forms.CharField(
        label="Time zone", max_length=64, initial="America/New_York", validators=[validate_timezone]
    )


class RepForm(_Form):
    first_name = forms.CharField(label="First name", max_length=150, validators=[validate_single_line])
    last_name = forms.CharField(label="Last name", max_length=150, required=False, validators=[validate_single_line])
    timezone = forms.CharField(label="Time zone", max_length=64, validators=[validate_timezone])
    is_available = forms.BooleanField(
        label="Takes new leads and hand-overs", required=False, help_text="Untick for a full pipeline."
    )


class CoverageForm(_Form):
    absence_coverage = forms.ChoiceField(
        label="While a rep is away", choices=Team.Coverage.choices, widget=forms.RadioSelect
    )
