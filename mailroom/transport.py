"""Talking to a rep's mail servers: log in, send, append, search, and say in plain words what went wrong."""

from __future__ import annotations

import smtplib
import socket
import ssl
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage

from django.conf import settings
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from mailroom.models import Mailbox
from mailroom.network import AddressNotAllowed, mail_host_check
from mailroom.oauth import OAuthProblem, oauth_access_token, xoauth2
from mailroom.secrets import SecretUnreadable, secret_decrypt

TIMEOUT_SECONDS = 15


class MailServerError(Exception):
    """A failure a rep can act on, in their words ("SMTP: the password was refused")."""


class PermanentRefusal(MailServerError):
    """The SMTP server refused the message for good (a 5xx): sending it again would fail the same way."""


def explain(exc: BaseException, *, server: str) -> str:
    """What went wrong, said the way a rep can fix it: DNS, refused, TLS, authentication, timeout."""
    if isinstance(exc, socket.gaierror):
        return f"{server}: the server name could not be found (DNS). Check the host."
    if isinstance(exc, ConnectionRefusedError):
        return f"{server}: the server refused the connection. Check the host and port."
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return f"{server}: the secure connection failed ({exc.__class__.__name__}). Check the port and security."
    if isinstance(exc, socket.timeout | TimeoutError):
        return f"{server}: the server did not answer in {TIMEOUT_SECONDS} s. Check the host and port."
    if isinstance(exc, smtplib.SMTPAuthenticationError | LoginError):
        return f"{server}: the user name or password was refused."
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"{server}: the server does not offer {exc}. Check the security setting."
    if isinstance(exc, MailServerError):
        return str(exc)
    if isinstance(exc, SecretUnreadable | AddressNotAllowed | OAuthProblem):
        return f"{server}: {exc}"
    # Never the remote side's own words here: a host that is not a mail server would have its greeting shown.
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{server}: the server answered {exc.smtp_code}, not what a mail server says here. Check the settings."
    if isinstance(exc, smtplib.SMTPException | IMAPClientError):
        return f"{server}: the server did not answer as a mail server ({exc.__class__.__name__}). Check the settings."
    if isinstance(exc, OSError):
        return f"{server}: the connection failed ({exc.__class__.__name__}). Check the host and port."
    return f"{server}: {exc.__class__.__name__}"


@contextmanager
def smtp_session(mailbox: Mailbox) -> Iterator[smtplib.SMTP]:
    _connectable(mailbox, server="smtp")
    context = ssl.create_default_context()
    if mailbox.smtp_security == Mailbox.Security.TLS:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            mailbox.smtp_host, mailbox.smtp_port, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        client = smtplib.SMTP(mailbox.smtp_host, mailbox.smtp_port, timeout=TIMEOUT_SECONDS)
    try:
        client.ehlo()
        if mailbox.smtp_security == Mailbox.Security.STARTTLS:
            client.starttls(context=context)
            client.ehlo()
        if mailbox.oauth_provider:
            _smtp_oauth_login(client, mailbox)
        elif mailbox.smtp_username:
            client.login(mailbox.smtp_username, secret_decrypt(mailbox.smtp_password_encrypted))
        yield client
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


@contextmanager
def imap_session(mailbox: Mailbox) -> Iterator[IMAPClient]:
    _connectable(mailbox, server="imap")
    use_tls = mailbox.imap_security == Mailbox.Security.TLS
    client = IMAPClient(mailbox.imap_host, port=mailbox.imap_port, ssl=use_tls, timeout=TIMEOUT_SECONDS)
    client.normalise_times = False  # INTERNALDATE with its offset, not in this machine's local time
    try:
        if mailbox.imap_security == Mailbox.Security.STARTTLS:
            client.starttls(ssl.create_default_context())
        if mailbox.oauth_provider:
            client.oauth2_login(mailbox.imap_username, oauth_access_token(mailbox=mailbox))
        else:
            client.login(mailbox.imap_username, secret_decrypt(mailbox.imap_password_encrypted))
        yield client
    finally:
        try:
            client.logout()
        except (IMAPClientError, OSError):
            client.shutdown()


def _smtp_oauth_login(client: smtplib.SMTP, mailbox: Mailbox) -> None:
    """XOAUTH2 with the mailbox's access token. A Microsoft 365 tenant with SMTP AUTH turned off answers 535 5.7.139:
    said so, with what its admin must change."""
    initial = xoauth2(mailbox.smtp_username, oauth_access_token(mailbox=mailbox))
    try:
        client.auth("XOAUTH2", lambda challenge=None: "" if challenge else initial, initial_response_ok=True)
    except smtplib.SMTPAuthenticationError as exc:
        said = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        if "5.7.139" in said or "SmtpClientAuthentication is disabled" in said:
            raise MailServerError(
                "SMTP: your Microsoft 365 organisation has turned off sending from apps (SMTP AUTH). Your admin can "
                "turn it on for your mailbox: Microsoft 365 admin center > Users > your user > Mail > Manage email "
                "apps > Authenticated SMTP. Reading your replies works meanwhile."
            ) from exc
        raise MailServerError("SMTP: the provider refused the sign-in token: connect the mailbox again.") from exc


def _connectable(mailbox: Mailbox, *, server: str) -> None:
    """Checked before every connection, the worker's too: the address, and no password in clear unless allowed."""
    host, port, security = (getattr(mailbox, f"{server}_{name}") for name in ("host", "port", "security"))
    if security == Mailbox.Security.NONE and not settings.MAIL_ALLOW_PLAINTEXT:
        raise MailServerError(
            f'{server.upper()}: security "none" would send the password in clear; choose STARTTLS or TLS.'
        )
    try:
        mail_host_check(host, port)
    except AddressNotAllowed as exc:
        raise MailServerError(f"{server.upper()}: {exc}") from exc


def smtp_send(client: smtplib.SMTP, message: EmailMessage) -> None:
    """Hand one message to the server. A 5xx on the recipient or the data is a PermanentRefusal; anything else
    (4xx, a dropped connection) is a MailServerError to retry."""
    try:
        refused = client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        raise _refusal(code, text) from exc
    except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
        raise _refusal(exc.smtp_code, exc.smtp_error) from exc
    if refused:
        code, text = next(iter(refused.values()))
        raise _refusal(code, text)


def _refusal(code: int, text: bytes | str) -> MailServerError:
    said = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    message = f"The mail server refused it: {code} {said}"[:300]
    return PermanentRefusal(message) if 500 <= code < 600 else MailServerError(message)


@dataclass(frozen=True)
class CheckResult:
    server: str
    ok: bool
    said: str


ROUND_TRIP_WAIT_SECONDS = 10


def mailbox_check(mailbox: Mailbox) -> list[CheckResult]:
    """Log in to both servers, as "Test connection" does, and open the folders Pursuit reads and writes. A mailbox
    connected by OAuth is checked end to end as well: a message to itself is sent, read back and deleted."""
    results = []
    round_trip = bool(mailbox.oauth_provider and mailbox.imap_host)
    marker = uuid.uuid4().hex[:16]
    try:
        with smtp_session(mailbox) as client:
            if round_trip:
                smtp_send(client, _test_message(mailbox, marker))
        said = "SMTP: logged in, a test message sent to yourself." if round_trip else "SMTP: logged in."
        results.append(CheckResult("SMTP", True, said))
    except Exception as exc:  # noqa: BLE001 - every failure is reported, none is raised to the page
        round_trip = False
        results.append(CheckResult("SMTP", False, explain(exc, server="SMTP")))
    if not mailbox.imap_host:
        return results
    try:
        with imap_session(mailbox) as imap:
            for folder in (mailbox.imap_folder, mailbox.sent_folder):
                if not imap.folder_exists(folder):
                    raise MailServerError(f'IMAP: the folder "{folder}" does not exist.')
            said = "IMAP: logged in, folders found."
            if round_trip:
                said = _read_back(imap, mailbox, marker)
        results.append(CheckResult("IMAP", True, said))
    except MailServerError as exc:
        results.append(CheckResult("IMAP", False, str(exc)))
    except Exception as exc:  # noqa: BLE001
        results.append(CheckResult("IMAP", False, explain(exc, server="IMAP")))
    return results


def _test_message(mailbox: Mailbox, marker: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = message["To"] = mailbox.from_address
    message["Subject"] = "Pursuit connection test"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Pursuit-Test"] = marker
    message.set_content("Pursuit checked that it can send and read mail as you. This message deletes itself.")
    return message


def _read_back(imap: IMAPClient, mailbox: Mailbox, marker: str) -> str:
    """Find the test message in the inbox (a few seconds at most), then delete it."""
    imap.select_folder(mailbox.imap_folder)
    deadline = time.monotonic() + ROUND_TRIP_WAIT_SECONDS
    while True:
        found = imap.search(["HEADER", "X-Pursuit-Test", marker])
        if found:
            imap.add_flags(found, [b"\\Deleted"])
            imap.expunge(found) if imap.has_capability("UIDPLUS") else imap.expunge()
            return "IMAP: logged in, and the test message was read back."
        if time.monotonic() > deadline:
            return "IMAP: logged in; the test message has not arrived yet (mail can be delayed). Check your inbox."
        time.sleep(0.5)
