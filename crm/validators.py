from __future__ import annotations

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError


@cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value and value not in _timezones():
        raise ValidationError("%(value)s is not an IANA time zone (e.g. Europe/London).", params={"value": value})


def validate_country(value: str) -> None:
    if value and not (len(value) == 2 and value.isalpha() and value.isupper()):
        raise ValidationError("Use a two-letter ISO country code such as US or DE.")
