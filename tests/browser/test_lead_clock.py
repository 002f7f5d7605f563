"""A lead whose clock is a guess, corrected on its page in real Chromium, at a laptop and a phone size: the row on My
day says "check it", the rep types the zone and presses Save, and the next call moves to the new clock at once.

Screenshots land in artifacts/screenshots/ (clock_*.png)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cadence.models import Enrollment, FollowUp
from cadence.services import enrollments_plan, lead_create
from crm.models import ClockSource, Prospect, User
from demo.seed import demo_data_seed
from tests.browser.helpers import log_in
from tests.factories import ContactFactory


@pytest.fixture
def guessed_lead(working_day, transactional_db) -> Prospect:
    """Alex's new lead in the US with nothing narrower than its country: on his clock, said to be a guess."""
    now = timezone.now()
    demo_data_seed(now=now)
    alex = User.objects.get(username="alex")
    prospect = lead_create(user=alex, now=now, name="Sierra Crate Co", country="US")
    ContactFactory(prospect=prospect, name="Rosa Vega", phone="", email="rosa@sierracrate.example", timezone="")
    enrollments_plan(enrollment_ids=[Enrollment.objects.get(prospect=prospect).pk], now=now)
    assert prospect.timezone_source == ClockSource.REP  # Alex works on a US clock: his, said to be a guess
    return prospect


@pytest.mark.parametrize(("size", "viewport"), [("laptop", (1366, 900)), ("phone", (390, 844))])
def test_a_rep_sets_a_guessed_clock_on_the_lead_page_and_the_next_call_follows_it(
    browser, shot, live_server, guessed_lead, size, viewport
):
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/prospects/{guessed_lead.pk}/")
    place = page.locator("#place")
    expect(place).to_contain_text("Clock guessed from the rep: check it")
    place.scroll_into_view_if_needed()
    shot(page, f"clock_guessed_{size}")

    zone_field = place.get_by_label("Time zone")
    zone_field.click()
    zone_field.press_sequentially("America/Denver")
    place.get_by_label("State or region").fill("Colorado")
    place.get_by_role("button", name="Save where they are").click()

    expect(page.locator("ul.messages")).to_contain_text("is on America/Denver: the plan follows its clock.")
    expect(page.locator(".facts")).to_contain_text("US · America/Denver")
    expect(page.locator("#place")).not_to_contain_text("check it")
    expect(page.locator(".planned")).to_contain_text("their time")
    shot(page, f"clock_set_{size}")
    guessed_lead.refresh_from_db()
    assert (guessed_lead.timezone, guessed_lead.timezone_source, guessed_lead.region) == (
        "America/Denver",
        ClockSource.EXPLICIT,
        "Colorado",
    )
    planned = FollowUp.objects.get(prospect=guessed_lead, status="planned")
    assert planned.due_start.astimezone(ZoneInfo("America/Denver")).hour in (8, 11, 13, 16)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport[0]


def test_a_bad_zone_typed_on_the_page_is_said_next_to_its_field_and_changes_nothing(
    browser, shot, live_server, guessed_lead
):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/prospects/{guessed_lead.pk}/")
    place = page.locator("#place")

    place.get_by_label("Time zone").fill("Mars/Olympus")
    place.get_by_role("button", name="Save where they are").click()

    expect(page.locator("#place .error")).to_contain_text("Mars/Olympus")
    shot(page, "clock_bad_zone")
    before = guessed_lead.timezone
    guessed_lead.refresh_from_db()
    assert (guessed_lead.timezone, guessed_lead.timezone_source) == (before, ClockSource.REP)
