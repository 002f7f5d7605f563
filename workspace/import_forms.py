"""The import's forms: the upload (its limits said before the upload) and the mapping step."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django import forms

from cadence.models import Cadence
from crm.import_values import role_from_title
from crm.imports import CUSTOM, FIELD_LABELS, MAX_BYTES, MAX_ROWS, STAGE_ENROLL, STAGE_SKIP, ImportFile, stage_guess
from crm.models import Contact, User

FIELD_CHOICES = [("", "Ignore this column"), (CUSTOM, "Keep as a custom field"), *FIELD_LABELS.items()]
ROLES_SHOWN = 25
STAGES_SHOWN = 30
STAGE_CHOICES = [(STAGE_ENROLL, "Leads: import and follow up"), (STAGE_SKIP, "Skip: not a lead to follow up")]


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,text/csv", "data-max-bytes": MAX_BYTES}),
        help_text=f"Up to {MAX_ROWS:,} rows and {MAX_BYTES // (1024 * 1024)} MB; commas, semicolons or tabs.",
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it.")
        return upload.read()


class MappingForm(forms.Form):
    """One choice per column of the file, the role of the most common titles, and who gets which cadence when."""

    owner = forms.ChoiceField(label="Who gets the new prospects")
    cadence = forms.ChoiceField(label="Cadence")
    start = forms.DateField(
        label="First attempts from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Blank: today. Each rep starts the team's daily number of new leads, on working days.",
    )

    def __init__(
        self,
        *args: Any,
        file: ImportFile,
        columns: dict[str, str],
        roles: dict[str, str],
        user: User,
        reps: list[User],
        cadences: list[Cadence],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.file = file
        self.column_names = list(file.header)
        for n, name in enumerate(self.column_names):
            self.fields[f"col_{n}"] = forms.ChoiceField(
                label=name or f"Column {n + 1}", choices=FIELD_CHOICES, required=False, initial=columns.get(name, "")
            )
        title_at = next((i for i, name in enumerate(self.column_names) if columns.get(name) == "title"), None)
        counts = Counter(
            record[title_at].strip() for record in file.records if title_at is not None and title_at < len(record)
        )
        self.titles = [title for title, _ in counts.most_common(ROLES_SHOWN) if title]
        for n, title in enumerate(self.titles):
            self.fields[f"role_{n}"] = forms.ChoiceField(
                label=title, choices=Contact.Role.choices, initial=roles.get(title) or role_from_title(title)
            )
        stage_at = next((i for i, name in enumerate(self.column_names) if columns.get(name) == "stage"), None)
        stage_counts = Counter(
            record[stage_at].strip() for record in file.records if stage_at is not None and stage_at < len(record)
        )
        self.stages = [(stage, count) for stage, count in stage_counts.most_common(STAGES_SHOWN) if stage]
        chosen = (self.initial.get("stages") or {}) if isinstance(self.initial.get("stages"), dict) else {}
        for n, (stage, count) in enumerate(self.stages):
            self.fields[f"stage_{n}"] = forms.ChoiceField(
                label=f"{stage} ({count} row{'s' if count != 1 else ''})",
                choices=STAGE_CHOICES,
                initial=chosen.get(stage) or stage_guess(stage),
            )
        owners = [("me", f"Me ({user})")]
        if user.is_manager or user.is_superuser:
            owners += [("spread", "Spread across the team's available reps, by load")]
            owners += [(str(rep.pk), str(rep)) for rep in reps]
        self.fields["owner"].choices = owners
        self.fields["cadence"].choices = [("auto", "The team's cadence for each lead's value")] + [
            (str(c.pk), c.name) for c in cadences
        ]

    def column_rows(self) -> list[tuple[Any, list[str]]]:
        return [(self[f"col_{n}"], self.file.samples(n)) for n in range(len(self.column_names))]

    def role_rows(self) -> list[Any]:
        return [self[f"role_{n}"] for n in range(len(self.titles))]

    def stage_rows(self) -> list[Any]:
        return [self[f"stage_{n}"] for n in range(len(self.stages))]

    def columns(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(f"col_{n}", "") for n, name in enumerate(self.column_names)}

    def roles(self) -> dict[str, str]:
        return {
            title: self.cleaned_data[f"role_{n}"]
            for n, title in enumerate(self.titles)
            if self.cleaned_data[f"role_{n}"] != role_from_title(title)
        }

    def options(self) -> dict[str, str]:
        start = self.cleaned_data.get("start")
        return {
            "owner": self.cleaned_data["owner"],
            "cadence": self.cleaned_data["cadence"],
            "start": start.isoformat() if start else "",
            "stages": {stage: self.cleaned_data[f"stage_{n}"] for n, (stage, _) in enumerate(self.stages)},
        }
