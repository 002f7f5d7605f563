"""Team setup in real Chromium, as the demo manager: build a cadence and watch the preview follow the form, write a
message with a bad placeholder and fix it, invite a rep who sets a password and logs in, mark a rep away.

Screenshots land in artifacts/screenshots/ (setup_*.png)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from cadence.models import Cadence, Enrollment
from cadence.scheduler import scheduler_sweep
from crm.models import Absence, Team, User
from demo.seed import DEMO_PASSWORD, demo_data_seed


@pytest.fixture
def demo_manager(working_day, transactional_db, settings) -> User:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    demo_data_seed(now=timezone.now())
    return User.objects.get(username="maria")


def log_in(page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


def test_a_manager_builds_a_cadence_and_the_preview_follows_the_windows(browser, shot, live_server, demo_manager):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(page, live_server.url, "maria")
    page.get_by_role("link", name="Team setup").click()
    page.get_by_role("heading", name="Cadences").wait_for()
    shot(page, "setup_cadences")
    page.get_by_role("link", name="New cadence").click()

    page.get_by_label("Name").fill("Three-touch week")
    page.get_by_label("Days between attempts").fill("1, 2")
    page.get_by_label("Minimum attempts").fill("5")
    page.get_by_label("Maximum attempts").fill("6")
    page.get_by_label("Days to wait for an answer after the breakup").fill("3")
    for day in ("Mon", "Tue", "Wed", "Thu", "Fri"):
        page.get_by_label(day, exact=True).check()
    page.get_by_label("Give up (the lead goes dormant)").check()
    # A new cadence starts with the four default windows; "Add a window" (a round trip, no JavaScript needed) keeps
    # what was typed. Keep two: 09:00 and 15:00.
    page.get_by_role("button", name="Add a window").click()
    assert page.get_by_label("From").count() == 5
    assert page.get_by_label("Name").input_value() == "Three-touch week"
    page.get_by_label("From").nth(0).fill("09:00")
    page.get_by_label("To").nth(0).fill("10:00")
    page.get_by_label("From").nth(1).fill("15:00")
    page.get_by_label("To").nth(1).fill("16:00")
    for extra in range(2, 5):
        page.get_by_label("Remove").nth(extra).check()
    page.get_by_label("To").nth(1).dispatch_event("change")
    preview = page.locator("#preview")
    preview.get_by_text("15:00 window").first.wait_for()
    assert "Attempt 6 of 6" in preview.inner_text()
    shot(page, "setup_cadence_preview")

    page.get_by_label("Remove").nth(1).check()
    expect(preview).not_to_contain_text("15:00 window")
    assert "09:00 window" in preview.inner_text()
    shot(page, "setup_cadence_preview_one_window")

    page.get_by_label("Remove").nth(1).uncheck()
    page.get_by_role("button", name="Save cadence").click()
    page.get_by_text("Three-touch week saved").wait_for()
    cadence = Cadence.objects.get(name="Three-touch week")
    assert cadence.windows == [["09:00", "10:00"], ["15:00", "16:00"]]


def test_a_manager_writes_a_message_with_a_bad_placeholder_and_fixes_it(browser, shot, live_server, demo_manager):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(page, live_server.url, "maria")
    team = Team.objects.get(managers=demo_manager)
    page.goto(f"{live_server.url}/dashboard/teams/{team.pk}/messages/")
    shot(page, "setup_messages")
    page.get_by_role("link", name="New message").click()
    page.get_by_label("Theme (the three I's)").select_option("introduction")
    page.get_by_label("Message").fill("Hi {first_name}, meet our customer in {city}.")
    page.get_by_role("button", name="Save message").click()

    error = page.locator(".errorlist").first
    error.wait_for()
    assert "not placeholders" in error.inner_text() and "{contact_first_name}" in error.inner_text()
    shot(page, "setup_message_error")

    page.get_by_label("Message").fill(
        "Hi {contact_first_name}, a customer of ours near {company} would like to meet you."
    )
    page.get_by_role("button", name="Save message").click()
    page.get_by_text("Message saved.").wait_for()


def test_an_invited_rep_sets_a_password_logs_in_and_a_rep_is_marked_away(browser, shot, live_server, demo_manager):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(page, live_server.url, "maria")
    team = Team.objects.get(managers=demo_manager)
    page.goto(f"{live_server.url}/dashboard/teams/{team.pk}/reps/")
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Email").fill("nia@ridgeline.example")
    page.get_by_role("button", name="Send the invitation").click()
    page.get_by_text("Invitation sent to nia@ridgeline.example").wait_for()
    shot(page, "setup_reps")
    # Until she logs in, Nia gets no leads, and the row says so; the invitation can go again (a lost mail).
    nia_row = page.locator("tr", has_text="Nia")
    expect(nia_row).to_contain_text("Invited, not logged in yet: gets no leads")
    nia_row.get_by_role("button", name="Send the invitation again").click()
    page.get_by_text("Invitation sent to nia@ridgeline.example again.").wait_for()
    assert len(mail.outbox) == 2 and "\n    nia\n" in mail.outbox[1].body

    # Alex is away from today for four days: with the team holding an away rep's leads, they are paused.
    alex = User.objects.get(username="alex")
    row = page.locator("tr", has_text="Alex")
    row.get_by_text("Mark away").click()
    today = timezone.now().astimezone(ZoneInfo(demo_manager.timezone)).date()  # the manager's today
    row.get_by_label("Away from").fill(today.isoformat())
    row.get_by_label("Back after").fill((today + dt.timedelta(days=4)).isoformat())
    row.get_by_role("button", name="Save absence").click()
    page.get_by_text("Alex Moreno is marked away").wait_for()
    # A day on, the absence has begun on Alex's clock too, whatever his zone.
    scheduler_sweep(now=timezone.now() + dt.timedelta(days=1))
    assert Absence.objects.get(user=alex).applied_at is not None
    assert not Enrollment.objects.filter(owner=alex, status="active").exists()
    page.reload()
    assert "Away until" in page.locator("tr", has_text="Alex").inner_text()
    shot(page, "setup_reps_away")

    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[1].body).group(1)
    invited = browser.new_page(viewport={"width": 390, "height": 844})
    invited.goto(live_server.url + link)
    shot(invited, "setup_invited_rep_set_password")
    invited.locator("#id_new_password1").fill("a-long-Secret-42")
    invited.locator("#id_new_password2").fill("a-long-Secret-42")
    invited.get_by_role("button", name="Save password").click()
    invited.get_by_text("Password").first.wait_for()
    nia = User.objects.get(email="nia@ridgeline.example")
    log_in(invited, live_server.url, nia.username, "a-long-Secret-42")
    invited.get_by_role("heading", name="My day").wait_for()
    shot(invited, "setup_invited_rep_my_day")
    page.reload()
    expect(page.locator("tr", has_text="Nia")).not_to_contain_text("Invited")
    assert not page.locator("tr", has_text="Nia").get_by_role("button", name="Send the invitation again").count()
