"""The reps page's forms: inviting a rep, a rep's details, an absence, and how the team covers absences."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from crm.models import Team
from crm.validators import validate_currency, validate_single_line, validate_timezone

MAX_RATES = 60


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
    routing_weight = forms.IntegerField(
        label="Share of inbound leads",
        min_value=0,
        max_value=10,
        initial=1,
        help_text="Round robin gives a rep of 2 twice the inbound leads of a rep of 1; 0 gives them none.",
    )
    languages = forms.CharField(
        label="Languages they sell in",
        required=False,
        max_length=200,
        help_text="Two-letter codes, comma-separated (en, de): routing rules by language use them.",
    )

    def clean_languages(self) -> list[str]:
        from dashboard.inbound_forms import languages_clean

        return languages_clean(self.cleaned_data["languages"])


class CoverageForm(_Form):
    absence_coverage = forms.ChoiceField(
        label="While a rep is away", choices=Team.Coverage.choices, widget=forms.RadioSelect
    )


class CurrencyForm(_Form):
    """The team's currency and the manager's rates to it: values written in other currencies (an import's "¥1,275,000")
    are compared in the team's. One rate a line: "JPY 0.0067" is 0.0067 of the team's currency for one yen."""

    currency = forms.CharField(
        label="The team's currency",
        max_length=3,
        validators=[validate_currency],
        help_text="An ISO code: USD, EUR, GBP…",
    )
    rates = forms.CharField(
        label="Rates to it",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "EUR 1.08\nJPY 0.0067"}),
        help_text="One currency a line, with what one unit of it is worth in the team's currency. Values already "
        "stored are not converted again.",
    )

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()

    def clean_rates(self) -> dict[str, str]:
        rates: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["rates"].splitlines(), start=1):
            parts = line.replace("=", " ").replace(":", " ").split()
            if not parts:
                continue
            if len(parts) != 2:
                raise forms.ValidationError(f"Line {number}: write a code and a rate, e.g. JPY 0.0067.")
            code, written = parts[0].upper(), parts[1].replace(",", ".")
            try:
                validate_currency(code)
                rate = Decimal(written)
            except (forms.ValidationError, InvalidOperation) as exc:
                raise forms.ValidationError(
                    f"Line {number}: “{line.strip()}” is not a currency code and a rate."
                ) from exc
            if not (rate.is_finite() and Decimal("0.000001") <= rate <= Decimal("1000000")):
                raise forms.ValidationError(f"Line {number}: a rate is between 0.000001 and 1,000,000.")
            rates[code] = str(rate)
        if len(rates) > MAX_RATES:
            raise forms.ValidationError(f"At most {MAX_RATES} currencies.")
        return rates
