"""The message library page's form. The service checks placeholders and near-repeats (touches.services.messages)."""

from __future__ import annotations

from typing import Any

from django import forms

from crm.models import Prospect
from touches.message_library import PLACEHOLDERS
from touches.models import Kind, MessageTemplate, Theme

PLACEHOLDER_HELP = "Placeholders: " + ", ".join(f"{{{name}}} ({what})" for name, what in PLACEHOLDERS.items()) + "."


class MessageForm(forms.Form):
    medium = forms.ChoiceField(label="Said or written", choices=MessageTemplate.Medium.choices)
    kind = forms.ChoiceField(label="For", choices=Kind.choices)
    theme = forms.ChoiceField(
        label="Theme (the three I's)",
        choices=[(t, label) for t, label in Theme.choices if t != Theme.NONE],
        required=False,
        help_text="For regular attempts; a breakup or pleasantly persistent message has none.",
    )
    subject = forms.CharField(label="Email subject", max_length=200, required=False)
    body = forms.CharField(
        label="Message", max_length=4000, widget=forms.Textarea(attrs={"rows": 7}), help_text=PLACEHOLDER_HELP
    )
    confirm_similar = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_for(cls, template: MessageTemplate) -> dict[str, Any]:
        return {
            "medium": template.medium,
            "kind": template.kind,
            "theme": template.theme if template.theme != Theme.NONE else "",
            "subject": template.subject,
            "body": template.body,
        }


class MessagePreviewForm(forms.Form):
    prospect = forms.ModelChoiceField(
        label="Fill in for", queryset=Prospect.objects.none(), required=False, empty_label="A sample prospect"
    )

    def __init__(self, *args: Any, prospects: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("prefix", "preview")
        super().__init__(*args, **kwargs)
        self.fields["prospect"].queryset = prospects
