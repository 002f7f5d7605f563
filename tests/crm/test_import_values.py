"""Values as people write them in spreadsheets: every rule with examples, and properties for amounts and countries."""

from __future__ import annotations

from decimal import Decimal

import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.import_values import country_parse, money_parse, phone_parse, role_from_title, timezone_parse


@pytest.mark.parametrize(
    ("written", "code"),
    [("United States", "US"), ("Deutschland", "DE"), ("US", "US"), ("DEU", "DE"), ("germany", "DE"),
     ("Frankreich", "FR"), ("España", "ES"), ("UK", "GB"), ("Côte d’Ivoire", "CI"), ("  usa ", "US")],
)  # fmt: skip
def test_countries_by_code_name_or_local_name_become_iso_codes(written, code):
    assert country_parse(written) == (code, "")


def test_a_country_we_cannot_tell_is_a_row_error_and_blank_is_no_country():
    assert country_parse("Narnia")[0] == "" and "not a country we know" in country_parse("Narnia")[1]
    assert country_parse("") == ("", "")


@given(st.sampled_from(list(pycountry.countries)), st.sampled_from(["alpha_2", "alpha_3", "name"]), st.booleans())
def test_every_iso_country_is_read_back_from_its_codes_and_name(country, attribute, shout):
    written = getattr(country, attribute)
    assert country_parse(written.upper() if shout else written.lower())[0] == country.alpha_2


@pytest.mark.parametrize(
    ("written", "value"),
    [("$12,000.00", "12000.00"), ("12.000,00 EUR", "12000.00"), ("12 000", "12000.00"), ("1.250.000", "1250000.00"),
     ("99.99", "99.99"), ("12,5", "12.50"), ("€ 3.500", "3500.00"), ("CHF 1'250.50", "1250.50"), ("0", "0.00")],
)  # fmt: skip
def test_amounts_with_currency_symbols_and_thousands_separators_parse(written, value):
    assert money_parse(written)[0::2] == (Decimal(value), "")


@pytest.mark.parametrize("written", ["abc", "1,5 Mioo", "-5", "(100)", "12 apples", "1e12", "12..5k"])
def test_a_value_that_is_not_an_amount_is_a_row_error_not_a_silent_zero(written):
    amount, _, problem = money_parse(written)
    assert amount is None and problem


@given(
    st.decimals(min_value=0, max_value=Decimal("999999999.99"), places=2), st.sampled_from(["us", "eu", "ch", "plain"])
)
def test_an_amount_written_the_us_or_european_way_reads_back_the_same(value, style):
    whole, cents = f"{value:.2f}".split(".")
    groups = f"{int(whole):,}"
    written = {
        "us": f"${groups}.{cents}",
        "eu": f"{groups.replace(',', '.')},{cents} EUR",
        "ch": f"CHF {groups.replace(',', chr(39))}.{cents}",
        "plain": f"{whole}.{cents}",
    }[style]
    assert money_parse(written)[0::2] == (value, "")


@pytest.mark.parametrize(
    ("title", "role"),
    [("VP Sales", "decision_maker"), ("Head of Logistics", "decision_maker"),
     ("Director, Operations", "decision_maker"), ("Owner", "decision_maker"), ("CEO", "decision_maker"),
     ("Purchasing Buyer", "decision_maker"),
     ("Logistics Manager", "influencer"), ("Executive Assistant", "assistant"), ("Receptionist", "receptionist"),
     ("Intern", "other"), ("", "other")],
)  # fmt: skip
def test_a_contacts_role_is_guessed_from_the_title(title, role):
    assert role_from_title(title) == role


def test_phones_are_normalised_for_the_prospects_country():
    assert phone_parse("030 1234567", country="DE") == ("+49 30 1234567", "")
    assert phone_parse("(212) 555-0199", country="US") == ("+1 212-555-0199", "")
    assert phone_parse("+44 20 7946 0958", country="") == ("+44 20 7946 0958", "")
    assert phone_parse("12", country="US")[0] == ""
    assert phone_parse("555 0100 22", country="") == ("555 0100 22", "")  # no country to read it by: as written


@pytest.mark.parametrize(
    ("written", "code"),
    [("The Netherlands", "NL"), ("Turkey", "TR"), ("Türkiye", "TR"), ("Россия", "RU"), ("ドイツ", "DE"),
     ("Қазақстан", "KZ"), ("Казахстан", "KZ"), ("ＵＳＡ", "US"), ("Brasil", "BR"), ("Schweiz", "CH"), ("中国", "CN"),
     ("Estados Unidos", "US"), ("Royaume-Uni", "GB")],
)  # fmt: skip
def test_countries_in_other_languages_and_scripts_are_read_by_cldrs_names(written, code):
    assert country_parse(written) == (code, "")


@pytest.mark.parametrize(
    ("written", "value", "currency"),
    [("R$ 12.000", "12000.00", "BRL"), ("Fr. 1'200", "1200.00", "CHF"), ("AED 40,000", "40000.00", "AED"),
     ("12k", "12000.00", "USD"), ("1.2M", "1200000.00", "USD"), ("1,5 Mio", "1500000.00", "USD"),
     ("¥1,275,000", "1275000.00", "JPY"), ("€ 3.500", "3500.00", "EUR"), ("８０００", "8000.00", "USD"),
     ("2,5 Mrd", "2500000000.00", "USD"), ("£9,500", "9500.00", "GBP"), ("JPY 1500000", "1500000.00", "JPY")],
)  # fmt: skip
def test_amounts_keep_the_currency_they_are_written_in(written, value, currency):
    assert money_parse(written, team_currency="USD") == (Decimal(value), currency, "")


def test_a_bare_dollar_is_the_teams_own_dollar_and_a_bare_number_the_teams_currency():
    assert money_parse("$12,000", team_currency="CAD")[1] == "CAD"
    assert money_parse("$12,000", team_currency="EUR")[1] == "USD"
    assert money_parse("12 000", team_currency="EUR")[1] == "EUR"


@pytest.mark.parametrize(
    ("written", "zone"),
    [("(GMT+01:00) Berlin", "Europe/Berlin"), ("(UTC-05:00) Eastern Time (US & Canada)", "America/New_York"),
     ("europe/berlin", "Europe/Berlin"), ("(UTC+09:00) Osaka, Sapporo, Tokyo", "Asia/Tokyo"),
     ("UTC+5:30", "Asia/Kolkata"), ("GMT+1", "Etc/GMT-1"), ("GMT-3", "Etc/GMT+3"), ("New York", "America/New_York"),
     ("PST", "America/Los_Angeles"), ("(GMT+06:00) Astana", "Asia/Almaty"), ("Pacific Time", "America/Los_Angeles")],
)  # fmt: skip
def test_zones_are_read_by_their_city_names_and_offsets(written, zone):
    assert timezone_parse(written) == (zone, "")


def test_a_zone_we_cannot_read_says_how_to_write_one():
    assert timezone_parse("Narnia standard") == (
        "",
        "“Narnia standard” is not a time zone we know; write it like Europe/Berlin or (GMT+01:00) Berlin.",
    )


def test_full_width_digits_in_a_japanese_phone_number_are_read():
    assert phone_parse("０３－１２３４－５６７８", country="JP") == ("+81 3-1234-5678", "")
