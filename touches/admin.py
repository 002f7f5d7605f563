from __future__ import annotations

from django.contrib import admin

from touches.models import Touch


@admin.register(Touch)
class TouchAdmin(admin.ModelAdmin):
    list_display = [
        "occurred_at",
        "prospect",
        "contact",
        "rep",
        "channel",
        "kind",
        "outcome",
        "theme",
        "source",
    ]
    list_filter = ["channel", "kind", "outcome", "theme", "source"]
    search_fields = ["prospect__name", "contact__name", "note"]
    list_select_related = ["prospect", "contact", "rep"]
    autocomplete_fields = ["prospect", "contact", "rep"]
    date_hierarchy = "occurred_at"
    readonly_fields = ["id", "created_at", "updated_at"]
