"""Posting a delivery: to public addresses only, unless the operator allows networks (WEBHOOK_ALLOWED_NETWORKS), as
a mailbox's server is checked (mailroom.network). The address is checked on the connected socket itself, after
DNS and before a byte is sent, so a name that resolves to a public address for the check and a private one for the
connection (DNS rebinding) is refused too. Redirects are not followed; the answer's body is read only a little."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

import urllib3
from django.conf import settings
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
BODY_READ = 2048


class AddressNotAllowed(Exception):
    pass


def _allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    networks = [ipaddress.ip_network(c.strip(), strict=False) for c in settings.WEBHOOK_ALLOWED_NETWORKS if c.strip()]
    if any(ip in network for network in networks):
        return True
    return ip.is_global and not ip.is_multicast


def url_check(url: str) -> None:
    """Raise AddressNotAllowed when the URL's host resolves to an address Pursuit does not post to (a form's check;
    the socket is checked again at every delivery)."""
    parts = urllib3.util.parse_url(url)
    if parts.scheme not in ("http", "https") or not parts.host:
        raise AddressNotAllowed("Give an http or https URL.")
    host = parts.host.strip("[]")
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError):
        raise AddressNotAllowed(f"{parts.host} does not resolve.") from None
    for info in infos:
        if not _allowed(str(info[4][0])):
            raise AddressNotAllowed(_refusal(parts.host))


def _refusal(host: str) -> str:
    return (
        f"{host} is a private, loopback, link-local or reserved address: Pursuit does not post there. If your "
        "receiver is on a private network, ask your admin to allow it (PURSUIT_WEBHOOK_ALLOWED_NETWORKS)."
    )


class _Checked:
    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        peer = self.sock.getpeername()[0]  # type: ignore[attr-defined]
        if not _allowed(peer):
            self.sock.close()  # type: ignore[attr-defined]
            raise AddressNotAllowed(_refusal(self.host))  # type: ignore[attr-defined]


class _CheckedHTTP(_Checked, HTTPConnection):
    pass


class _CheckedHTTPS(_Checked, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTP


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPS


_pool = urllib3.PoolManager(num_pools=50, maxsize=8, retries=False)
_pool.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}  # type: ignore[assignment]


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer (refused address, connection error, timeout)
    error: str

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Answer:
    try:
        response = _pool.request(
            "POST",
            url,
            body=body,
            headers=headers,
            redirect=False,
            timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT),
            preload_content=False,
        )
    except AddressNotAllowed as exc:
        return Answer(None, str(exc))
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return Answer(None, f"{type(reason).__name__}: {reason}"[:300])
    try:
        text = response.read(BODY_READ, decode_content=False)
    except (urllib3.exceptions.HTTPError, OSError):
        text = b""
    finally:
        response.release_conn()
    said = "" if 200 <= response.status < 300 else text.decode("utf-8", "replace")[:200]
    return Answer(
        response.status, f"HTTP {response.status} {said}".strip()[:300] if said or response.status >= 300 else ""
    )
