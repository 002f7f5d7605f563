"""Every lead called on its own clock, however it arrived (an import, the API, a form), and corrected on its page with
the plan following at once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from cadence.models import Enrollment, FollowUp
from cadence.services import enrollments_plan, lead_create
from cadence.services.imports import leads_import_confirm
from crm.clocks import country_zones
from crm.imports import import_preview_build
from crm.models import ClockSource, Contact, Prospect
from tests.api.conftest import client_for
from tests.cadence.helpers import MONDAY_MORNING
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

# A rep in Berlin importing a list from everywhere, with no time zone column.
EXPORT = (
    "Company Name,First Name,Last Name,Email,Phone Number,Country/Region,State/Region,City\n"
    "Empire Freight,Ada,One,,(212) 736-0101,United States,,\n"
    "Bay Freight,Ada,Two,,(415) 555-0102,US,,\n"
    "Lone Star Freight,Ada,Three,ada3@lonestar.example,,US,Texas,Austin\n"
    "Spree Freight,Ada,Four,,030 1234 0104,Deutschland,,\n"
    "Thames Freight,Ada,Five,,020 7123 0105,GB,,\n"
    "Seine Freight,Ada,Six,,01 42 12 01 06,FRA,,\n"
    "Mumbai Freight,Ada,Seven,,+91 98200 12345,India,,\n"
    "Ginza Freight,Ada,Eight,,+81 3-1234-5678,Japan,,\n"
    "Outback Freight,Ada,Nine,ada9@outback.example,,Australia,,Perth\n"
    "Somewhere Freight,Ada,Ten,ada10@somewhere.example,,US,,\n"
)


def _import(user, text: str) -> None:
    preview = import_preview_build(user=user, text=text)
    leads_import_confirm(user=user, text=text, now=MONDAY_MORNING, expected_digest=preview.digest)


def test_an_import_without_a_zone_column_puts_every_prospect_on_a_clock_of_its_own_country_or_phone(
    alice, cadence, django_capture_on_commit_callbacks
):
    alice.timezone = "Europe/Berlin"
    alice.save()

    with django_capture_on_commit_callbacks(execute=False):
        _import(alice, EXPORT)

    clocks = {p.name: (p.timezone, p.timezone_source) for p in Prospect.objects.filter(owner=alice)}
    assert clocks == {
        "Empire Freight": ("America/New_York", ClockSource.PHONE),
        "Bay Freight": ("America/Los_Angeles", ClockSource.PHONE),
        "Lone Star Freight": ("America/Chicago", ClockSource.REGION),
        "Spree Freight": ("Europe/Berlin", ClockSource.PHONE),
        "Thames Freight": ("Europe/London", ClockSource.PHONE),
        "Seine Freight": ("Europe/Paris", ClockSource.PHONE),
        "Mumbai Freight": ("Asia/Kolkata", ClockSource.PHONE),
        "Ginza Freight": ("Asia/Tokyo", ClockSource.PHONE),
        "Outback Freight": ("Australia/Perth", ClockSource.REGION),
        # Nothing narrower than a country of several zones: its main one, said to be a guess, never Berlin.
        "Somewhere Freight": ("America/New_York", ClockSource.COUNTRY_GUESS),
    }
    for prospect in Prospect.objects.filter(owner=alice):
        assert prospect.timezone in country_zones(prospect.country)


def test_one_rows_zone_does_not_become_the_companys_and_each_contact_keeps_its_own(alice, cadence):
    text = (
        "Company,Contact,Email,Phone,Country,Time zone\n"
        "Thames Freight,Kenji Sato,kenji@thames.example,,GB,Asia/Tokyo\n"
        "Thames Freight,Ann Lee,,020 7123 0201,GB,\n"
        "Thames Freight,Bob Ray,,020 7123 0202,GB,\n"
    )

    _import(alice, text)

    company = Prospect.objects.get(name="Thames Freight")
    assert (company.timezone, company.timezone_source) == ("Europe/London", ClockSource.PHONE)
    contacts = dict(Contact.objects.filter(prospect=company).values_list("name", "timezone"))
    assert contacts == {"Kenji Sato": "Asia/Tokyo", "Ann Lee": "Europe/London", "Bob Ray": "Europe/London"}


def test_a_lead_created_through_the_api_with_only_a_country_says_its_clock_is_a_guess_until_a_number_moves_it(
    alice, cadence, client, django_capture_on_commit_callbacks
):
    api = client_for(alice)

    with django_capture_on_commit_callbacks(execute=True):
        body = api.post("/api/v1/prospects/", {"name": "Prairie Freight", "country": "US"}, format="json").json()
    assert (body["timezone"], body["timezone_source"]) == ("America/New_York", "country_guess")
    client.force_login(alice)
    page = client.get(reverse("prospect_detail", args=[body["id"]])).content.decode()
    assert "clock guessed from the country, which spans several zones: check it" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/contacts/", {"prospect": body["id"], "name": "Dana", "phone": "+1 303 555 0199"}, format="json"
        )
    assert response.status_code == 201, response.content

    prospect = Prospect.objects.get(pk=body["id"])
    assert (prospect.timezone, prospect.timezone_source) == ("America/Denver", ClockSource.PHONE)
    planned = FollowUp.objects.get(prospect=prospect, status="planned")
    # Planned again at once: the first call sits in a window on Denver's clock.
    assert planned.due_start.astimezone(ZoneInfo("America/Denver")).hour in (8, 11, 13, 16)
    assert "check it" not in client.get(reverse("prospect_detail", args=[prospect.pk])).content.decode()


def test_a_form_or_api_lead_in_a_country_of_one_zone_is_on_it_and_not_on_the_reps(alice, cadence):
    alice.timezone = "America/Los_Angeles"
    alice.save()

    prospect = lead_create(user=alice, now=MONDAY_MORNING, name="Spree Freight", country="DE")

    assert (prospect.timezone, prospect.timezone_source) == ("Europe/Berlin", ClockSource.COUNTRY)


def test_a_rep_corrects_a_prospects_clock_on_its_page_and_its_next_call_moves_at_once(
    alice, cadence, client, django_capture_on_commit_callbacks
):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        prospect = lead_create(user=alice, now=MONDAY_MORNING, name="Harbor Freight", country="US")
        ContactFactory(prospect=prospect, phone="", email="ops@harbor.example", timezone="")
        enrollment = Enrollment.objects.get(prospect=prospect)
        enrollments_plan(enrollment_ids=[enrollment.pk], now=MONDAY_MORNING)
        client.force_login(alice)

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("prospect_place", args=[prospect.pk]),
                {"country": "United States", "region": "", "city": "", "timezone": "America/Los_Angeles"},
            )

    assert response.status_code == 302
    prospect.refresh_from_db()
    assert (prospect.timezone, prospect.timezone_source) == ("America/Los_Angeles", ClockSource.EXPLICIT)
    planned = FollowUp.objects.get(enrollment=enrollment, status="planned")
    assert planned.due_start.astimezone(ZoneInfo("America/Los_Angeles")).time() == dt.time(8, 0)


def test_a_bad_zone_or_country_on_the_page_is_said_next_to_its_field_and_changes_nothing(alice, cadence, client):
    prospect = lead_create(user=alice, now=MONDAY_MORNING, name="Harbor Freight", country="US")
    client.force_login(alice)

    page = client.post(
        reverse("prospect_place", args=[prospect.pk]),
        {"country": "Atlantis", "timezone": "Mars/Olympus"},
        HTTP_HX_REQUEST="true",
    ).content.decode()

    assert "“Atlantis” is not a country we know" in page and "Mars/Olympus" in page
    prospect.refresh_from_db()
    assert (prospect.country, prospect.timezone) == ("US", "America/New_York")


def test_a_contacts_own_clock_is_corrected_on_the_prospects_page(alice, cadence, client):
    prospect = lead_create(user=alice, now=MONDAY_MORNING, name="Harbor Freight", country="GB")
    contact = ContactFactory(prospect=prospect, phone="+44 20 7123 0301", timezone="Europe/London")
    client.force_login(alice)

    client.post(
        reverse("contact_clock", args=[prospect.pk, contact.pk]), {"country": "Japan", "timezone": "Asia/Tokyo"}
    )

    contact.refresh_from_db()
    assert (contact.country, contact.timezone, contact.timezone_source) == ("JP", "Asia/Tokyo", ClockSource.EXPLICIT)


def test_the_benchs_export_imports_every_prospect_on_a_zone_of_its_own_country(
    alice, cadence, django_capture_on_commit_callbacks
):
    from bench.cases.imports import PLACES, RATES, export_csv
    from crm.models import Team

    alice.timezone = "Europe/Berlin"
    alice.save()
    Team.objects.filter(pk=alice.team_id).update(exchange_rates=RATES)  # as the bench team's manager set them
    companies = 2 * len(PLACES)
    text = export_csv(companies=companies, tag="Clock test").decode()

    with django_capture_on_commit_callbacks(execute=False):
        _import(alice, text)

    prospects = Prospect.objects.filter(name__startswith="Clock test")
    # The export's customers (skipped by their lifecycle stage) and its unreadable country are not imported.
    not_imported = {n for n in range(companies) if n % 20 == 7 or n % 100 == 13}
    assert prospects.count() == companies - len(not_imported)
    assert all(p.timezone in country_zones(p.country) for p in prospects), [
        (p.country, p.timezone) for p in prospects if p.timezone not in country_zones(p.country)
    ]
    assert not prospects.filter(timezone_source=ClockSource.REP).exists()
    # Only Perth's "08 9123" numbers leave a guess: libphonenumber puts "08" in three zones and knows no zone for
    # the finer place it names, so the lead is on Australia's main zone and says "check it".
    guessed = prospects.filter(timezone_source=ClockSource.COUNTRY_GUESS)
    assert set(guessed.values_list("country", flat=True)) <= {"AU"}
