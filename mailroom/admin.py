from __future__ import annotations

from django.contrib import admin

from mailroom.models import InboundEmail, Mailbox, OutboundEmail


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    # The encrypted passwords are not editable fields, so they never reach the admin's forms or pages.
    list_display = ["from_address", "user", "transport", "smtp_host", "imap_host", "synced_at", "sync_error"]
    exclude = ["smtp_password_encrypted", "imap_password_encrypted"]
    raw_id_fields = ["user"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to_address", "rep", "state", "queued_at", "sent_at", "error"]
    list_filter = ["state"]
    raw_id_fields = ["mailbox", "rep", "prospect", "contact", "follow_up", "touch"]


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "from_address", "verdict", "received_at", "reason"]
    list_filter = ["verdict"]
    exclude = ["raw"]
    raw_id_fields = ["mailbox", "prospect", "contact", "in_reply_to", "touch", "flagged_contact"]
