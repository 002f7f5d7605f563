"""Rows of a list rendered from a plan made once per serializer, not field by field through DRF's generic path.

DRF renders each field of each row by looking its source up again, checking for None, and asking for the current
time zone for every datetime; for a page of 100 prospects with their next follow-up that was most of the server's
time. `PlannedRows` works out once, per serializer instance (a list's child is one instance), how each field is
read and written, for the field types whose representation is plain: the value itself, a foreign key's id, a date's
or a datetime's ISO form on the request's clock. Every other field goes through DRF as before.
`tests/api/test_representation.py` proves the two give the same JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from rest_framework import ISO_8601, fields, relations, serializers
from rest_framework.settings import api_settings

# Types (exactly these, not subclasses) whose representation of a value read from the database is the value.
PLAIN = (fields.CharField, fields.ChoiceField, fields.IntegerField, fields.BooleanField, fields.ReadOnlyField)


def _iso(value: Any, tz: Any) -> str:
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class PlannedRows:
    """A mixin for ModelSerializers rendered in lists."""

    def _plan(self) -> list[tuple[str, Callable[[Any, Any], Any]]]:
        plan = getattr(self, "_row_plan", None)
        if plan is None:
            plan = [(field.field_name, _reader(field)) for field in self._readable_fields]  # type: ignore[attr-defined]
            self._row_plan = plan
        return plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        tz = timezone.get_current_timezone()
        return {name: read(instance, tz) for name, read in self._plan()}


def _reader(field: serializers.Field) -> Callable[[Any, Any], Any]:
    source = field.source
    simple = source != "*" and "." not in source
    if simple and type(field) is relations.PrimaryKeyRelatedField and not field.pk_field:
        attname = _foreign_key_attname(field)
        if attname:
            return lambda instance, tz: getattr(instance, attname)
    if simple and type(field) is fields.DateTimeField and _iso_format(field, api_settings.DATETIME_FORMAT):
        if hasattr(field, "timezone"):  # a zone of its own, not the request's
            return _generic(field)
        return lambda instance, tz: None if (value := getattr(instance, source)) is None else _iso(value, tz)
    if simple and type(field) is fields.DateField and _iso_format(field, api_settings.DATE_FORMAT):
        return lambda instance, tz: None if (value := getattr(instance, source)) is None else value.isoformat()
    if simple and type(field) in PLAIN:
        return lambda instance, tz: getattr(instance, source)
    return _generic(field)


def _foreign_key_attname(field: serializers.Field) -> str:
    """`owner_id` for a ModelSerializer's `owner` foreign key: the id is on the row, nothing to load."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    try:
        model_field = model._meta.get_field(field.source) if model else None
    except FieldDoesNotExist:
        return ""
    return model_field.attname if getattr(model_field, "many_to_one", False) else ""


def _iso_format(field: serializers.Field, default: str) -> bool:
    output = getattr(field, "format", default)
    return isinstance(output, str) and output.lower() == ISO_8601


def _generic(field: serializers.Field) -> Callable[[Any, Any], Any]:
    def read(instance: Any, tz: Any) -> Any:
        attribute = field.get_attribute(instance)
        if attribute is None or (isinstance(attribute, relations.PKOnlyObject) and attribute.pk is None):
            return None
        return field.to_representation(attribute)

    return read
