"""A stop Pursuit would not act on by itself (it answers none of our emails and its sender is not verified), confirmed
by the rep in real Chromium at a laptop and a phone size: the button on the lead's page, then the contact opted out.
Screenshots: artifacts/screenshots/mail_confirm_*.png."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mailroom.models import InboundEmail
from mailroom.services.listening import mailbox_sync
from tests.browser.helpers import log_in
from tests.factories import ContactFactory
from tests.mailroom.helpers import lead_with_email_next, rep_with_mailbox

SIZES = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def kept_stop(working_day, transactional_db, eager_celery, mail, addresses, team):
    """Sam's lead whose contact's address sent "unsubscribe" unthreaded, with no Authentication-Results."""
    mailbox = rep_with_mailbox(mail, addresses("rep"), team=team)
    buyer = mail.add_user(addresses("dana"))
    prospect, contact, _ = lead_with_email_next(mailbox.user, to=buyer)
    ContactFactory(prospect=prospect, name="Other Buyer", email="other@acme.test")
    mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())
    date = timezone.now().strftime("%a, %d %b %Y %H:%M:%S +0000")
    mail.deliver(
        f"From: {buyer}\r\nTo: {mailbox.from_address}\r\nSubject: unsubscribe\r\nMessage-ID: <u-1@acme.test>\r\n"
        f"Date: {date}\r\nContent-Type: text/plain\r\n\r\nunsubscribe\r\n".encode(),
        to=mailbox.from_address,
    )
    mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())
    inbound = InboundEmail.objects.get(contact=contact)
    assert inbound.awaiting_confirmation and not contact.do_not_contact
    return mailbox.user, prospect, contact


@pytest.mark.parametrize("size", SIZES)
def test_the_rep_confirms_a_kept_stop_and_that_person_is_opted_out(browser, shot, live_server, kept_stop, size):
    rep, prospect, contact = kept_stop
    page = browser.new_page(viewport=SIZES[size])
    log_in(page, live_server.url, username=rep.username, password="pw")
    page.goto(f"{live_server.url}/prospects/{prospect.pk}/#mail-read")
    read = page.locator("#mail-read")
    expect(read).to_contain_text("its sender is not verified")
    read.scroll_into_view_if_needed()
    shot(page, f"mail_confirm_kept_{size}")

    read.get_by_role("button", name="It is real: act on it").click()

    expect(page.locator("ul.messages")).to_contain_text("Confirmed: Pursuit acted on it.")
    expect(page.locator("#mail-read")).to_contain_text("Confirmed by the rep.")
    expect(page.locator("#mail-read").get_by_role("button", name="It is real: act on it")).to_have_count(0)
    shot(page, f"mail_confirm_done_{size}")
    contact.refresh_from_db()
    prospect.refresh_from_db()
    assert contact.do_not_contact and prospect.status != prospect.Status.DO_NOT_CONTACT
