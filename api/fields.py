from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.validators import check_moment_in_range


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 timestamp that must carry its offset: a naive time is refused rather than guessed."""

    default_error_messages = {
        "naive": "Give the time with its time zone, e.g. 2025-03-01T09:30:00+01:00.",
        "overflow": "This time is out of range.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text", "ISO 8601 with an offset, between 2000-01-01 and two years from now (anything else is a typo)."
        )
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> dt.datetime:
        naive = False
        if isinstance(value, dt.datetime):
            naive = value.tzinfo is None
        elif isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            naive = parsed is not None and parsed.tzinfo is None
        if naive:
            self.fail("naive")
        try:
            moment = super().to_internal_value(value)
            # Its own calendar date, before any conversion: 9999-12-31T23:00-05:00 is year 10000 in UTC.
            check_moment_in_range(moment, now=timezone.now())
        except OverflowError:
            self.fail("overflow")
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return moment


# JSON clients get exactly the types the schema promises: DRF's fields would quietly coerce 5 into "5",
# "5" into 5 and 1 into a UUID, which makes the schema a lie in one direction.


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictUUIDField(serializers.UUIDField):
    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class StrictDecimalField(serializers.DecimalField):
    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


MONEY_PATTERN = r"^[0-9]{1,10}(?:\.[0-9]{1,2})?$"


@extend_schema_field({"type": "string", "format": "decimal", "pattern": MONEY_PATTERN, "example": "2500.00"})
class MoneyField(StrictDecimalField):
    """A non-negative amount with at most 10 digits before the point and 2 after, e.g. "2500.00".

    Exactly the strings the schema's pattern describes are accepted: DRF's own decimal field also takes "",
    "1e3" or "-0", so its generated pattern promised both more and less than the endpoint did.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=12, decimal_places=2, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or not re.fullmatch(MONEY_PATTERN, data):
            self.fail("invalid")
        return super().to_internal_value(data)
