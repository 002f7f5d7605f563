"""The rep workspace in real Chromium: log in as a demo rep, log a voicemail, see what's next, import a CSV.

Screenshots of each page land in artifacts/screenshots/. Without Debian's chromium the tests skip, except with
CI=true, where they fail.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from crm.models import Prospect
from demo.seed import DEMO_PASSWORD
from touches.models import Touch

# Phones outside the demo's 555-01xx numbers, so no row of this file is already someone's contact.
CSV = (
    "Company Name;First Name;Last Name;Email;Phone Number;Job Title;Country\n"
    "Harbor Crate Co;Nina;Walsh;nina@harborcrate.example;+1 312 555 2101;Logistics lead;US\n"
    "Harbor Crate Co;Omar;Diaz;omar@harborcrate.example;+1 312 555 2102;Buyer;US\n"
    "Broken Row Inc;Pat;Kim;not-an-email;;;US\n"
)


def log_in(page, base_url: str, username: str, shot) -> None:
    page.goto(f"{base_url}/accounts/login/")
    shot(page, "login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


VISIBLE_ROWS = """() => [...document.querySelectorAll('[id^="follow-up-"][data-follow-up]')].filter((row) => {
  const box = row.getBoundingClientRect();
  return box.top >= 0 && box.bottom <= window.innerHeight;
}).length"""


def call_row(page):
    """A planned call of a regular attempt, not a breakup (whose "next" is a wait for the answer)."""
    return page.locator("li.fu-call[data-follow-up]:not([data-done]):not(:has(.chip-kind))").first


def test_a_desktop_screen_shows_at_least_8_follow_ups_and_a_phone_3(browser, shot, live_server, demo_rep):
    desktop = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(desktop, live_server.url, "alex", shot)
    shot(desktop, "my_day")
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    log_in(phone, live_server.url, "alex", shot)
    shot(phone, "my_day_phone")

    assert desktop.evaluate(VISIBLE_ROWS) >= 8
    assert phone.evaluate(VISIBLE_ROWS) >= 3
    assert phone.locator("header.topbar").bounding_box()["height"] <= 64
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone

    # The reason in one line; opened, the row shows the ready message (loaded then) and the ready email.
    first = call_row(desktop)  # a call's row: its ready voicemail message (an email's row opens on its editor)
    first.locator(".fu-why summary").click()
    first.locator(".fu-why-body .fu-message-label").wait_for()
    assert first.locator(".fu-why-body a[href^='mailto:']").count() == 1
    shot(desktop, "my_day_row_details")


def test_one_click_logs_a_call_and_its_voicemail_and_the_row_shows_what_is_next(browser, shot, live_server, demo_rep):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(page, live_server.url, "alex", shot)
    row = call_row(page)
    row_id = row.get_attribute("id")
    prospect_name = row.locator(".fu-prospect").inner_text()
    before = Touch.objects.count()

    row.get_by_role("button", name="No answer, left voicemail").click()  # the one click of the attempt

    swapped = page.locator(f"#{row_id}[data-done]")
    swapped.wait_for()
    assert "✓ No answer, left voicemail" in swapped.inner_text()
    # Whose clock it is on, whichever lead came first: "their time" or, when the zones agree, "your time and theirs".
    assert re.search(r"their time|your time and theirs", swapped.locator(".fu-next").inner_text())
    assert page.url == f"{live_server.url}/"  # swapped in place, no page load
    assert Touch.objects.count() == before + 2  # the call and the voicemail of one attempt
    page.locator("#toast").get_by_text(prospect_name).wait_for()
    shot(page, "my_day_after_log")

    swapped.locator(".fu-prospect").click()
    page.get_by_role("heading", name=prospect_name).wait_for()
    timeline = page.locator("#timeline").inner_text()
    assert "Left voicemail" in timeline and "No answer" in timeline
    shot(page, "prospect")


def test_no_answer_by_one_key_puts_the_voicemail_of_the_attempt_in_place_and_moves_on(
    browser, shot, live_server, lead_at_midday
):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    log_in(page, live_server.url, "alex", shot)
    row = page.locator("li[data-follow-up]", has_text="Daylight Freight")
    row_id = row.get_attribute("id")
    shown_before = set(page.eval_on_selector_all("[data-follow-up]", "rows => rows.map((r) => r.id)"))
    row.focus()

    page.keyboard.press("n")  # one key

    page.locator(f"#{row_id}[data-done]").wait_for()
    following = page.locator(f"#{row_id} + li[data-follow-up]")
    following_id = following.get_attribute("id")
    assert following_id not in shown_before  # planned just now, shown without a reload
    assert "Voicemail" in following.locator(".fu-what").inner_text()
    assert "Daylight Freight" in following.inner_text()
    # The keyboard is on it. (Waited for by locator: wait_for_function polls through eval, which our CSP refuses.)
    expect(page.locator(f"[id='{following_id}']")).to_be_focused()
    shot(page, "my_day_phone_after_no_answer")

    page.keyboard.press("v")  # and one key logs the voicemail left

    page.locator(f"#{following_id}[data-done]").wait_for()
    assert "✓ Left voicemail" in page.locator(f"#{following_id}").inner_text()


def test_undo_from_the_toast_takes_the_log_back_and_restores_the_row(browser, shot, live_server, demo_rep):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(page, live_server.url, "alex", shot)
    row = call_row(page)
    row_id = row.get_attribute("id")
    before = Touch.objects.alive().count()
    row.get_by_role("button", name="No answer", exact=False).first.click()
    page.locator(f"#{row_id}[data-done]").wait_for()
    assert Touch.objects.alive().count() == before + 2

    page.locator("#toast").get_by_role("button", name="Undo").click()

    page.locator("#toast").get_by_text("Undone").wait_for()
    assert Touch.objects.alive().count() == before
    restored = page.locator(
        "li[data-follow-up]:not([data-done])", has=page.get_by_role("button", name="No answer, left voicemail")
    )
    assert restored.count() >= 1
    shot(page, "my_day_after_undo")


def test_not_interested_asks_to_confirm_what_it_stops(browser, shot, live_server, demo_rep):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(page, live_server.url, "alex", shot)
    row = call_row(page)
    row_id = row.get_attribute("id")
    prospect_name = row.locator(".fu-prospect").inner_text()

    row.locator(".fu-more > summary").click()
    row.get_by_role("button", name="Not interested").click()

    confirm = page.locator(f"#{row_id} .confirm-stop")
    confirm.wait_for()
    assert f"Stops every follow-up to {prospect_name}, for good." in confirm.inner_text()
    assert Prospect.objects.get(name=prospect_name).status == Prospect.Status.ACTIVE  # nothing yet
    shot(page, "my_day_confirm_stop")
    confirm.get_by_role("button", name="Stop for good").click()
    page.locator(f"#{row_id}[data-done]").wait_for()
    assert Prospect.objects.get(name=prospect_name).status == Prospect.Status.LOST


def test_focus_mode_shows_one_lead_and_a_log_goes_straight_to_the_next(browser, shot, live_server, demo_rep):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(page, live_server.url, "alex", shot)
    page.get_by_role("link", name="Focus mode").click()
    first = page.locator("#focus-name").inner_text()
    assert page.locator("[data-follow-up]").count() == 1
    shot(page, "focus")

    channel = page.locator(".focus-lead .fu-what .chip").first.inner_text()
    page.keyboard.press({"Email": "i", "Voicemail": "v"}.get(channel, "n"))  # one key, no row to pick first

    expect(page.locator("#focus-name")).not_to_have_text(first)
    assert page.url.startswith(f"{live_server.url}/focus/")
    assert "✓ " in page.locator("#toast").inner_text()
    shot(page, "focus_next")


def test_my_day_and_focus_mode_pass_an_accessibility_check(browser, live_server, demo_rep, shot):
    from pathlib import Path

    axe = Path(__file__).parent / "vendor" / "axe.min.js"
    context = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    page = context.new_page()
    log_in(page, live_server.url, "alex", shot)
    for path in ("/", "/focus/"):
        page.goto(f"{live_server.url}{path}")
        page.add_script_tag(path=str(axe))
        found = page.evaluate(
            "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})).violations"
            ".map((v) => `${v.id}: ${v.nodes.length} × ${v.nodes[0].target}`)"
        )
        assert found == [], f"{path}: {found}"
    # Focus order: Tab from the top reaches the first row's first outcome before anything of the second row.
    page.goto(f"{live_server.url}/")
    first_button = page.locator('[id^="follow-up-"] .outcome').first
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('outcome')"):
            break
    assert page.evaluate("document.activeElement.outerHTML") == first_button.evaluate("el => el.outerHTML")


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
    assert "is not an email address" in page.locator("tr.row-fail").inner_text()
    shot(page, "import_preview")

    page.get_by_role("button", name="Import 1 prospect").click()
    page.get_by_role("heading", name="Imported").wait_for(timeout=20_000)
    shot(page, "import_result")
    assert Prospect.objects.get(name="Harbor Crate Co").contacts.count() == 2
    assert not Prospect.objects.filter(name="Broken Row Inc").exists()
