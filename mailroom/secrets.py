"""Mailbox passwords at rest: Fernet (AES-128-CBC with HMAC-SHA256) under keys from the environment.

`MAIL_ENCRYPTION_KEYS` lists keys newest first; MultiFernet encrypts with the first and decrypts with any, so a
new key is added in front, `manage.py mail_keys_rotate` re-encrypts every password, and the old key is dropped.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadable(Exception):
    """The stored password was encrypted with a key that is no longer configured."""


def _keys() -> list[str]:
    keys = list(getattr(settings, "MAIL_ENCRYPTION_KEYS", []))
    if not keys and settings.DEBUG:
        # Development only: a stable key derived from SECRET_KEY, so `make run` works with no setup.
        digest = hashlib.sha256(f"pursuit-mail:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    if not keys:
        raise ImproperlyConfigured("Set PURSUIT_MAIL_KEYS (a Fernet key) before connecting mailboxes.")
    return keys


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in _keys()])


def secret_encrypt(plain: str) -> bytes:
    return _fernet().encrypt(plain.encode()) if plain else b""


def secret_decrypt(token: bytes | memoryview) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(bytes(token)).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("The saved password cannot be read with the configured keys; enter it again.") from exc


def secret_rotate(token: bytes | memoryview) -> bytes:
    return _fernet().rotate(bytes(token)) if token else b""
