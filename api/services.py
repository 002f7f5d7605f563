"""Writes the API needs beyond touches: token rotation and version-checked edits of prospects and contacts.

`prospect_update` and `contact_update` belong in `crm/services.py` once that module exists; they live here
until then so the CRM app's owners can move them without an API change.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import models, transaction
from rest_framework.authtoken.models import Token

from crm.models import Contact, Prospect, User
from crm.selectors import contact_list_visible, prospect_list_visible


class StaleVersion(Exception):
    """The client's If-Match names a version that is no longer current: nothing was written."""


def api_token_rotate(*, user: User) -> Token:
    """Replace the user's API token (or create the first one). The old token stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def etag_for(instance: models.Model) -> str:
    """A strong validator of the row's own fields: every write to a prospect or contact moves `updated_at`."""
    label = instance._meta.label_lower
    stamp = instance.updated_at.isoformat()  # type: ignore[attr-defined]
    return '"' + hashlib.sha256(f"{label}:{instance.pk}:{stamp}".encode()).hexdigest()[:32] + '"'


def if_match_allows(header: str | None, current: str) -> bool:
    """RFC 9110 If-Match with strong comparison: `*`, or one of the listed tags (a weak tag never matches)."""
    if header is None:
        return True
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or current in tags


def _update_locked(instance: models.Model, *, changes: dict[str, Any], if_match: str | None) -> models.Model:
    if not if_match_allows(if_match, etag_for(instance)):
        raise StaleVersion
    changed = [name for name, value in changes.items() if getattr(instance, name) != value]
    if not changed:
        return instance
    for name in changed:
        setattr(instance, name, changes[name])
    instance.full_clean(validate_unique=False)
    instance.save(update_fields=[*changed, "updated_at"])
    return instance


def prospect_update(*, user: User, prospect_id: int, changes: dict[str, Any], if_match: str | None) -> Prospect:
    """Edit a prospect the user can see, under a row lock, only if `If-Match` still names its version."""
    with transaction.atomic():
        prospect = prospect_list_visible(user=user).select_for_update(of=("self",)).get(pk=prospect_id)
        return _update_locked(prospect, changes=changes, if_match=if_match)  # type: ignore[return-value]


def contact_update(*, user: User, contact_id: int, changes: dict[str, Any], if_match: str | None) -> Contact:
    """Edit a contact the user can see, under a row lock, only if `If-Match` still names its version."""
    with transaction.atomic():
        contact = contact_list_visible(user=user).select_for_update(of=("self",)).get(pk=contact_id)
        return _update_locked(contact, changes=changes, if_match=if_match)  # type: ignore[return-value]
