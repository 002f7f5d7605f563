"""Connecting a mailbox by OAuth in real Chromium, as a rep on Google Workspace or Microsoft 365 does: "Connect", the
provider's consent page, back to Pursuit connected and tested by a real Celery worker against Dovecot and the SMTP
server (both checking the token at the tests' authorization server). Refusing consent says so and changes nothing;
a revoked grant shows "Connect your mailbox again" on the mailbox page and on My day. At a laptop and a phone size.
Screenshots: artifacts/screenshots/mailbox_oauth_*.png."""

from __future__ import annotations

import pytest
from django.utils import timezone

from crm.models import User
from demo.seed import demo_data_seed
from mailroom.models import Mailbox
from mailroom.transport import mailbox_check
from tests.browser.helpers import log_in
from tests.mailroom.test_oauth import provider_settings

SIZES = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def alex(working_day, transactional_db, settings, mail):
    demo_data_seed(now=timezone.now())
    settings.MAIL_OAUTH_PROVIDERS = provider_settings(mail)
    return User.objects.get(username="alex")


@pytest.mark.parametrize("size", SIZES)
def test_a_rep_connects_their_mailbox_through_the_providers_consent_page(
    browser, shot, live_server, alex, celery_worker_process, mail, addresses, size
):
    address = mail.add_user(addresses("rep"))
    page = browser.new_page(viewport=SIZES[size])
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/mailbox/")
    shot(page, f"mailbox_oauth_offer_{size}")

    page.get_by_role("button", name="Connect TestMail").click()
    page.get_by_role("heading", name="Pursuit wants to read and send your mail").wait_for()
    page.get_by_label("Account").fill(address)
    shot(page, f"mailbox_oauth_consent_{size}")
    page.get_by_role("button", name="Allow").click()

    page.get_by_text(f"Connected: Pursuit sends and reads as {address}").wait_for()
    page.get_by_text("IMAP: logged in, and the test message was read back.").wait_for(timeout=30_000)
    assert "SMTP: logged in, a test message sent to yourself." in page.locator("#mailbox-check").inner_text()
    shot(page, f"mailbox_oauth_connected_{size}")
    mailbox = Mailbox.objects.get(user=alex)
    assert (mailbox.oauth_provider, mailbox.from_address) == ("test", address)
    assert mailbox.smtp_password_encrypted == b""

    # The rep withdraws Pursuit's access at the provider: the next login finds it refused.
    mail.oauth.revoke_grant(address)
    Mailbox.objects.filter(pk=mailbox.pk).update(oauth_expires_at=timezone.now())
    mailbox.refresh_from_db()
    assert not any(result.ok for result in mailbox_check(mailbox))
    page.goto(f"{live_server.url}/")
    page.get_by_text("Connect your mailbox again").wait_for()
    shot(page, f"mailbox_oauth_reconnect_my_day_{size}")
    page.goto(f"{live_server.url}/mailbox/")
    assert "no longer lets Pursuit use" in page.get_by_role("alert").first.inner_text()
    page.get_by_role("button", name="Reconnect TestMail").click()
    page.get_by_label("Account").fill(address)
    page.get_by_role("button", name="Allow").click()
    page.get_by_text("IMAP: logged in, and the test message was read back.").wait_for(timeout=30_000)
    mailbox.refresh_from_db()
    assert mailbox.reconnect_since is None


def test_refusing_consent_says_so_and_connects_nothing(browser, shot, live_server, alex, mail, addresses):
    address = mail.add_user(addresses("rep"))
    before = Mailbox.objects.filter(user=alex).values().first()  # the demo's mailbox, if any
    page = browser.new_page(viewport=SIZES["laptop"])
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/mailbox/")

    page.get_by_role("button", name="Connect TestMail").click()
    page.get_by_label("Account").fill(address)
    page.get_by_role("button", name="Deny").click()

    page.get_by_text("You did not allow Pursuit to use your TestMail mailbox: nothing was changed.").wait_for()
    shot(page, "mailbox_oauth_refused")
    assert Mailbox.objects.filter(user=alex).values().first() == before


def test_the_mailbox_page_never_shows_the_clients_secret(client, alex):
    from devserver.oauthserver import CLIENT_SECRET

    client.force_login(alex)
    page = client.get("/mailbox/").content.decode()

    assert "Connect TestMail" in page and CLIENT_SECRET not in page
