"""Signing deliveries as the Standard Webhooks specification says (the `standardwebhooks` library): `webhook-id`,
`webhook-timestamp` and `webhook-signature` headers, an HMAC-SHA256 of "id.timestamp.body" under the endpoint's
secret. The secret derives from SECRET_KEY and the endpoint's salt, so it is never stored. While a rotated secret's
predecessor is still valid, both sign (two "v1,..." entries), so a receiver switches secrets without missing one."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

from django.conf import settings
from standardwebhooks import Webhook

from webhooks.models import Endpoint


def secret_for(salt: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"pursuit-webhook-endpoint:{salt}".encode(), hashlib.sha256)
    return "whsec_" + base64.b64encode(digest.digest()).decode()


def endpoint_secret(endpoint: Endpoint) -> str:
    """The secret a receiver verifies with, shown to the team's managers."""
    return secret_for(endpoint.secret_salt)


def signed_headers(*, endpoint: Endpoint, msg_id: str, body: bytes, now: dt.datetime) -> dict[str, str]:
    salts = [endpoint.secret_salt]
    if endpoint.previous_salt and endpoint.previous_until is not None and endpoint.previous_until > now:
        salts.append(endpoint.previous_salt)
    signatures = " ".join(Webhook(secret_for(salt)).sign(msg_id, now, body) for salt in salts)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
        "user-agent": "Pursuit-Webhooks/1",
    }
