from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from crm.models import Contact, Prospect, Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "team", "is_available", "is_active"]
    list_filter = ["role", "team", "is_available", "is_active"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Pursuit", {"fields": ["role", "team", "is_available", "timezone"]}),
    )
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("Pursuit", {"fields": ["role", "team"]}))


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "high_value_threshold"]
    search_fields = ["name"]
    filter_horizontal = ["managers"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "role", "title", "phone", "email", "timezone", "do_not_contact", "left_company"]
    readonly_fields = ["do_not_contact"]


@admin.register(Prospect)
class ProspectAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "team", "status", "estimated_value", "country", "updated_at"]
    list_filter = [
        "status",
        "team",
        "source",
        "country",
        "is_right_buyer",
        "buys_what_we_sell",
        "still_there",
    ]
    search_fields = ["name", "contacts__name", "contacts__email", "contacts__phone"]
    list_select_related = ["owner", "team"]
    autocomplete_fields = ["owner", "team"]
    date_hierarchy = "created_at"
    inlines = [ContactInline]
    # A status changes through the app's services (closing, reopening, lifting a do-not-contact, each recorded in
    # the lead's history), never by editing the field: that would be a side door around "opted out".
    readonly_fields = ["status", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "team", "owner", "status", "estimated_value", "source"]}),
        ("Where", {"fields": ["country", "timezone"]}),
        ("Qualification", {"fields": ["is_right_buyer", "buys_what_we_sell", "still_there"]}),
        ("Dates", {"fields": ["recycle_on", "created_at", "updated_at"]}),
    ]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "prospect", "role", "title", "phone", "email", "do_not_contact", "left_company"]
    list_filter = ["role", "do_not_contact", "left_company", "wrong_person", "email_bounced"]
    search_fields = ["name", "email", "phone", "prospect__name"]
    list_select_related = ["prospect"]
    autocomplete_fields = ["prospect"]
    readonly_fields = ["do_not_contact"]
