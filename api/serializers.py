"""Representations of the API's resources, one per resource. Input serializers live with their endpoint."""

from __future__ import annotations

import re
from typing import Any

import pycountry
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.representation import PlannedRows
from cadence.models import Cadence, Enrollment, FollowUp
from crm.models import ClockSource, Contact, Prospect, User
from crm.services import etag_for
from crm.validators import (
    CONTROL_CHARACTERS,
    PHONE_PATTERN,
    SINGLE_LINE_PATTERN,
    has_control_characters,
    iana_timezones,
    phone_error,
    validate_country,
)
from touches.models import Touch


def no_surrogates(value: str) -> None:
    """PostgreSQL stores UTF-8 only; a lone surrogate (valid JSON, invalid text) must be a 400, not a 500."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise serializers.ValidationError("This text contains characters that are not valid Unicode.") from None


class TextField(serializers.CharField):
    """Text that must arrive as a JSON string and be storable UTF-8."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(no_surrogates)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# Exactly the characters `str.strip()` (so DRF's trimming) removes, spelled out: ECMA's `\s` is another set.
_WHITESPACE = "".join(f"\\u{code:04x}" for code in range(0x10000) if chr(code).isspace())
TEXT_PATTERN = r"^[^\u0000]*$"
NON_BLANK_TEXT_PATTERN = rf"^[^\u0000]*[^\u0000{_WHITESPACE}][^\u0000]*$"


class TextFieldSchema(OpenApiSerializerFieldExtension):
    """Document what DRF enforces besides the lengths: no NUL character (DRF refuses it; PostgreSQL could not
    store it) and, unless blank is allowed, something other than whitespace (DRF trims it, then finds it blank).
    Without the pattern the schema promised that " " or "a\\u0000b" would be accepted."""

    target_class = TextField
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        own = getattr(self.target, "schema_pattern", None)
        if own is not None:
            schema["pattern"] = own(allow_blank=self.target.allow_blank)
        else:
            schema["pattern"] = TEXT_PATTERN if self.target.allow_blank else NON_BLANK_TEXT_PATTERN
        return schema


class SingleLineField(TextField):
    """A name or a title: one line, no control characters, as the model refuses them (checked before trimming,
    so what the schema says is exactly what is accepted)."""

    @staticmethod
    def schema_pattern(*, allow_blank: bool) -> str:
        if allow_blank:
            return SINGLE_LINE_PATTERN
        allowed = f"[^{CONTROL_CHARACTERS}]"
        return rf"^{allowed}*[^{CONTROL_CHARACTERS}{_WHITESPACE}]{allowed}*$"

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, str) and has_control_characters(data):
            raise serializers.ValidationError("Remove the control characters (line breaks, tabs...) from this text.")
        return super().to_internal_value(data)


class PhoneField(TextField):
    """A phone number with its digits (crm.validators.PHONE_PATTERN), checked as sent, before trimming."""

    @staticmethod
    def schema_pattern(*, allow_blank: bool) -> str:
        return f"^$|{PHONE_PATTERN}" if allow_blank else PHONE_PATTERN

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, str) and data != "" and not _PHONE.fullmatch(data):
            raise serializers.ValidationError(phone_error(data) or f"“{data}” is not a phone number.")
        return super().to_internal_value(data)


_PHONE = re.compile(PHONE_PATTERN)


TIMEZONES = iana_timezones()


def _known_timezone(value: str) -> None:
    if value and value not in TIMEZONES:
        raise serializers.ValidationError(f"{value} is not an IANA time zone (e.g. Europe/London).")


def timezone_field(*, blank: bool, required: bool = True, help_text: str = "") -> serializers.CharField:
    """An IANA time zone name. A string, not an enum, in the schema: several names (GMT+0, GMT-0, Etc/GMT+1,
    Etc/GMT-1...) differ only in punctuation, which makes client generators produce clashing enum members."""
    return TextField(
        max_length=64,
        allow_blank=blank,
        required=required,
        validators=[_known_timezone],
        help_text=help_text
        or "An IANA time zone name, e.g. Europe/Berlin." + (" Blank: the prospect's." if blank else ""),
    )


def _real_country(value: str) -> None:
    try:
        validate_country(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from None


# Every ISO 3166-1 code, as the pattern: two capital letters alone would promise that "AA" is a country.
COUNTRY_PATTERN = "^(" + "|".join(sorted(c.alpha_2 for c in pycountry.countries)) + ")$"


def country_field(*, required: bool = True) -> serializers.RegexField:
    return serializers.RegexField(
        COUNTRY_PATTERN,
        allow_blank=True,
        max_length=2,
        required=required,
        validators=[_real_country],
        help_text="Two-letter ISO 3166-1 code, e.g. US; blank if unknown.",
    )


class NextFollowUpSerializer(PlannedRows, serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = [
            "id",
            "attempt",
            "step",
            "attempt_of",
            "due_start",
            "due_end",
            "channel",
            "kind",
            "theme",
            "reason",
            "contact",
            "is_next_step",
            "overdue_since",
        ]
        read_only_fields = fields


@extend_schema_field(NextFollowUpSerializer(allow_null=True))
class NextFollowUpField(serializers.Field):
    """A prospect's next planned follow-up, through one NextFollowUpSerializer made with the field: a list of 100
    prospects built one per row (a ModelSerializer's fields are worked out again for each), most of its time."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)
        self.inner = NextFollowUpSerializer()

    def to_representation(self, prospect: Prospect) -> dict[str, Any] | None:
        # Lists prefetch `planned_follow_ups`; a single prospect may be given without it.
        planned = getattr(prospect, "planned_follow_ups", None)
        if planned is None:
            planned = list(prospect.follow_ups.filter(status=FollowUp.Status.PLANNED).order_by("due_start")[:1])
        return self.inner.to_representation(planned[0]) if planned else None


def clock_source_field(*, whose: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=[("", "Not recorded"), *ClockSource.choices],
        read_only=True,
        help_text=f"Where {whose} time zone came from; `country_guess` and `rep` are guesses to check.",
    )


class ProspectSerializer(PlannedRows, serializers.ModelSerializer):
    etag = serializers.SerializerMethodField()
    timezone_source = clock_source_field(whose="the prospect's")
    next_follow_up = NextFollowUpField()
    estimated_value = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, help_text="In the team's currency."
    )
    value_written = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="The value as written, when it was given in another currency than the team's (else null).",
    )
    value_currency = serializers.CharField(
        read_only=True, help_text="The ISO code of value_written's currency, or blank."
    )
    custom = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text="The team's own fields (what an import kept that Pursuit has no field for), by name.",
    )

    class Meta:
        model = Prospect
        fields = [
            "id",
            "name",
            "team",
            "owner",
            "status",
            "estimated_value",
            "value_written",
            "value_currency",
            "website",
            "notes",
            "custom",
            "country",
            "region",
            "city",
            "timezone",
            "timezone_source",
            "source",
            "is_right_buyer",
            "buys_what_we_sell",
            "still_there",
            "recycle_on",
            "created_at",
            "updated_at",
            "etag",
            "next_follow_up",
        ]
        read_only_fields = fields

    def get_etag(self, prospect: Prospect) -> str:
        return etag_for(prospect)


class ProspectPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page, or null on the last one.")
    results = ProspectSerializer(many=True)

    class Meta:
        ref_name = "ProspectPage"


class ContactSerializer(PlannedRows, serializers.ModelSerializer):
    # A plain string: the model's EmailField would document `format: email`, which a blank address breaks.
    email = serializers.CharField(read_only=True, help_text="An email address, or blank if unknown.")
    etag = serializers.SerializerMethodField()
    timezone_source = clock_source_field(whose="the contact's (blank: they are on the prospect's)")

    class Meta:
        model = Contact
        fields = [
            "id",
            "prospect",
            "name",
            "role",
            "title",
            "phone",
            "email",
            "country",
            "timezone",
            "timezone_source",
            "do_not_contact",
            "left_company",
            "wrong_person",
            "email_bounced",
            "created_at",
            "updated_at",
            "etag",
        ]
        read_only_fields = fields

    def get_etag(self, contact: Contact) -> str:
        return etag_for(contact)


class TouchSerializer(PlannedRows, serializers.ModelSerializer):
    class Meta:
        model = Touch
        fields = [
            "id",
            "prospect",
            "contact",
            "rep",
            "channel",
            "kind",
            "outcome",
            "theme",
            "note",
            "duration_seconds",
            "occurred_at",
            "source",
            "message_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CadenceSerializer(serializers.ModelSerializer):
    windows = serializers.ListField(child=serializers.ListField(child=serializers.CharField()), read_only=True)

    class Meta:
        model = Cadence
        fields = [
            "id",
            "team",
            "name",
            "is_default",
            "is_high_value",
            "gaps_days",
            "windows",
            "working_weekdays",
            "voicemail_after_no_answer",
            "email_after_voicemail",
            "min_touches",
            "max_touches",
            "pleasantly_persistent",
            "pleasantly_persistent_action",
            "breakup_wait_days",
            "on_finish",
            "recycle_after_days",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EnrollmentSerializer(PlannedRows, serializers.ModelSerializer):
    class Meta:
        model = Enrollment
        fields = [
            "id",
            "prospect",
            "cadence",
            "owner",
            "status",
            "started_at",
            "next_due_at",
            "last_action",
            "last_reason",
            "paused_until",
            "snoozed_until",
            "next_step",
            "next_step_due_at",
            "needs_contact",
            "snooze_count",
            "gave_up_early",
            "ended_at",
            "end_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class FollowUpSerializer(PlannedRows, serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = [
            "id",
            "enrollment",
            "prospect",
            "contact",
            "rep",
            "attempt",
            "step",
            "attempt_of",
            "due_start",
            "due_end",
            "channel",
            "kind",
            "theme",
            "reason",
            "status",
            "overdue_since",
            "snooze_count",
            "is_next_step",
            "created_at",
        ]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "role", "team", "timezone"]
        read_only_fields = fields


class ErrorSerializer(serializers.Serializer):
    """The one error shape (documentation only)."""

    code = serializers.CharField(help_text="Stable, for programs: invalid, not_found, conflict, throttled...")
    message = serializers.CharField(help_text="For people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField()),
        required=False,
        help_text="Invalid input only: each field's messages.",
    )
    conflicting_fields = serializers.ListField(child=serializers.CharField(), required=False)
    resync_cursor = serializers.CharField(required=False, help_text="410 from the changes feed only.")
    results = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="A rejected atomic bulk request only."
    )

    class Meta:
        ref_name = "Error"
