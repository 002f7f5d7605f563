from __future__ import annotations

from django.contrib import admin

from cadence.models import Cadence, Enrollment, FollowUp


@admin.register(Cadence)
class CadenceAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "is_default", "is_high_value", "min_touches", "max_touches", "on_finish"]
    list_filter = ["team", "is_default", "is_high_value", "on_finish"]
    search_fields = ["name"]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["prospect", "cadence", "owner", "status", "next_due_at", "snooze_count", "last_reason"]
    list_filter = ["status", "cadence", "needs_contact", "gave_up_early"]
    search_fields = ["prospect__name"]
    list_select_related = ["prospect", "cadence", "owner"]
    raw_id_fields = ["prospect"]
    readonly_fields = ["created_at", "updated_at", "planned_at", "replan_requested_at"]


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["prospect", "rep", "attempt", "channel", "kind", "theme", "due_start", "status", "reason"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["prospect__name"]
    list_select_related = ["prospect", "rep"]
    raw_id_fields = ["enrollment", "prospect", "contact", "touch"]
