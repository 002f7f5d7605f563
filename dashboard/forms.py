"""Forms of the manager dashboard: the filters (GET) and the bulk action on stalled leads (POST)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator

from cadence.services import MAX_EXTENSION
from cadence.services.leads import LeadAction
from crm.models import Team, User
from crm.validators import PLANNING_HORIZON, date_range_message
from dashboard.scope import DEFAULT_IDLE_DAYS, PERIODS, REASONS, SORTS
from dashboard.stalled import StalledFilters

SORT_LABELS = {
    "-value": "Highest value",
    "value": "Lowest value",
    "-age": "Stalled longest",
    "age": "Stalled most recently",
}
assert set(SORT_LABELS) == set(SORTS)


class ListedChoiceIterator(ModelChoiceIterator):
    """The options read by one plain query, kept on the field's queryset, where Django's iterator opens a
    server-side cursor (WITH HOLD, outside a transaction): a round trip more for a handful of rows, and a cursor
    PgBouncer in transaction mode cannot keep. The page asks `queryset|length` first, so that is the one query."""

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self.queryset) + (self.field.empty_label is not None)


class ListedModelChoiceField(forms.ModelChoiceField):
    iterator = ListedChoiceIterator


class DashboardFilterForm(forms.Form):
    """Which teams, reps and reasons the dashboard shows. Invalid fields fall back to their defaults."""

    team = ListedModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All my teams")
    rep = ListedModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Any rep")
    reason = forms.ChoiceField(choices=[("", "Any reason"), *((r.key, r.label) for r in REASONS)], required=False)
    min_value = forms.DecimalField(label="Value at least", required=False, min_value=0, max_digits=12, decimal_places=2)
    idle_days = forms.IntegerField(
        label="Days without a touch", required=False, min_value=1, max_value=90, initial=DEFAULT_IDLE_DAYS
    )
    sort = forms.ChoiceField(choices=list(SORT_LABELS.items()), required=False)
    period = forms.TypedChoiceField(
        label="Results over",
        choices=[(days, f"Last {days} days") for days in PERIODS],
        coerce=int,
        required=False,
        initial=30,
    )

    def __init__(self, *args: Any, teams: Any, reps: Any, **kwargs: Any) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["team"].queryset = teams
        self.fields["rep"].queryset = reps
        for name, field in self.fields.items():
            field.widget.attrs["id"] = f"filter-{name.replace('_', '-')}"

    def value(self, name: str, default: Any) -> Any:
        if not self.is_bound:
            return default
        self.is_valid()
        found = self.cleaned_data.get(name)
        return default if found in (None, "") else found

    @property
    def period_days(self) -> int:
        return self.value("period", 30)

    def filters(self) -> StalledFilters:
        team, rep = self.value("team", None), self.value("rep", None)
        return StalledFilters(
            team_id=team.pk if team else None,
            rep_id=rep.pk if rep else None,
            min_value=self.value("min_value", None),
            reason=self.value("reason", ""),
            idle_days=self.value("idle_days", DEFAULT_IDLE_DAYS),
            sort=self.value("sort", "-value"),
        )


class IdListField(forms.Field):
    """Checkbox values: lead ids, each a positive integer."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        try:
            ids = sorted({int(v) for v in values})
        except (TypeError, ValueError) as exc:
            raise ValidationError("Those leads could not be read; reload the page and try again.") from exc
        if any(pk < 1 for pk in ids):
            raise ValidationError("Those leads could not be read; reload the page and try again.")
        return ids


class StalledActionForm(forms.Form):
    """One action on the selected stalled leads. Checked here: the input makes sense; in the services: the leads
    allow it (an ended cadence cannot be paused, a rep must be available on the lead's team)."""

    Action = LeadAction

    ACTIONS = [
        (Action.REASSIGN, "Reassign"),
        (Action.EXTEND, "Extend the cadence"),
        (Action.PAUSE, "Pause"),
        (Action.GIVE_UP, "Give up"),
    ]

    leads = IdListField(error_messages={"required": "Select at least one lead."})
    action = forms.ChoiceField(choices=ACTIONS, error_messages={"required": "Choose what to do with the leads."})
    to = forms.ModelChoiceField(
        label="Reassign to",
        queryset=User.objects.none(),
        required=False,
        empty_label="Least-loaded available rep",
        error_messages={"invalid_choice": "Pick an available rep of your teams."},
    )
    extra_touches = forms.IntegerField(label="More attempts", required=False, min_value=1, max_value=MAX_EXTENSION)
    pause_until = forms.DateField(
        label="Pause until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Blank: until resumed",
    )
    reason = forms.CharField(label="Note for the history", required=False, max_length=200)

    def __init__(self, *args: Any, reps: Any, today: dt.date, shown: list[User] | None = None, **kwargs: Any) -> None:
        """`reps` validates the choice; `shown`, when the view has already read those reps with their load,
        lists them without counting every rep's open leads a second time."""
        super().__init__(*args, label_suffix="", **kwargs)
        self.today = today
        to = self.fields["to"]
        to.queryset = reps
        to.label_from_instance = _rep_label
        if shown is not None:
            to.widget.choices = [("", to.empty_label), *((rep.pk, _rep_label(rep)) for rep in shown)]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("id", f"action-{name.replace('_', '-')}")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        action = data.get("action")
        if action == self.Action.EXTEND and not data.get("extra_touches"):
            self.add_error("extra_touches", f"Say how many more attempts (1 to {MAX_EXTENSION}).")
        if action == self.Action.PAUSE and data.get("pause_until"):
            if data["pause_until"] <= self.today:
                self.add_error("pause_until", "A pause must end after today.")
            elif not data["pause_until"] <= self.today + PLANNING_HORIZON:
                self.add_error("pause_until", date_range_message(today=self.today))
        return data


def _rep_label(rep: User) -> str:
    away = "" if rep.is_available else ", away"
    load = getattr(rep, "open_leads", None)
    team = f" · {rep.team.name}" if rep.team else ""
    return f"{rep}{team} ({load} open{away})" if load is not None else f"{rep}{team}"
