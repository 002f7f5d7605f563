"""Mailboxes connected by OAuth 2.0 (Google Workspace, Microsoft 365): neither takes a password for IMAP or SMTP
any more. Authlib is the client: the authorization code flow with PKCE (RFC 7636) and a `state` kept in the rep's
session, then IMAP and SMTP log in with the access token (XOAUTH2), refreshed in the worker before it runs out.

1. `oauth_connect_start`: the provider's consent page address, and what the session keeps to check the return.
2. `oauth_connect_finish`: back from the provider, the state checked, the code exchanged, the address read from
   the provider's userinfo, the mailbox saved with the provider's servers and the tokens encrypted.
3. `oauth_access_token`: a valid access token for a login, refreshed when it has under REFRESH_BEFORE left. A
   refused grant (`invalid_grant`: revoked, expired, password changed) puts the mailbox in "reconnect": nothing
   is sent or read, nothing is lost, and every page that matters says so.
4. `oauth_disconnect`: the grant revoked at the provider where it can be, and the mailbox deleted.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from base64 import urlsafe_b64decode
from dataclasses import dataclass, field
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from crm.models import User
from mailroom.models import Mailbox
from mailroom.secrets import secret_decrypt, secret_encrypt

logger = logging.getLogger(__name__)
REFRESH_BEFORE = dt.timedelta(minutes=5)
# What an email waiting for the rep to reconnect says (mailroom.services.outbox); reconnecting sends them at once.
RECONNECT_WAIT = "Waits: your mailbox must be connected again (Mailbox page). Nothing is lost."
HTTP_TIMEOUT = 10


class OAuthProblem(Exception):
    """A connection that did not happen, said the way a rep can act on it."""


class ReconnectNeeded(OAuthProblem):
    """The provider refused the grant: the rep must connect the mailbox again."""


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    client_id: str
    client_secret: str = field(repr=False)  # never in a page, a log or a repr
    authorize_url: str
    token_url: str
    revoke_url: str
    userinfo_url: str
    scope: str
    authorize_params: dict[str, str]
    imap: tuple[str, int, str]
    smtp: tuple[str, int, str]


def oauth_providers() -> dict[str, Provider]:
    """The providers this install has a client for, by name (settings.MAIL_OAUTH_PROVIDERS)."""
    found = {}
    for name, config in getattr(settings, "MAIL_OAUTH_PROVIDERS", {}).items():
        if config.get("client_id"):
            found[name] = Provider(
                name=name,
                label=config.get("label", name.title()),
                client_id=config["client_id"],
                client_secret=config.get("client_secret", ""),
                authorize_url=config["authorize_url"],
                token_url=config["token_url"],
                revoke_url=config.get("revoke_url", ""),
                userinfo_url=config["userinfo_url"],
                scope=config["scope"],
                authorize_params=dict(config.get("authorize_params", {})),
                imap=tuple(config["imap"]),  # type: ignore[arg-type]
                smtp=tuple(config["smtp"]),  # type: ignore[arg-type]
            )
    return found


def _provider(name: str) -> Provider:
    provider = oauth_providers().get(name)
    if provider is None:
        raise OAuthProblem("This kind of mailbox is not set up on this Pursuit: ask the person who runs it.")
    return provider


def _session(provider: Provider, *, redirect_uri: str = "", token: dict[str, Any] | None = None) -> OAuth2Session:
    return OAuth2Session(
        provider.client_id,
        provider.client_secret,
        scope=provider.scope,
        redirect_uri=redirect_uri or None,
        code_challenge_method="S256",
        token=token,
        timeout=HTTP_TIMEOUT,
    )


def oauth_connect_start(*, provider_name: str, redirect_uri: str, login_hint: str = "") -> tuple[str, dict[str, str]]:
    """(the consent page's address, what the rep's session keeps until they come back)."""
    provider = _provider(provider_name)
    verifier = generate_token(64)
    params = dict(provider.authorize_params)
    if login_hint:
        params["login_hint"] = login_hint
    url, state = _session(provider, redirect_uri=redirect_uri).create_authorization_url(
        provider.authorize_url, code_verifier=verifier, **params
    )
    return url, {"provider": provider.name, "state": state, "verifier": verifier, "redirect_uri": redirect_uri}


def oauth_connect_finish(
    *, user: User, kept: dict[str, str] | None, returned: dict[str, str], now: dt.datetime
) -> Mailbox:
    """The rep is back from the consent page: check it is the flow this session started, exchange the code, learn
    the address, save the mailbox. Every failure says what happened and changes nothing."""
    if not kept or not returned.get("state") or returned.get("state") != kept.get("state"):
        raise OAuthProblem("This sign-in did not start here (or it was started twice): click Connect again.")
    provider = _provider(kept["provider"])
    if returned.get("error"):
        if returned["error"] == "access_denied":
            raise OAuthProblem(f"You did not allow Pursuit to use your {provider.label} mailbox: nothing was changed.")
        raise OAuthProblem(f"{provider.label} said: {returned.get('error_description') or returned['error']}"[:300])
    if not returned.get("code"):
        raise OAuthProblem(f"{provider.label} sent no authorization: click Connect again.")
    session = _session(provider, redirect_uri=kept["redirect_uri"])
    try:
        token = session.fetch_token(
            provider.token_url, code=returned["code"], code_verifier=kept["verifier"], grant_type="authorization_code"
        )
        address = _address_in_id_token(token) or _address(session, provider)
    except OAuthError as exc:
        raise OAuthProblem(f"{provider.label} refused the sign-in ({exc.error}): click Connect again.") from exc
    except requests.RequestException as exc:
        raise OAuthProblem(f"{provider.label} could not be reached: try again in a few minutes.") from exc
    if not token.get("refresh_token"):
        raise OAuthProblem(f"{provider.label} gave no lasting access (no refresh token): click Connect again.")
    return _mailbox_save(user=user, provider=provider, address=address, token=token, now=now)


def _address_in_id_token(token: dict[str, Any]) -> str:
    """The address the OpenID Connect ID token names, when the token endpoint gave one. It came straight from the
    provider's token endpoint over TLS, which OpenID Connect Core (3.1.3.7) accepts in place of checking its
    signature. Microsoft needs this: its access token is for Outlook's servers and cannot read its userinfo."""
    id_token = str(token.get("id_token") or "")
    if id_token.count(".") != 2:
        return ""
    try:
        claims = json.loads(urlsafe_b64decode(id_token.split(".")[1] + "=" * (-len(id_token.split(".")[1]) % 4)))
    except (ValueError, TypeError):
        return ""
    address = str(claims.get("email") or claims.get("preferred_username") or "").strip().lower()
    return address if "@" in address else ""


def _address(session: OAuth2Session, provider: Provider) -> str:
    answer = session.get(provider.userinfo_url, timeout=HTTP_TIMEOUT)
    if answer.status_code != 200:
        raise OAuthProblem(f"{provider.label} did not say which address this is ({answer.status_code}): try again.")
    data = answer.json()
    address = str(data.get("email") or data.get("preferred_username") or "").strip().lower()
    if "@" not in address:
        raise OAuthProblem(f"{provider.label} did not say which address this is: try again.")
    return address


def _expires_at(token: dict[str, Any], now: dt.datetime) -> dt.datetime:
    if token.get("expires_at"):
        return dt.datetime.fromtimestamp(int(token["expires_at"]), tz=dt.UTC)
    return now + dt.timedelta(seconds=int(token.get("expires_in") or 3600))


def _mailbox_save(*, user: User, provider: Provider, address: str, token: dict[str, Any], now: dt.datetime) -> Mailbox:
    imap_host, imap_port, imap_security = provider.imap
    smtp_host, smtp_port, smtp_security = provider.smtp
    with transaction.atomic():
        mailbox = Mailbox.objects.select_for_update().filter(user=user).first() or Mailbox(user=user)
        moved = mailbox.pk and (mailbox.imap_host, mailbox.imap_username) != (imap_host, address)
        mailbox.transport = Mailbox.Transport.SMTP
        mailbox.from_address = address
        mailbox.from_name = mailbox.from_name or str(user)
        mailbox.smtp_host, mailbox.smtp_port, mailbox.smtp_security = smtp_host, smtp_port, smtp_security
        mailbox.imap_host, mailbox.imap_port, mailbox.imap_security = imap_host, imap_port, imap_security
        mailbox.smtp_username = mailbox.imap_username = address
        mailbox.smtp_password_encrypted = mailbox.imap_password_encrypted = b""
        mailbox.oauth_provider = provider.name
        mailbox.oauth_refresh_encrypted = secret_encrypt(token["refresh_token"])
        mailbox.oauth_access_encrypted = secret_encrypt(token["access_token"])
        mailbox.oauth_expires_at = _expires_at(token, now)
        mailbox.reconnect_since, mailbox.reconnect_reason = None, ""
        mailbox.sync_error, mailbox.sync_failed_at = "", None
        if moved or not mailbox.pk:
            mailbox.uidvalidity, mailbox.last_uid = None, 0
        mailbox.save()
        # Emails that waited for the reconnection go at once.
        mailbox.outbox.filter(state="waiting", wait_reason=RECONNECT_WAIT).update(not_before=now)
    return mailbox


def oauth_access_token(*, mailbox: Mailbox, now: dt.datetime | None = None) -> str:
    """A valid access token for this mailbox's next login, refreshed (under a row lock, so two workers refresh
    once) when it has less than REFRESH_BEFORE left. Raises ReconnectNeeded when the provider refuses the grant."""
    now = now or timezone.now()
    if mailbox.reconnect_since is not None:
        raise ReconnectNeeded(mailbox.reconnect_reason or "Connect your mailbox again.")
    if mailbox.oauth_expires_at and mailbox.oauth_expires_at - now > REFRESH_BEFORE and mailbox.oauth_access_encrypted:
        return secret_decrypt(mailbox.oauth_access_encrypted)
    provider = _provider(mailbox.oauth_provider)
    refused: OAuthError | None = None
    with transaction.atomic():
        locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
        if locked.oauth_expires_at and locked.oauth_expires_at - now > REFRESH_BEFORE:
            _copy_tokens(locked, mailbox)
            return secret_decrypt(locked.oauth_access_encrypted)
        refresh = secret_decrypt(locked.oauth_refresh_encrypted)
        try:
            token = _session(provider).refresh_token(provider.token_url, refresh_token=refresh)
        except OAuthError as exc:
            refused = exc
        except requests.RequestException as exc:
            raise OAuthProblem(
                f"{provider.label} could not be reached to renew the access; Pursuit tries again."
            ) from exc
        else:
            locked.oauth_access_encrypted = secret_encrypt(token["access_token"])
            if token.get("refresh_token"):
                locked.oauth_refresh_encrypted = secret_encrypt(token["refresh_token"])
            locked.oauth_expires_at = _expires_at(token, now)
            locked.save(update_fields=["oauth_access_encrypted", "oauth_refresh_encrypted", "oauth_expires_at"])
            _copy_tokens(locked, mailbox)
            return str(token["access_token"])
    if refused.error not in ("invalid_grant", "unauthorized_client", "invalid_client"):
        raise OAuthProblem(f"{provider.label} refused to renew the access ({refused.error}); Pursuit tries again.")
    # Outside the transaction above, so that it stays when the caller's work fails on it.
    said = (
        f"{provider.label} no longer lets Pursuit use {mailbox.from_address} (the access was removed or ran out): "
        "connect it again on the Mailbox page. Nothing is sent or read until then; queued emails wait."
    )[:300]
    Mailbox.objects.filter(pk=mailbox.pk).update(reconnect_since=now, reconnect_reason=said)
    mailbox.reconnect_since, mailbox.reconnect_reason = now, said
    raise ReconnectNeeded(said) from refused


def _copy_tokens(source: Mailbox, target: Mailbox) -> None:
    target.oauth_access_encrypted = source.oauth_access_encrypted
    target.oauth_refresh_encrypted = source.oauth_refresh_encrypted
    target.oauth_expires_at = source.oauth_expires_at


def xoauth2(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (Google's and Microsoft's IMAP and SMTP take it)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def oauth_disconnect(*, mailbox: Mailbox) -> bool:
    """Revoke the grant at the provider where it can be revoked (Google); the caller deletes the mailbox. True when
    the provider confirmed it."""
    provider = oauth_providers().get(mailbox.oauth_provider)
    if provider is None or not provider.revoke_url or not mailbox.oauth_refresh_encrypted:
        return False
    try:
        answer = _session(provider).revoke_token(
            provider.revoke_url,
            token=secret_decrypt(mailbox.oauth_refresh_encrypted),
            token_type_hint="refresh_token",
        )
    except (requests.RequestException, OAuthError):
        logger.warning("mailbox %s: the grant could not be revoked at %s", mailbox.pk, provider.name, exc_info=True)
        return False
    return answer.status_code == 200
