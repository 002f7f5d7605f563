"""The cadence page's forms: the cadence itself (call windows as a formset of time pickers) and the preview's
sample prospect. They check the input; `cadence.services.cadence_save` and the model check the rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from cadence.models import MIN_ATTEMPTS_WHY, Cadence
from crm.models import Prospect
from crm.validators import validate_country, validate_timezone

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]
ENDINGS = [
    ("give_up", "Give up (the lead goes dormant)"),
    ("recycle", "Give up, then try again after some days"),
    ("reassign", "Hand it to another rep"),
]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


class WindowForm(forms.Form):
    start = forms.TimeField(label="From", widget=TimeInput())
    end = forms.TimeField(label="To", widget=TimeInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", "A window ends after it starts.")
        return data


class BaseWindowFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        kept = [
            (f.cleaned_data["start"], f.cleaned_data["end"])
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        if not kept:
            raise ValidationError("Keep at least one call window.")
        kept.sort()
        for (_, earlier_end), (later_start, _) in zip(kept, kept[1:], strict=False):
            if later_start < earlier_end:
                raise ValidationError("Call windows must not overlap: each attempt goes in a different window.")

    def windows(self) -> list[list[str]]:
        kept = sorted(
            (f.cleaned_data["start"], f.cleaned_data["end"])
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        )
        return [[f"{start:%H:%M}", f"{end:%H:%M}"] for start, end in kept]


WindowFormSet = forms.formset_factory(WindowForm, formset=BaseWindowFormSet, extra=0, can_delete=True, max_num=8)


class CadenceForm(forms.Form):
    name = forms.CharField(max_length=100)
    gaps = forms.CharField(
        label="Days between attempts",
        max_length=60,
        help_text="One number (2: every other day) or a list that repeats its last (1, 2, 3).",
    )
    working_weekdays = forms.TypedMultipleChoiceField(
        label="Working days", choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    voicemail_after_no_answer = forms.BooleanField(label="Leave a voicemail when nobody answers", required=False)
    email_after_voicemail = forms.BooleanField(label="Send an email the same day as a voicemail", required=False)
    min_touches = forms.IntegerField(label="Minimum attempts", min_value=1, max_value=50, help_text=MIN_ATTEMPTS_WHY)
    max_touches = forms.IntegerField(
        label="Maximum attempts", min_value=1, max_value=50, help_text="The last one is the breakup message."
    )
    pleasantly_persistent = forms.BooleanField(
        label="Send a pleasantly persistent message before the breakup", required=False
    )
    pleasantly_persistent_action = forms.CharField(
        label="What you will do (“I'll … on Tuesday unless I hear back”)", max_length=100, required=False
    )
    pleasantly_persistent_channel = forms.ChoiceField(
        label="Then do it by", choices=Cadence._meta.get_field("pleasantly_persistent_channel").choices
    )
    breakup_wait_days = forms.IntegerField(
        label="Days to wait for an answer after the breakup", min_value=0, max_value=30
    )
    ending = forms.ChoiceField(label="If they stay silent", choices=ENDINGS, widget=forms.RadioSelect)
    recycle_after_days = forms.IntegerField(label="Try again after (days)", min_value=1, max_value=365, required=False)
    is_default = forms.BooleanField(label="The team's default cadence for new leads", required=False)
    is_high_value = forms.BooleanField(label="The cadence for high-value leads", required=False)
    high_value_threshold = forms.DecimalField(
        label="High value means more than", min_value=0, max_digits=12, decimal_places=2, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_for(cls, cadence: Cadence) -> dict[str, Any]:
        if cadence.on_finish == Cadence.OnFinish.REASSIGN:
            ending = "reassign"
        else:
            ending = "recycle" if cadence.recycle_after_days else "give_up"
        initial = {field: getattr(cadence, field) for field in cls.base_fields if hasattr(cadence, field)}
        initial.update(
            gaps=", ".join(str(gap) for gap in cadence.gaps_days),
            ending=ending,
            high_value_threshold=cadence.team.high_value_threshold if cadence.team_id else None,
        )
        return initial

    def clean_gaps(self) -> list[int]:
        raw = self.cleaned_data["gaps"]
        try:
            gaps = [int(part) for part in raw.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise ValidationError("Give whole numbers of days, separated by commas: 2, or 1, 2, 3.") from None
        if not gaps or any(not 1 <= gap <= 60 for gap in gaps):
            raise ValidationError("Each gap is 1 to 60 days.")
        if len(gaps) > 12:
            raise ValidationError("Give at most 12 gaps; the last one repeats.")
        return gaps

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("min_touches"), data.get("max_touches")
        if low is not None and high is not None and high < low:
            self.add_error("max_touches", "The maximum cannot be below the minimum.")
        if data.get("pleasantly_persistent") and not (data.get("pleasantly_persistent_action") or "").strip():
            self.add_error("pleasantly_persistent_action", "Say what you will do, e.g. “stop by”.")
        if data.get("ending") == "recycle" and not data.get("recycle_after_days"):
            self.add_error("recycle_after_days", "Say after how many days to try again.")
        if data.get("is_high_value") and data.get("high_value_threshold") is None:
            self.add_error("high_value_threshold", "Say from what value a lead is high-value.")
        return data

    def values(self, windows: list[list[str]]) -> dict[str, Any]:
        """What `cadence_save` takes, from a valid form and its windows."""
        data = self.cleaned_data
        ending = data["ending"]
        return {
            "name": data["name"].strip(),
            "gaps_days": data["gaps"],
            "windows": windows,
            "working_weekdays": sorted(data["working_weekdays"]),
            "voicemail_after_no_answer": data["voicemail_after_no_answer"],
            "email_after_voicemail": data["email_after_voicemail"],
            "min_touches": data["min_touches"],
            "max_touches": data["max_touches"],
            "pleasantly_persistent": data["pleasantly_persistent"],
            "pleasantly_persistent_action": (data["pleasantly_persistent_action"] or "stop by").strip(),
            "pleasantly_persistent_channel": data["pleasantly_persistent_channel"],
            "breakup_wait_days": data["breakup_wait_days"],
            "on_finish": Cadence.OnFinish.REASSIGN if ending == "reassign" else Cadence.OnFinish.GIVE_UP,
            "recycle_after_days": data["recycle_after_days"] if ending == "recycle" else None,
            "is_default": data["is_default"],
            "is_high_value": data["is_high_value"],
        }

    @property
    def threshold(self) -> Decimal | None:
        return self.cleaned_data.get("high_value_threshold")


class PreviewForm(forms.Form):
    """Who the preview plans for: a real prospect of the team, or a sample one in a country and time zone."""

    prospect = forms.ModelChoiceField(
        label="A real prospect", queryset=Prospect.objects.none(), required=False, empty_label="A sample prospect"
    )
    country = forms.CharField(label="Country", max_length=2, required=False, validators=[validate_country])
    timezone = forms.CharField(label="Time zone", max_length=64, required=False, validators=[validate_timezone])
    start = forms.DateField(label="Starting", widget=forms.DateInput(attrs={"type": "date"}), required=False)

    def __init__(self, *args: Any, prospects: Any, today: dt.date, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("prefix", "preview")
        super().__init__(*args, **kwargs)
        self.fields["prospect"].queryset = prospects
        self.today = today

    def clean_start(self) -> dt.date:
        start = self.cleaned_data.get("start") or self.today
        if not self.today - dt.timedelta(days=7) <= start <= self.today + dt.timedelta(days=365):
            raise ValidationError("Start within the next year.")
        return start
