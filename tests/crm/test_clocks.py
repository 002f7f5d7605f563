"""Whose clock a lead is called on, derived from what its data says: a given zone, the phone number, the state or
city where the country spans zones, the country, and only then the rep's, which the lead then calls a guess."""

from __future__ import annotations

import pytest

from crm.clocks import Clock, clock_guess, clock_shared, contact_clock, country_zones
from crm.models import ClockSource

BERLIN_REP = "Europe/Berlin"


def guess(**data: str) -> Clock:
    return clock_guess(fallback=BERLIN_REP, **data)


@pytest.mark.parametrize(
    ("phone", "country", "zone"),
    [
        ("(212) 736-0101", "US", "America/New_York"),
        ("+1 415 555 0100", "", "America/Los_Angeles"),
        ("+1 312 555 0143", "", "America/Chicago"),
        ("030 1234 0001", "DE", "Europe/Berlin"),
        ("020 7123 0001", "GB", "Europe/London"),
        ("+91 98200 12345", "", "Asia/Kolkata"),  # libphonenumber still says Asia/Calcutta: the canonical name
        ("+81 3-1234-5678", "", "Asia/Tokyo"),
        ("+61 2 9123 4567", "", "Australia/Sydney"),
    ],
)
def test_a_phone_number_gives_the_zone_its_prefix_is_used_in(phone, country, zone):
    assert guess(phone=phone, country=country) == Clock(zone, ClockSource.PHONE)


def test_a_given_zone_wins_and_a_fake_one_is_no_zone():
    assert guess(zone="Asia/Tokyo", phone="+1 212 736 0101", country="US") == Clock("Asia/Tokyo", ClockSource.EXPLICIT)
    assert guess(zone="localtime", country="DE") == Clock("Europe/Berlin", ClockSource.COUNTRY)


@pytest.mark.parametrize(
    ("country", "region", "city", "zone"),
    [
        ("US", "Texas", "", "America/Chicago"),
        ("US", "TX", "Austin", "America/Chicago"),
        ("US", "CA", "San Francisco", "America/Los_Angeles"),
        ("US", "OR", "Portland", "America/Los_Angeles"),
        ("US", "Maine", "Portland", "America/New_York"),
        ("US", "Hawaii", "", "Pacific/Honolulu"),
        ("CA", "BC", "", "America/Vancouver"),
        ("CA", "Ontario", "", "America/Toronto"),
        ("AU", "", "Perth", "Australia/Perth"),
        ("BR", "", "São Paulo", "America/Sao_Paulo"),
        ("RU", "", "Novosibirsk", "Asia/Novosibirsk"),
    ],
)
def test_the_state_or_city_says_which_zone_where_the_country_spans_several(country, region, city, zone):
    assert guess(country=country, region=region, city=city) == Clock(zone, ClockSource.REGION)


def test_a_country_that_keeps_one_time_gives_its_zone():
    assert guess(country="DE") == Clock("Europe/Berlin", ClockSource.COUNTRY)
    assert guess(country="GB") == Clock("Europe/London", ClockSource.COUNTRY)
    assert guess(country="KZ") == Clock("Asia/Almaty", ClockSource.COUNTRY)  # one time since 2024, five zone names


def test_a_country_that_spans_zones_with_nothing_narrower_takes_its_main_zone_and_says_it_is_a_guess():
    assert guess(country="US") == Clock("America/New_York", ClockSource.COUNTRY_GUESS)
    assert guess(country="AU") == Clock("Australia/Sydney", ClockSource.COUNTRY_GUESS)
    assert guess(phone="+7 912 345 6789") == Clock("Europe/Moscow", ClockSource.COUNTRY_GUESS)  # a mobile: all Russia


def test_the_reps_zone_is_the_last_resort_and_only_inside_the_leads_country():
    assert guess() == Clock(BERLIN_REP, ClockSource.REP)
    assert clock_guess(country="US", fallback="America/Chicago") == Clock("America/Chicago", ClockSource.REP)
    assert guess(country="US").zone in country_zones("US")


def test_a_contact_has_a_clock_of_their_own_only_from_their_zone_phone_or_country():
    assert contact_clock(phone="+44 20 7123 0001") == Clock("Europe/London", ClockSource.PHONE)
    assert contact_clock(phone="020 7123 0001", prospect_country="GB") == Clock("Europe/London", ClockSource.PHONE)
    assert contact_clock(country="JP") == Clock("Asia/Tokyo", ClockSource.COUNTRY)
    assert contact_clock(phone="") is None
    assert contact_clock(country="US") is None  # which of its zones: the prospect's clock says


def test_a_company_is_on_the_clock_most_of_its_contacts_share_and_a_guess_never_outvotes_them():
    london, tokyo = Clock("Europe/London", ClockSource.PHONE), Clock("Asia/Tokyo", ClockSource.EXPLICIT)
    fallback = Clock("Europe/London", ClockSource.COUNTRY)

    assert clock_shared([tokyo, london, london], fallback=fallback) == london
    assert clock_shared([], fallback=fallback) == fallback
    assert clock_shared([Clock("Asia/Tokyo", ClockSource.REP)], fallback=fallback) == fallback
