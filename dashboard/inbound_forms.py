"""The Inbound setup page's forms: how leads come in and what a rep has to try them by, a routing rule, and the
preview of where a lead would go."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pycountry
from django import forms
from django.core.exceptions import ValidationError

from crm.import_values import country_parse
from crm.models import Team, User
from crm.validators import validate_single_line, validate_timezone


class _Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.replace(";", ",").replace("\n", ",").split(",") if item.strip()]


def countries_clean(text: str) -> list[str]:
    codes = []
    for item in _items(text):
        code, why = country_parse(item)
        if why:
            raise ValidationError(why)
        codes.append(code)
    return codes


def languages_clean(text: str) -> list[str]:
    codes = []
    for item in _items(text):
        language = pycountry.languages.get(alpha_2=item.lower()) or pycountry.languages.get(name=item.title())
        if language is None or not getattr(language, "alpha_2", ""):
            raise ValidationError(f"“{item}” is not a language we know: use its two-letter code (de, fr, es).")
        codes.append(language.alpha_2)
    return codes


class InboundSettingsForm(_Form):
    origins = forms.CharField(
        label="Sites whose forms may post leads",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://www.example.com"}),
        help_text="One origin a line. A browser form or script from any other site is refused.",
    )
    sla_minutes = forms.IntegerField(
        label="Minutes a rep has to try a new inbound lead",
        min_value=1,
        max_value=480,
        help_text="Counted in working hours; then the lead goes to the next rep and you are told.",
    )
    workday_start = forms.TimeField(label="Working hours from", help_text="On each rep's own clock.")
    workday_end = forms.TimeField(label="to")
    route_to_account_owner = forms.BooleanField(label="A company a rep already works goes to that rep", required=False)
    rep_capacity = forms.IntegerField(
        label="Open leads a rep holds at most",
        required=False,
        min_value=1,
        max_value=100_000,
        help_text="Round robin passes over a rep at this many. Empty: no limit.",
    )

    @classmethod
    def for_team(cls, team: Team) -> InboundSettingsForm:
        return cls(
            initial={
                "origins": "\n".join(team.inbound_origins or []),
                "sla_minutes": team.inbound_sla_minutes,
                "workday_start": team.workday_start.strftime("%H:%M"),
                "workday_end": team.workday_end.strftime("%H:%M"),
                "route_to_account_owner": team.route_to_account_owner,
                "rep_capacity": team.rep_capacity,
            },
            auto_id="inbound-%s",
        )

    def clean_origins(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["origins"].splitlines() if line.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("workday_start"), data.get("workday_end")
        if isinstance(start, dt.time) and isinstance(end, dt.time) and start >= end:
            self.add_error("workday_end", "The working day must end after it starts.")
        return data


class RuleForm(_Form):
    name = forms.CharField(label="Name", max_length=100, validators=[validate_single_line])
    countries = forms.CharField(
        label="Countries", required=False, max_length=500, help_text="Codes or names, comma-separated: DE, Austria."
    )
    regions = forms.CharField(
        label="States or regions", required=False, max_length=1000, help_text="As leads write them: BY, Bavaria."
    )
    timezones = forms.CharField(
        label="Time zones", required=False, max_length=1000, help_text="IANA names: Europe/Berlin."
    )
    min_value = forms.DecimalField(label="Worth at least", required=False, min_value=0, max_digits=12, decimal_places=2)
    max_value = forms.DecimalField(label="Worth at most", required=False, min_value=0, max_digits=12, decimal_places=2)
    languages = forms.CharField(
        label="Languages", required=False, max_length=200, help_text="Two-letter codes: de, fr."
    )
    reps = forms.ModelMultipleChoiceField(
        label="Reps who take them",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Several: round robin among them. None with a language: the reps who speak it.",
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "rule-%s")
        super().__init__(*args, **kwargs)
        reps = User.objects.filter(team=team, role=User.Role.REP, is_active=True).order_by("first_name", "username")
        self.fields["reps"].queryset = reps  # type: ignore[attr-defined]

    def clean_countries(self) -> list[str]:
        return countries_clean(self.cleaned_data["countries"])

    def clean_regions(self) -> list[str]:
        return _items(self.cleaned_data["regions"])

    def clean_timezones(self) -> list[str]:
        zones = _items(self.cleaned_data["timezones"])
        for name in zones:
            validate_timezone(name)
        return zones

    def clean_languages(self) -> list[str]:
        return languages_clean(self.cleaned_data["languages"])


class PreviewForm(_Form):
    company = forms.CharField(label="Company", required=False, max_length=200, validators=[validate_single_line])
    email = forms.EmailField(label="Their email", required=False)
    country = forms.CharField(label="Country", required=False, max_length=60)
    region = forms.CharField(label="State or region", required=False, max_length=100)
    value = forms.DecimalField(label="Worth", required=False, min_value=0, max_digits=12, decimal_places=2)
    language = forms.CharField(label="Language", required=False, max_length=40)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "preview-%s")
        super().__init__(*args, **kwargs)

    def clean_country(self) -> str:
        codes = countries_clean(self.cleaned_data["country"])
        return codes[0] if codes else ""

    def clean_language(self) -> str:
        codes = languages_clean(self.cleaned_data["language"])
        return codes[0] if codes else ""

    def clean_value(self) -> Decimal:
        return self.cleaned_data["value"] or Decimal("0")
