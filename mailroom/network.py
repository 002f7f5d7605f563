"""Where Pursuit may connect for a rep's mail: public addresses only, unless the operator names networks.

A mailbox's host is whatever a rep typed. Without this, "Save and test" and the worker's reconnects would reach
this server's own loopback, the private network it sits in, or a cloud's metadata address (link-local), and tell
the rep what answered. The host is resolved here, and every address it resolves to must be public (or in
MAIL_ALLOWED_NETWORKS, for a team's own mail server on a private network); checked before every connection, so a
name that later resolves elsewhere is caught on the next one.
"""

from __future__ import annotations

import ipaddress
import socket

from django.conf import settings


class AddressNotAllowed(Exception):
    """The mail server's address is not one Pursuit connects to."""


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(cidr.strip(), strict=False) for cidr in settings.MAIL_ALLOWED_NETWORKS if cidr]


def mail_host_check(host: str, port: int) -> None:
    """Raise AddressNotAllowed unless every address `host` resolves to is public or in an allowed network.

    Numeric forms ("127.1", "2130706433", "0x7f.1") are resolved the way the connection would resolve them.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return  # the connection fails with its own, clearer, DNS error
    networks = allowed_networks()
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in networks):
            continue
        if not address.is_global or address.is_multicast:
            raise AddressNotAllowed(
                f"{host} is a private, loopback, link-local or reserved address: Pursuit does not connect there. "
                "If your team's mail server is on a private network, ask your admin to allow it "
                "(PURSUIT_MAIL_ALLOWED_NETWORKS)."
            )
