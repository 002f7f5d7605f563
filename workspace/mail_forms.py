"""The rep's mailbox settings and the email editor of a follow-up."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from crm.validators import validate_single_line
from mailroom.models import InboundEmail, Mailbox
from mailroom.services.mailboxes import SETTINGS_FIELDS


class MailboxForm(forms.ModelForm):
    # Never rendered back (render_value=False): a blank field keeps the saved password.
    smtp_password = forms.CharField(
        label="SMTP password", required=False, widget=forms.PasswordInput(render_value=False), max_length=500
    )
    imap_password = forms.CharField(
        label="IMAP password", required=False, widget=forms.PasswordInput(render_value=False), max_length=500
    )

    class Meta:
        model = Mailbox
        fields = list(SETTINGS_FIELDS)
        labels = {
            "from_address": "Your email address",
            "from_name": "Name on your emails",
            "smtp_host": "SMTP server (outgoing)",
            "smtp_port": "SMTP port",
            "smtp_security": "SMTP security",
            "smtp_username": "SMTP user name",
            "imap_host": "IMAP server (incoming)",
            "imap_port": "IMAP port",
            "imap_security": "IMAP security",
            "imap_username": "IMAP user name",
            "imap_folder": "Folder Pursuit reads",
            "sent_folder": "Sent folder",
            "daily_cap": "Most emails Pursuit sends for you in a day",
        }
        help_texts = {
            "smtp_port": "587 with STARTTLS, 465 with TLS.",
            "imap_port": "993 with TLS.",
            "imap_host": "Leave blank to send only: replies then are yours to log.",
            "sent_folder": "Pursuit keeps a copy of what it sends here, as your mail app does.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.has_saved_passwords = bool(self.instance.pk)
        self.fields["smtp_host"].required = True
        if not self.has_saved_passwords:
            self.fields["smtp_password"].help_text = "Stored encrypted; never shown again."
        else:
            self.fields["smtp_password"].help_text = "Leave blank to keep the saved one."
            self.fields["imap_password"].help_text = "Leave blank to keep the saved one."

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("smtp_username") and not (data.get("smtp_password") or self.instance.smtp_password_encrypted):
            self.add_error("smtp_password", "Give the SMTP password.")
        if data.get("imap_host"):
            for name in ("imap_username", "imap_folder", "sent_folder"):
                if not data.get(name):
                    self.add_error(name, "Needed to read your replies.")
            if not (data.get("imap_password") or self.instance.imap_password_encrypted):
                self.add_error("imap_password", "Give the IMAP password.")
        return data

    def settings(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SETTINGS_FIELDS}


class EmailSendForm(forms.Form):
    """The ready email, filled in, as the rep sends it. `outbound` is made when the form is rendered: a second
    POST of the same form finds the message the first one queued."""

    outbound = forms.UUIDField(widget=forms.HiddenInput)
    subject = forms.CharField(label="Subject", max_length=200, validators=[validate_single_line])
    body = forms.CharField(label="Email", max_length=10000, widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args: Any, prefix_id: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        # Two editors on one page (two rows opened) never share element ids.
        kwargs.setdefault("auto_id", f"{prefix_id}_%s" if prefix_id else "id_%s")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("outbound", uuid.uuid4())


class ReclassifyForm(forms.Form):
    verdict = forms.ChoiceField(label="This was", choices=InboundEmail.Verdict.choices)
