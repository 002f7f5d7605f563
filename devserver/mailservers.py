"""Real mail servers for the tests: Dovecot (IMAP and LMTP delivery) with a throwaway configuration, and an
aiosmtpd SMTP server in front of it that authenticates against the same users and delivers what it accepts
through LMTP, so mail Pursuit sends lands in an IMAP mailbox the test can read.

Dovecot needs root (it drops to its own users); mail is stored as `nobody`. With CI=true a missing Dovecot
fails the tests; otherwise they skip with the reason.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import smtplib
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from imapclient import IMAPClient

from devserver.oauthserver import RESOURCE_ID, RESOURCE_SECRET, OAuthServer, oauth_server

PASSWORD = "secret"
# Dovecot checks an XOAUTH2 or OAUTHBEARER login's access token at the test authorization server's introspection
# endpoint (RFC 7662), as Google's and Microsoft's servers check theirs.
OAUTH2_CONFIG = """introspection_mode = post
introspection_url = http://{client}:{secret}@127.0.0.1:{port}/introspect
username_attribute = username
active_attribute = active
active_value = true
force_introspection = yes
"""
CONFIG = """
protocols = imap lmtp
base_dir = {root}/run
state_dir = {root}/state
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
mail_location = maildir:{root}/mail/%u
log_path = {root}/dovecot.log
default_internal_user = dovecot
default_login_user = dovenull
default_internal_group = dovecot
namespace inbox {{
  inbox = yes
  mailbox Sent {{
    auto = create
    special_use = \\Sent
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}
passdb {{
  driver = static
  mechanisms = plain login
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=65534 gid=65534 home={root}/mail/%u allow_all_users=yes
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, *, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
        time.sleep(0.1)
    return False


class _Relay:
    """aiosmtpd handler: refuse unknown recipients for good (550), deliver the rest through LMTP. It also takes
    XOAUTH2 logins, checking the token at the authorization server as Gmail's and Office 365's SMTP servers do;
    `smtp_auth_disabled` answers them as a Microsoft tenant with SMTP AUTH turned off does."""

    def __init__(self, servers: MailServers) -> None:
        self.servers = servers

    async def auth_XOAUTH2(self, server, args):  # noqa: N802 - aiosmtpd's name for the mechanism's method
        if self.servers.smtp_auth_disabled:
            await server.push(
                "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."
            )
            return AuthResult(success=False, handled=True)
        response = args[1] if len(args) > 1 else await server.challenge_auth("", encode_to_b64=False)
        if isinstance(response, bytes):
            response = response.decode()
        try:
            said = base64.b64decode(response).decode()
        except ValueError:
            return AuthResult(success=False, handled=False)
        fields = dict(part.split("=", 1) for part in said.split("\x01") if "=" in part)
        user, token = fields.get("user", ""), fields.get("auth", "").removeprefix("Bearer ").strip()
        if user and token and _introspect(self.servers.oauth, token).get("username") == user:
            return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's API
        if address.lower() not in self.servers.users:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with smtplib.LMTP("127.0.0.1", self.servers.lmtp_port) as lmtp:
            lmtp.sendmail(envelope.mail_from, envelope.rcpt_tos, envelope.original_content)
        self.servers.accepted.append(envelope.original_content)
        return "250 2.0.0 Message accepted"


def _introspect(oauth: OAuthServer | None, token: str) -> dict:
    if oauth is None:
        return {}
    request = urllib.request.Request(
        oauth.endpoints["introspection_url"],
        data=urllib.parse.urlencode({"token": token}).encode(),
        headers={"Authorization": "Basic " + base64.b64encode(f"{RESOURCE_ID}:{RESOURCE_SECRET}".encode()).decode()},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - the test server on loopback
        found = json.loads(answer.read())
    return found if found.get("active") else {}


@dataclass
class MailServers:
    root: Path
    imap_port: int
    lmtp_port: int
    smtp_port: int = 0
    oauth: OAuthServer | None = None
    smtp_auth_disabled: bool = False
    users: dict[str, str] = field(default_factory=dict)
    accepted: list[bytes] = field(default_factory=list)

    def add_user(self, address: str) -> str:
        """A mailbox the SMTP server delivers to. Every user logs in with PASSWORD (a static passdb: a file
        Dovecot re-reads only when its modification time moves on would make each new user cost a second)."""
        self.users[address.lower()] = PASSWORD
        return address

    def deliver(self, message: EmailMessage | bytes, *, to: str) -> None:
        """Put a message in a mailbox's INBOX, as if it arrived from outside."""
        with smtplib.LMTP("127.0.0.1", self.lmtp_port) as lmtp:
            if isinstance(message, bytes):
                lmtp.sendmail("someone@outside.test", [to], message)
            else:
                lmtp.send_message(message, to_addrs=[to])

    def imap(self, user: str) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.imap_port, ssl=False, timeout=10)
        client.login(user, PASSWORD)
        return client

    def messages(self, user: str, folder: str = "INBOX") -> list[bytes]:
        with self.imap(user) as client:
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            return [data[b"BODY[]"] for data in client.fetch(uids, ["BODY.PEEK[]"]).values()] if uids else []


def _authenticator(servers: MailServers):
    def authenticate(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            user, password = auth_data.login.decode(), auth_data.password.decode()
            if servers.users.get(user.lower()) == password:
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    return authenticate


@contextlib.contextmanager
def mail_servers() -> Iterator[MailServers | str]:
    """Yields the running servers, or a string saying why they could not start."""
    dovecot = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
    if dovecot is None:
        yield "Dovecot is not installed (apt-get install dovecot-imapd dovecot-lmtpd)"
        return
    if os.geteuid() != 0:
        yield "Dovecot's test server must be started as root"
        return
    root = Path(tempfile.mkdtemp(prefix="pursuit-mail-"))
    root.chmod(0o755)
    for name in ("run", "state", "mail"):
        (root / name).mkdir()
    os.chown(root / "mail", 65534, 65534)
    servers = MailServers(root=root, imap_port=free_port(), lmtp_port=free_port())
    servers.add_user("postmaster@pursuit.test")
    oauth_port = free_port()
    (root / "oauth2.conf.ext").write_text(
        OAUTH2_CONFIG.format(client=RESOURCE_ID, secret=RESOURCE_SECRET, port=oauth_port)
    )
    conf = root / "dovecot.conf"
    conf.write_text(
        CONFIG.format(root=root, imap_port=servers.imap_port, lmtp_port=servers.lmtp_port, password=PASSWORD)
    )
    with oauth_server(oauth_port) as oauth:
        servers.oauth = oauth
        yield from _with_dovecot(servers, conf, root)


def _with_dovecot(servers: MailServers, conf: Path, root: Path) -> Iterator[MailServers | str]:
    dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"
    # Dovecot forks into the background: its children must not hold a pipe of ours open.
    with (root / "start.log").open("wb") as start_log:
        started = subprocess.run([dovecot, "-c", str(conf)], stdout=start_log, stderr=start_log, timeout=30)
    if started.returncode != 0 or not (_wait_for_port(servers.imap_port) and _wait_for_port(servers.lmtp_port)):
        logs = [(root / name).read_text()[-500:] for name in ("start.log", "dovecot.log") if (root / name).exists()]
        yield f"Dovecot did not start: {' '.join(logs)}"
        shutil.rmtree(root, ignore_errors=True)
        return
    controller = Controller(
        _Relay(servers),
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=_authenticator(servers),
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    servers.smtp_port = controller.port
    try:
        yield servers
    finally:
        controller.stop()
        doveadm = shutil.which("doveadm") or "/usr/bin/doveadm"
        subprocess.run(
            [doveadm, "-c", str(conf), "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30
        )
        shutil.rmtree(root, ignore_errors=True)
