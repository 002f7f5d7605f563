"""The signing secret of a team's form-tool webhook (Standard Webhooks, "whsec_..."): derived from the server's
SECRET_KEY and the team's inbound key, so it is never stored, a new inbound key replaces it, and a SECRET_KEY
rotated with SECRET_KEY_FALLBACKS keeps the old one working until the fallback is dropped."""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.conf import settings

from crm.models import Team


def _derive(secret_key: str, inbound_key: str) -> str:
    digest = hmac.new(secret_key.encode(), f"pursuit-inbound-webhook:{inbound_key}".encode(), hashlib.sha256)
    return "whsec_" + base64.b64encode(digest.digest()).decode()


def webhook_secret(*, team: Team) -> str:
    """The secret a form tool signs with, shown to the team's managers. Blank until the team has a key."""
    return _derive(settings.SECRET_KEY, team.inbound_key) if team.inbound_key else ""


def webhook_secrets(*, team: Team) -> list[str]:
    """Every secret a delivery may be signed with now: the current one, then those of SECRET_KEY_FALLBACKS."""
    if not team.inbound_key:
        return []
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [_derive(key, team.inbound_key) for key in keys]


def inbound_form_url(*, team: Team) -> str:
    """Where the team's website form posts (api/inbound.py), blank until the team has a key."""
    return f"{settings.PUBLIC_BASE_URL}/in/{team.inbound_key}/" if team.inbound_key else ""
