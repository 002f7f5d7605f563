"""Mailboxes connected by OAuth, against real servers: the tests' authorization server (Authlib, devserver/
oauthserver.py), Dovecot checking XOAUTH2 logins at its introspection endpoint, and the SMTP server doing the same.
Connect, send, read; the access token expires and is refreshed; the grant is revoked and the mailbox asks to be
connected again, losing nothing; consent refused, a state that is not ours, a provider that does not answer, a
Microsoft tenant with SMTP AUTH off; the keys rotated; the grant revoked on disconnect."""

from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import TestCase
from django.utils import timezone

from devserver.mailservers import free_port
from devserver.oauthserver import CLIENT_ID, CLIENT_SECRET, SCOPE
from mailroom.models import Mailbox, OutboundEmail
from mailroom.oauth import OAuthProblem, oauth_connect_finish, oauth_connect_start
from mailroom.secrets import secret_decrypt
from mailroom.services.listening import mailbox_sync
from mailroom.services.mailboxes import mailbox_disconnect, mailbox_keys_rotate
from mailroom.services.outbox import RECONNECT_WAIT, email_send
from mailroom.transport import MailServerError, mailbox_check, smtp_send, smtp_session
from tests.factories import UserFactory
from tests.mailroom.helpers import email_queued, lead_with_email_next

pytestmark = pytest.mark.django_db(transaction=True)
CALLBACK = "http://127.0.0.1:8000/mailbox/oauth/callback/"


def provider_settings(mail, **overrides) -> dict:
    return {
        "test": {
            "label": "TestMail",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            **{k: v for k, v in mail.oauth.endpoints.items() if k != "introspection_url"},
            "scope": SCOPE,
            "authorize_params": {},
            "imap": ("127.0.0.1", mail.imap_port, "none"),
            "smtp": ("127.0.0.1", mail.smtp_port, "none"),
            **overrides,
        }
    }


@pytest.fixture
def provider(settings, mail):
    settings.MAIL_OAUTH_PROVIDERS = provider_settings(mail)
    yield mail.oauth
    mail.smtp_auth_disabled = False


def consent(url: str, user: str, *, allow: bool = True) -> dict[str, str]:
    """What the rep does on the provider's page, and where the browser is sent back: the callback's query."""
    page = requests.get(url, timeout=5)
    assert page.status_code == 200 and "Allow" in page.text
    answer = requests.post(
        url, data={"user": user, "consent": "allow" if allow else "deny"}, allow_redirects=False, timeout=5
    )
    location = answer.headers["Location"]
    assert location.startswith(CALLBACK)
    return {key: values[-1] for key, values in parse_qs(urlsplit(location).query).items()}


def connected(mail, address: str, *, user=None) -> Mailbox:
    mail.add_user(address)
    user = user or UserFactory(email=address)
    url, kept = oauth_connect_start(provider_name="test", redirect_uri=CALLBACK, login_hint=address)
    return oauth_connect_finish(user=user, kept=kept, returned=consent(url, address), now=timezone.now())


def test_a_mailbox_connected_by_oauth_logs_in_with_tokens_sends_and_reads(provider, mail, addresses):
    mailbox = connected(mail, addresses("rep"))

    assert (mailbox.oauth_provider, mailbox.imap_host, mailbox.smtp_port) == ("test", "127.0.0.1", mail.smtp_port)
    assert mailbox.smtp_password_encrypted == b"" and mailbox.imap_password_encrypted == b""
    token = provider.tokens_of(mailbox.from_address)[0]
    assert token.refresh_token.encode() not in bytes(mailbox.oauth_refresh_encrypted)  # encrypted at rest
    assert secret_decrypt(mailbox.oauth_refresh_encrypted) == token.refresh_token
    smtp, imap = mailbox_check(mailbox)  # end to end: a message to itself, sent, read back and deleted
    assert (smtp.ok, imap.ok) == (True, True)
    assert imap.said == "IMAP: logged in, and the test message was read back."
    assert mail.messages(mailbox.from_address) == []

    dana = mail.add_user(addresses("dana"))
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = mailbox.from_address, dana, "Rates"
    message.set_content("Hi Dana")
    with smtp_session(mailbox) as client:
        smtp_send(client, message)
    assert len(mail.messages(dana)) == 1

    mail.deliver(b"From: someone@outside.test\r\nSubject: hello\r\n\r\nHi\r\n", to=mailbox.from_address)
    mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())
    mailbox.refresh_from_db()
    assert mailbox.sync_error == "" and mailbox.last_uid >= 1


def test_an_expired_access_token_is_refreshed_before_the_next_login(provider, mail, addresses):
    mailbox = connected(mail, addresses("rep"))
    first = secret_decrypt(mailbox.oauth_access_encrypted)
    provider.expire_access_tokens(mailbox.from_address)
    Mailbox.objects.filter(pk=mailbox.pk).update(oauth_expires_at=timezone.now())  # as the clock would say
    mailbox.refresh_from_db()

    assert [result.ok for result in mailbox_check(mailbox)] == [True, True]

    mailbox.refresh_from_db()
    assert secret_decrypt(mailbox.oauth_access_encrypted) != first
    assert mailbox.oauth_expires_at > timezone.now()


def test_a_revoked_grant_asks_the_rep_to_connect_again_and_queued_email_waits_and_says_why(
    provider, mail, addresses, team
):
    mailbox = connected(mail, addresses("rep"), user=UserFactory(team=team))
    prospect, dana, follow_up = lead_with_email_next(mailbox.user, to=mail.add_user(addresses("dana")))
    with TestCase.captureOnCommitCallbacks(execute=False):
        outbound = email_queued(follow_up, subject="Rates")
    provider.revoke_grant(mailbox.from_address)
    Mailbox.objects.filter(pk=mailbox.pk).update(oauth_expires_at=timezone.now())

    assert email_send(outbound_id=outbound.pk, now=timezone.now()) == "waiting"

    mailbox.refresh_from_db()
    outbound.refresh_from_db()
    assert mailbox.reconnect_since is not None and "connect it again" in mailbox.reconnect_reason
    assert (outbound.state, outbound.wait_reason) == (OutboundEmail.State.WAITING, RECONNECT_WAIT)
    assert mail.messages(dana.email) == []
    mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())  # reading waits too, without a call to the provider
    mailbox.refresh_from_db()
    assert "connect it again" in mailbox.sync_error

    # Connected again: the waiting email goes.
    again = connected(mail, mailbox.from_address, user=mailbox.user)
    assert again.pk == mailbox.pk and again.reconnect_since is None
    assert email_send(outbound_id=outbound.pk, now=timezone.now()) == "sent"
    assert len(mail.messages(dana.email)) == 1


def test_consent_refused_a_foreign_state_and_an_unreachable_provider_each_say_so_and_change_nothing(
    provider, settings, mail, addresses
):
    address = mail.add_user(addresses("rep"))
    rep = UserFactory(email=address)

    url, kept = oauth_connect_start(provider_name="test", redirect_uri=CALLBACK)
    with pytest.raises(OAuthProblem, match="You did not allow Pursuit"):
        oauth_connect_finish(user=rep, kept=kept, returned=consent(url, address, allow=False), now=timezone.now())

    url, kept = oauth_connect_start(provider_name="test", redirect_uri=CALLBACK)
    returned = consent(url, address)
    with pytest.raises(OAuthProblem, match="did not start here"):
        oauth_connect_finish(user=rep, kept={**kept, "state": "another"}, returned=returned, now=timezone.now())
    with pytest.raises(OAuthProblem, match="did not start here"):
        oauth_connect_finish(user=rep, kept=None, returned=returned, now=timezone.now())

    settings.MAIL_OAUTH_PROVIDERS = provider_settings(mail, token_url=f"http://127.0.0.1:{free_port()}/token")
    url, kept = oauth_connect_start(provider_name="test", redirect_uri=CALLBACK)
    with pytest.raises(OAuthProblem, match="could not be reached"):
        oauth_connect_finish(user=rep, kept=kept, returned=consent(url, address), now=timezone.now())

    assert not Mailbox.objects.filter(user=rep).exists()


def test_a_tenant_with_smtp_auth_off_is_told_what_its_admin_must_change(provider, mail, addresses):
    mailbox = connected(mail, addresses("rep"))
    mail.smtp_auth_disabled = True

    with pytest.raises(MailServerError, match="turned off sending from apps"), smtp_session(mailbox):
        pass
    smtp, imap = mailbox_check(mailbox)
    assert not smtp.ok and "Authenticated SMTP" in smtp.said and imap.ok


def test_rotating_the_keys_keeps_the_tokens_readable(provider, settings, mail, addresses):
    mailbox = connected(mail, addresses("rep"))
    old_key = settings.MAIL_ENCRYPTION_KEYS[0]
    settings.MAIL_ENCRYPTION_KEYS = ["cm90YXRlZC1rZXktZm9yLXRlc3RzLW9ubHktMDAwMDA=", old_key]

    assert mailbox_keys_rotate() >= 1
    settings.MAIL_ENCRYPTION_KEYS = settings.MAIL_ENCRYPTION_KEYS[:1]

    mailbox.refresh_from_db()
    assert [result.ok for result in mailbox_check(mailbox)] == [True, True]


def test_disconnecting_revokes_the_grant_at_the_provider(provider, mail, addresses):
    mailbox = connected(mail, addresses("rep"))

    mailbox_disconnect(user=mailbox.user)

    assert not Mailbox.objects.filter(pk=mailbox.pk).exists()
    assert all(token.revoked for token in provider.tokens_of(mailbox.from_address))


def test_a_manager_sees_on_the_reps_page_whose_mailbox_must_be_connected_again(client, provider, mail, addresses, team):
    from tests.factories import ManagerFactory

    mailbox = connected(mail, addresses("rep"), user=UserFactory(team=team))
    Mailbox.objects.filter(pk=mailbox.pk).update(reconnect_since=timezone.now(), reconnect_reason="revoked")
    client.force_login(ManagerFactory(team=team))

    page = client.get(f"/dashboard/teams/{team.pk}/reps/").content.decode()

    assert "Mailbox must be connected again" in page


def test_with_no_client_configured_no_provider_is_offered(client, settings):
    settings.MAIL_OAUTH_PROVIDERS = {"google": {"label": "Google", "client_id": "", "authorize_url": "x"}}
    client.force_login(UserFactory())

    page = client.get("/mailbox/").content.decode()

    assert "Connect Google" not in page
    assert client.post("/mailbox/oauth/google/").status_code == 302  # back to the page, saying it is not set up


def test_the_address_comes_from_the_id_token_when_the_provider_gives_one():
    import base64
    import json

    from mailroom.oauth import _address_in_id_token

    claims = base64.urlsafe_b64encode(json.dumps({"preferred_username": "Sam@Contoso.example"}).encode()).decode()
    assert _address_in_id_token({"id_token": f"e30.{claims.rstrip('=')}.sig"}) == "sam@contoso.example"
    assert _address_in_id_token({"id_token": "not-a-jwt"}) == ""
    assert _address_in_id_token({}) == ""
