"""Did the receiving server verify who sent a message? Read from its Authentication-Results header (RFC 8601).

Anyone can write any From. A stop or a bounce that answers none of our messages is acted on only when the server
that received it says the From's domain passed: DMARC, or SPF or DKIM for a domain aligned with the From. Only the
receiving server's own header counts: the one whose authserv-id is in MAIL_TRUSTED_AUTHSERV_IDS, or, when none is
set, the topmost (the last server prepends its header; a sender can add their own further down).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

from django.conf import settings

from mailroom.classify import sender_address


@dataclass(frozen=True)
class Verification:
    verified: bool
    said: str  # what the server's header said, for the rep


def _without_comments(value: str) -> str:
    while "(" in value:
        stripped = re.sub(r"\([^()]*\)", " ", value)
        if stripped == value:
            break
        value = stripped
    return value


def _aligned(domain: str, from_domain: str) -> bool:
    domain, from_domain = domain.lower().strip(".").lstrip("@"), from_domain.lower().strip(".")
    if "@" in domain:
        domain = domain.rpartition("@")[2]
    return bool(domain) and (
        domain == from_domain or from_domain.endswith(f".{domain}") or domain.endswith(f".{from_domain}")
    )


def _trusted_header(message: Message) -> str:
    headers = [" ".join(str(h).split()) for h in message.get_all("Authentication-Results") or []]
    trusted = {i.lower() for i in settings.MAIL_TRUSTED_AUTHSERV_IDS}
    if trusted:
        return next((h for h in headers if h.split(";", 1)[0].strip().split()[0].lower() in trusted), "")
    return headers[0] if headers else ""


def sender_verification(message: Message) -> Verification:
    from_domain = sender_address(message).rpartition("@")[2]
    header = _trusted_header(message)
    if not header:
        return Verification(False, "no Authentication-Results from the receiving server")
    if not from_domain:
        return Verification(False, "no From address to verify")
    passed = []
    for resinfo in _without_comments(header).split(";")[1:]:
        parts = resinfo.split()
        if not parts or "=" not in parts[0]:
            continue
        method, _, result = parts[0].partition("=")
        props = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
        if result.lower() != "pass":
            continue
        method = method.lower()
        if method == "dmarc" and _aligned(props.get("header.from", from_domain), from_domain):
            passed.append("DMARC")
        elif method == "dkim" and _aligned(props.get("header.d") or props.get("header.i", ""), from_domain):
            passed.append("DKIM")
        elif method == "spf" and _aligned(props.get("smtp.mailfrom", ""), from_domain):
            passed.append("SPF")
    if passed:
        return Verification(True, f"{' and '.join(dict.fromkeys(passed))} passed for {from_domain}")
    return Verification(False, f"no DMARC, or SPF or DKIM aligned with {from_domain}, passed")
