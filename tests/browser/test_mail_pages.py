"""Email in real Chromium, as a demo rep: the mailbox settings page, and the ready email opened from a row of My day
and sent from there, on a laptop and a phone. Screenshots land in artifacts/screenshots/mail_*.png."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cadence.models import FollowUp
from crm.models import User
from demo.seed import demo_data_seed
from mailroom.models import OutboundEmail
from tests.browser.helpers import log_in
from tests.factories import CadenceFactory
from tests.mailroom.helpers import lead_with_email_next

SIZES = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def email_row(working_day, transactional_db, eager_celery, settings) -> FollowUp:
    """Alex (whose demo mailbox sends through Django's mail backend) has a lead whose next attempt is an email."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    demo_data_seed(now=timezone.now())
    alex = User.objects.get(username="alex")
    # The demo team has its default cadence: this one is the lead's own, open all day every day.
    cadence = CadenceFactory(
        team=alex.team, name="All day", is_default=False, windows=[["08:00", "21:00"]], working_weekdays=list(range(7))
    )
    _, _, follow_up = lead_with_email_next(alex, to="ines@inboxfreight.example", cadence=cadence, name="Inbox Freight")
    return follow_up


@pytest.mark.parametrize("size", SIZES)
def test_the_mailbox_page_and_the_ready_email_read_well_on_a_laptop_and_a_phone(
    browser, shot, live_server, email_row, size
):
    page = browser.new_page(viewport=SIZES[size])
    log_in(page, live_server.url)

    if size == "phone":  # on a phone, the pages beyond My day and Focus are in the menu
        page.get_by_text("Menu").click()
    page.get_by_role("link", name="Mailbox").click()
    page.get_by_role("heading", name="Send and read email from Pursuit").wait_for()
    shot(page, f"mail_mailbox_{size}", full_page=True)
    for label in ("SMTP server", "SMTP password", "IMAP server", "IMAP password", "Sent folder"):
        assert page.get_by_label(label, exact=False).count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]  # nothing wider than it

    page.goto(f"{live_server.url}/")
    row = page.locator(f"#follow-up-{email_row.pk}")
    row.locator(".fu-why summary").click()
    subject = row.get_by_label("Subject")
    subject.wait_for()
    assert subject.input_value()  # the team's ready email, filled in
    assert row.get_by_label("Email", exact=True).input_value()
    shot(page, f"mail_editor_{size}")
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]

    row.get_by_role("button", name="Send", exact=True).click()

    row.locator(".email-state").wait_for()
    assert OutboundEmail.objects.filter(follow_up=email_row).count() == 1
    shot(page, f"mail_sent_{size}")
