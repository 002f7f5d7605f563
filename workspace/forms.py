"""Forms for the prospect page, the prospects list and the import. They validate input; services write."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms

from cadence.models import Enrollment
from crm.import_values import country_parse
from crm.models import Contact, Marker, Prospect, User
from crm.validators import validate_phone, validate_single_line, validate_timezone
from workspace.selectors import SORTS, ProspectFilters
from workspace.touch_forms import LocalDateTimeInput, NextStepFields, wall_clock_in


class MarkersForm(forms.Form):
    is_right_buyer = forms.ChoiceField(label="Right buyer?", choices=Marker.choices, widget=forms.RadioSelect)
    buys_what_we_sell = forms.ChoiceField(label="Buys what we sell?", choices=Marker.choices, widget=forms.RadioSelect)
    still_there = forms.ChoiceField(label="Still there?", choices=Marker.choices, widget=forms.RadioSelect)


class ContactForm(forms.Form):
    # The model's own validators, so the form, the API and the import refuse the same names and phones.
    name = forms.CharField(max_length=200, validators=[validate_single_line])
    role = forms.ChoiceField(choices=Contact.Role.choices, initial=Contact.Role.DECISION_MAKER)
    title = forms.CharField(max_length=200, required=False, validators=[validate_single_line])
    phone = forms.CharField(
        max_length=40, required=False, validators=[validate_phone], widget=forms.TextInput(attrs={"type": "tel"})
    )
    email = forms.EmailField(required=False)
    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        required=False,
        validators=[validate_timezone],
        help_text="Leave blank if they sit in the account's time zone.",
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if not (cleaned.get("phone") or cleaned.get("email")) and not self.errors:
            raise forms.ValidationError("Give a phone number or an email address, or there is no way to reach them.")
        return cleaned


def _country_code(text: str) -> str:
    code, problem = country_parse(text)
    if problem:
        raise forms.ValidationError(problem)
    return code


class PlaceForm(forms.Form):
    """Where a prospect is, and the clock it is called on: a zone chosen is kept; none works it out again."""

    country = forms.CharField(label="Country", max_length=60, required=False, help_text="Name or code: Germany, DE.")
    region = forms.CharField(label="State or region", max_length=100, required=False, validators=[validate_single_line])
    city = forms.CharField(label="City", max_length=100, required=False, validators=[validate_single_line])
    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        required=False,
        validators=[validate_timezone],
        help_text="Blank: worked out from the contacts' phone numbers, the state or city, then the country.",
    )

    def clean_country(self) -> str:
        return _country_code(self.cleaned_data["country"])


class ContactClockForm(forms.Form):
    """A contact's own country and clock; blank puts them on their phone number's, else on the prospect's."""

    country = forms.CharField(label="Country", max_length=60, required=False)
    timezone = forms.CharField(
        label="Time zone", max_length=64, required=False, validators=[validate_timezone], help_text="Blank: worked out."
    )

    def clean_country(self) -> str:
        return _country_code(self.cleaned_data["country"])


class WhenForm(forms.Form):
    """A moment in the rep's own time zone, from a datetime-local input."""

    until = forms.DateTimeField(
        label="Until (your time)", widget=LocalDateTimeInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )

    def __init__(self, *args: object, tz: ZoneInfo, now: dt.datetime, **kwargs: object) -> None:
        self.tz, self.now = tz, now
        super().__init__(*args, **kwargs)

    def clean_until(self) -> dt.datetime:
        until = self.cleaned_data["until"]
        aware = wall_clock_in(until, self.tz, now=self.now)
        if aware <= self.now:
            raise forms.ValidationError("Pick a time in the future.")
        return aware


class SnoozeForm(WhenForm):
    reason = forms.CharField(
        max_length=200,
        required=False,
        help_text="Optional: why later? e.g. “out until Monday”, “asked to call after the 15th”.",
    )


class NextStepForm(NextStepFields):
    """The next step of a lead that talked to us, recorded on its own (My day's "Needs a next step")."""

    def clean(self) -> dict:
        cleaned = super().clean()
        self._require_next_step()
        return cleaned


class PauseForm(WhenForm):
    until = forms.DateTimeField(
        label="Pause until", required=False, widget=LocalDateTimeInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )

    def clean_until(self) -> dt.datetime | None:
        return super().clean_until() if self.cleaned_data.get("until") else None


class CloseForm(forms.Form):
    status = forms.ChoiceField(choices=[(Prospect.Status.WON, "Won"), (Prospect.Status.LOST, "Lost")])


class GiveUpForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False)
    confirm_early = forms.BooleanField(required=False, widget=forms.HiddenInput)


CADENCE_CHOICES = [("", "Any"), ("none", "Not enrolled")] + [
    (value, label) for value, label in Enrollment.Status.choices if value in Enrollment.OPEN_STATUSES
]
SORT_CHOICES = [
    ("name", "Name"),
    ("-value", "Value, highest first"),
    ("value", "Value, lowest first"),
    ("-updated", "Recently updated"),
    ("next", "Next follow-up"),
]
assert {value for value, _ in SORT_CHOICES} == set(SORTS)


class ReassignForm(forms.Form):
    """A manager hands the leads ticked on the prospects list (or all that match its filters) to one rep."""

    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    all_matching = forms.BooleanField(required=False, label="All prospects that match the filters")
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    to = forms.TypedChoiceField(label="Hand to", coerce=int)
    reason = forms.CharField(
        label="Why", max_length=200, validators=[validate_single_line], initial="Rebalancing the team's leads"
    )

    def __init__(self, *args: object, reps: list[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(rep.pk, str(rep)) for rep in reps]
        # Any id is accepted here; the service hands over only the manager's own team's leads.
        ids = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(value, value) for value in ids if str(value).isdigit()]

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("ids") and not cleaned.get("all_matching"):
            raise forms.ValidationError("Tick the leads to hand over, or “all that match the filters”.")
        return cleaned


class ProspectFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.ChoiceField(choices=[("", "Any")] + Prospect.Status.choices, required=False)
    owner = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    cadence = forms.ChoiceField(label="Cadence", choices=CADENCE_CHOICES, required=False)
    value_min = forms.DecimalField(label="Value from", required=False, min_value=0, decimal_places=2)
    value_max = forms.DecimalField(label="Value to", required=False, min_value=0, decimal_places=2)
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)
    field = forms.ChoiceField(label="Custom field", required=False)
    field_value = forms.CharField(label="Its value contains", required=False, max_length=200)

    def __init__(
        self,
        *args: object,
        owners: list[User],
        imports: list[tuple[int, str]] = (),  # type: ignore[assignment]
        fields: list[str] = (),  # type: ignore[assignment]
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Anyone")] + [(u.pk, str(u)) for u in owners]
        # "import" is a keyword, so the field is added by name: ?import=<job id> (the import's "See the prospects").
        self.fields["import"] = forms.TypedChoiceField(
            label="Import", coerce=int, empty_value=None, required=False, choices=[("", "Any"), *imports]
        )
        self.fields["field"].choices = [("", "Any field"), *((name, name) for name in fields)]

    def clean(self) -> dict:
        cleaned = super().clean()
        low, high = cleaned.get("value_min"), cleaned.get("value_max")
        if low is not None and high is not None and low > high:
            self.add_error("value_max", "Must not be below “value from”.")
        return cleaned

    def filters(self) -> ProspectFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return ProspectFilters(
            q=data.get("q", ""),
            status=data.get("status", ""),
            owner_id=data.get("owner"),
            cadence=data.get("cadence", ""),
            value_min=data.get("value_min"),
            value_max=data.get("value_max"),
            sort=data.get("sort") or "name",
            import_job_id=data.get("import"),
            field=data.get("field", ""),
            field_value=data.get("field_value", ""),
        )
