"""Writes that only the API has: token rotation. Prospect and contact writes live in `crm/services.py`."""

from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token

from crm.models import User


def api_token_rotate(*, user: User) -> Token:
    """Replace the user's API token (or create the first one). The old token stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)
