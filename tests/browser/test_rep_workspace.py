"""The rep workspace in real Chromium: log in as a demo rep, log a voicemail, see what's next, import a CSV.

Screenshots of each page land in artifacts/screenshots/. Without Debian's chromium the tests skip, except with
CI=true, where they fail.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from cadence.models import Enrollment
from cadence.services import enrollment_create
from crm.models import Prospect, User
from demo.seed import DEMO_PASSWORD, demo_data_seed

CSV = (
    "Company Name;First Name;Last Name;Email;Phone Number;Job Title;Country\n"
    "Harbor Crate Co;Nina;Walsh;nina@harborcrate.example;+1 312 555 0101;Logistics lead;US\n"
    "Harbor Crate Co;Omar;Diaz;omar@harborcrate.example;+1 312 555 0102;Buyer;US\n"
    "Broken Row Inc;Pat;Kim;not-an-email;;;US\n"
)


@pytest.fixture
def demo_rep(transactional_db, eager_celery) -> User:
    """The demo team, with Alex's active prospects enrolled and their first attempts planned inline."""
    now = timezone.now()
    demo_data_seed(now=now)
    alex = User.objects.get(username="alex")
    for prospect in Prospect.objects.filter(owner=alex, status=Prospect.Status.ACTIVE):
        if not Enrollment.objects.filter(prospect=prospect, status__in=Enrollment.OPEN_STATUSES).exists():
            enrollment_create(prospect=prospect, now=now)
    return alex


def log_in(page, base_url: str, username: str, shot) -> None:
    page.goto(f"{base_url}/accounts/login/")
    shot(page, "login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


def test_a_rep_logs_a_voicemail_sees_the_next_follow_up_and_finds_it_in_the_timeline(
    browser, shot, live_server, demo_rep
):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server.url, "alex", shot)
    page.get_by_role("heading", name="My day").wait_for()
    shot(page, "my_day")

    # A regular attempt (not a breakup, whose "next" is a wait for the answer).
    row = page.locator("[data-follow-up]:not(:has(.chip-kind))").first
    row_id = row.get_attribute("id")
    prospect_name = row.locator(".fu-prospect").inner_text()
    row.get_by_role("button", name="Left voicemail").click()

    swapped = page.locator(f"#{row_id}")
    swapped.locator(".fu-result").wait_for()
    next_line = swapped.locator(".fu-next")
    next_line.get_by_text("Next:").wait_for(timeout=10_000)
    assert "their time" in next_line.inner_text()
    assert page.url == f"{live_server.url}/"  # swapped in place, no page load
    shot(page, "my_day_after_voicemail")

    swapped.locator(".fu-prospect").click()
    page.get_by_role("heading", name=prospect_name).wait_for()
    first_touch = page.locator("#timeline .touch").first
    assert "Left voicemail" in first_touch.inner_text()
    assert "Alex Moreno" in first_touch.inner_text()
    shot(page, "prospect")


def test_my_day_works_on_a_phone_with_the_keyboard_shortcut_for_no_answer(browser, shot, live_server, demo_rep):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    log_in(page, live_server.url, "alex", shot)
    shot(page, "my_day_phone")

    page.keyboard.press("j")
    focused = page.evaluate("document.activeElement.id")
    assert focused.startswith("follow-up-")
    page.keyboard.press("n")

    page.locator(f"#{focused} .fu-result").wait_for()
    assert "No answer logged" in page.locator(f"#{focused}").inner_text()


def test_a_rep_imports_a_csv_after_a_preview_with_per_row_errors(browser, shot, live_server, demo_rep, tmp_path):
    upload = tmp_path / "hubspot-export.csv"
    upload.write_text(CSV)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server.url, "alex", shot)

    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Read the file").click()
    page.get_by_role("heading", name="2. Which column is which").wait_for()
    assert page.get_by_label("Company Name").input_value() == "company"
    shot(page, "import_mapping", full_page=True)
    page.get_by_role("button", name="Preview the import").click()
    page.get_by_text("new prospect, from 2 rows").wait_for()
    assert "is not an email address" in page.locator(".row-fail").inner_text()
    shot(page, "import_preview")

    page.get_by_role("button", name="Import 1 prospect").click()
    page.get_by_role("heading", name="Imported").wait_for(timeout=20_000)
    shot(page, "import_result")
    assert Prospect.objects.get(name="Harbor Crate Co").contacts.count() == 2
    assert not Prospect.objects.filter(name="Broken Row Inc").exists()
