"""The mailbox page's "Save and test the connection", pressed in real Chromium at a laptop and a phone size: the
test runs in a real Celery worker against Dovecot and the SMTP server, and the page shows its result by itself; a
host Pursuit does not connect to is refused next to its field. Screenshots: artifacts/screenshots/mailbox_*.png."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import User
from demo.seed import demo_data_seed
from devserver.mailservers import PASSWORD
from mailroom.models import Mailbox
from tests.browser.helpers import log_in


@pytest.fixture
def alex(working_day, transactional_db):
    """The demo team's Alex, tasks going to the queue (not run inline): the worker is the one that tests."""
    demo_data_seed(now=timezone.now())
    return User.objects.get(username="alex")


SIZES = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def fill_mailbox(page, mail, address: str, *, smtp_host: str = "127.0.0.1") -> None:
    page.get_by_label("Your email address").fill(address)
    page.get_by_label("SMTP server (outgoing)").fill(smtp_host)
    page.get_by_label("SMTP port").fill(str(mail.smtp_port))
    page.get_by_label("SMTP security").select_option("none")
    page.get_by_label("SMTP user name").fill(address)
    page.get_by_label("SMTP password").fill(PASSWORD)
    page.get_by_label("IMAP server (incoming)").fill("127.0.0.1")
    page.get_by_label("IMAP port").fill(str(mail.imap_port))
    page.get_by_label("IMAP security").select_option("none")
    page.get_by_label("IMAP user name").fill(address)
    page.get_by_label("IMAP password").fill(PASSWORD)


@pytest.mark.parametrize("size", SIZES)
def test_save_and_test_runs_in_a_worker_and_the_page_shows_what_it_found(
    browser,
    shot,
    live_server,
    alex,
    celery_worker_process,
    mail,
    addresses,
    size,
):
    address = mail.add_user(addresses("rep"))
    page = browser.new_page(viewport=SIZES[size])
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/mailbox/")
    fill_mailbox(page, mail, address)

    page.get_by_role("button", name="Save and test the connection").click()

    results = page.locator("#mailbox-check")
    expect(results).to_contain_text("✓ SMTP: logged in.", timeout=30_000)
    expect(results).to_contain_text("✓ IMAP: logged in, folders found.")
    results.scroll_into_view_if_needed()
    shot(page, f"mailbox_tested_{size}")
    mailbox = Mailbox.objects.get(user=alex)
    assert mailbox.smtp_host == "127.0.0.1" and mailbox.check_finished_at is not None
    assert "Task mailroom.tasks.mailbox_test_run[" in celery_worker_process.output()


@pytest.mark.parametrize("size", SIZES)
def test_a_cloud_metadata_address_is_refused_next_to_the_smtp_server_field(
    browser,
    shot,
    live_server,
    demo_rep,
    mail,
    addresses,
    size,
):
    page = browser.new_page(viewport=SIZES[size])
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/mailbox/")
    fill_mailbox(page, mail, addresses("rep"), smtp_host="169.254.169.254")

    page.get_by_role("button", name="Save and test the connection").click()

    field = page.locator("div:has(> #id_smtp_host)")
    expect(field).to_contain_text("Pursuit does not connect there")
    field.scroll_into_view_if_needed()
    shot(page, f"mailbox_refused_{size}")
    assert not Mailbox.objects.filter(user=demo_rep, smtp_host="169.254.169.254").exists()
