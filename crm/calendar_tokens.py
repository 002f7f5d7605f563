"""The secret in a rep's private calendar feed URL: made, replaced, revoked and looked up (only its hash is stored).

The feed itself is built by the rep's workspace (workspace/calendar_feed.py)."""

from __future__ import annotations

import hashlib
import secrets

from crm.models import User

# The feed URL carries a token of 32 random bytes from `secrets` (256 bits, 43 characters); the database keeps only
# its SHA-256, so a leaked table opens no calendar. A slow password hash (PBKDF2, Argon2) is not needed: it makes
# guessing *low-entropy* passwords expensive, and no speed of hashing makes 2**256 candidates searchable. The hash is
# unsalted on purpose: the feed request brings only the token, so the hash must be deterministic to be found through
# the unique index, and a salt buys nothing against inputs that are all different and unguessable.
CALENDAR_TOKEN_BYTES = 32
# Every token we issued (before hashing too) is 43 characters; a shorter one is not worth a query.
CALENDAR_TOKEN_MIN_LENGTH = 32


def calendar_token_hash(*, token: str) -> str:
    """What the database stores for a feed token: SHA-256, hex (64 characters)."""
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_token_rotate(*, user: User) -> str:
    """Give the rep a new private feed token; the old URL stops working at once.

    Returns the token: the caller shows it to the rep once, since only its hash is kept.
    """
    token = secrets.token_urlsafe(CALENDAR_TOKEN_BYTES)
    digest = calendar_token_hash(token=token)
    User.objects.filter(pk=user.pk).update(calendar_token_hash=digest)
    user.calendar_token_hash = digest
    return token


def calendar_token_revoke(*, user: User) -> None:
    """Turn the rep's feed off: whatever URL they had now finds nothing."""
    User.objects.filter(pk=user.pk).update(calendar_token_hash=None)
    user.calendar_token_hash = None


def user_get_by_calendar_token(*, token: str) -> User | None:
    """The active user whose feed this token opens, else None (unknown, revoked or replaced token, inactive user).

    One indexed query on the hash. Comparing hashes in SQL leaks no useful timing: an attacker controls the token,
    not its hash, so a partial match tells them nothing about any stored token.
    """
    if len(token) < CALENDAR_TOKEN_MIN_LENGTH:
        return None
    return User.objects.filter(calendar_token_hash=calendar_token_hash(token=token), is_active=True).first()
