"""Values as people write them in spreadsheets: every rule with examples, and properties for amounts and countries."""

from __future__ import annotations

from decimal import Decimal

import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.import_values import amount_parse, country_parse, phone_parse, role_from_title


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
    assert amount_parse(written) == (Decimal(value), "")


@pytest.mark.parametrize("written", ["abc", "1,5 Mioo", "-5", "(100)", "12 apples", "1e12", "12..5k"])
def test_a_value_that_is_not_an_amount_is_a_row_error_not_a_silent_zero(written):
    amount, problem = amount_parse(written)
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
    assert amount_parse(written) == (value, "")


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
