from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from functools import cache

import pycountry
from django.core.exceptions import ValidationError
from django.utils import timezone

# Files in the system's zone folder that are not IANA zone names: the machine's own setting and tzcode's helpers.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@cache
def iana_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - _NOT_ZONES)


def validate_timezone(value: str) -> None:
    if value and value not in iana_timezones():
        raise ValidationError("%(value)s is not an IANA time zone (e.g. Europe/London).", params={"value": value})


def validate_country(value: str) -> None:
    """A real ISO 3166-1 alpha-2 code (pycountry keeps the standard's list), not just two capital letters."""
    if value and not (len(value) == 2 and value.isupper() and pycountry.countries.get(alpha_2=value)):
        raise ValidationError("Use a two-letter ISO country code such as US or DE.")


@cache
def _currencies() -> frozenset[str]:
    return frozenset(currency.alpha_3 for currency in pycountry.currencies)


def validate_currency(value: str) -> None:
    """An ISO 4217 code (pycountry's list), such as USD, EUR, JPY."""
    if value and value not in _currencies():
        raise ValidationError("Use a three-letter ISO currency code such as USD, EUR or JPY.")


def has_control_characters(value: str) -> bool:
    # U+2028 and U+2029 (Zl, Zp) break a line as surely as a newline: an email header with one cannot be written.
    # Cc is exactly C0, DEL and C1 (CONTROL_CHARACTERS below): one regular expression, not a category per character.
    return _CONTROL.search(value) is not None


def validate_single_line(value: str) -> None:
    """Names and titles are one line of text: control characters (tabs, line breaks, NUL, escapes) are refused."""
    if has_control_characters(value):
        raise ValidationError("Remove the control characters (line breaks, tabs...) from this text.")


# A phone number as people write it: digits with spaces, dots, dashes, slashes and brackets, a leading +, and an
# optional extension ("x12", "ext. 12"). The number itself has 6 to 15 digits (E.164 allows 15). The same pattern
# is the API schema's, so it is written for both Python's and JavaScript's regular expressions.
PHONE_PATTERN = r"^\+?[ ().\-/]*(?:[0-9][ ().\-/]*){6,15}(?:(?:x|X|ext\.?|Ext\.?|EXT\.?) ?[0-9]{1,6})?$"
_PHONE = re.compile(PHONE_PATTERN)
# Names and titles: one line, no control characters (C0, DEL and C1).
CONTROL_CHARACTERS = "\u0000-\u001f\u007f-\u009f\u2028\u2029"
SINGLE_LINE_PATTERN = rf"^[^{CONTROL_CHARACTERS}]*$"
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")


def phone_error(value: str) -> str | None:
    """Why this is not a phone number, or None. The contact form, the API and the import all ask this."""
    text = value.strip()
    if not text or _PHONE.fullmatch(text):
        return None
    return f"“{text}” is not a phone number: give its digits, e.g. +1 212 555 0199."


def validate_phone(value: str) -> None:
    message = phone_error(value)
    if message:
        raise ValidationError(message)


# Dates a person can mean. Nothing in a sales CRM happened before 2000, and nothing is planned more than two years
# ahead: a pause "until 9999-12-31" is a typo, and once converted to UTC it no longer fits in a date at all (it is
# year 10000), which used to stop every sweep. Every field that takes a date checks it against this range.
EARLIEST_DATE = dt.date(2000, 1, 1)
PLANNING_HORIZON = dt.timedelta(days=730)


def date_range_message(*, today: dt.date) -> str:
    latest = today + PLANNING_HORIZON
    return (
        f"Pick a date between {EARLIEST_DATE.day} {EARLIEST_DATE:%b %Y} and {latest.day} {latest:%b %Y}: "
        "anything outside that is a typo."
    )


def check_date_in_range(day: dt.date, *, today: dt.date) -> None:
    if not EARLIEST_DATE <= day <= today + PLANNING_HORIZON:
        raise ValidationError(date_range_message(today=today), code="date_out_of_range")


def check_moment_in_range(moment: dt.datetime, *, now: dt.datetime) -> None:
    """For an aware or a wall-clock (naive) datetime: its calendar date must be in the range. The date is read
    before any conversion between zones, which would overflow for the years this refuses."""
    check_date_in_range(moment.date(), today=now.date())


def validate_date_in_range(day: dt.date) -> None:
    """Model field validator (today's date from the clock: validators take no arguments)."""
    if day is not None:
        check_date_in_range(day, today=timezone.now().date())
