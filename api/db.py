from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, connection

T = TypeVar("T")

# deadlock_detected, serialization_failure: PostgreSQL picked this transaction as the victim; a retry succeeds.
RETRYABLE = {"40P01", "40001"}


def retrying(fn: Callable[[], T], *, attempts: int = 4) -> T:
    """Run `fn` (which opens its own transaction) again if PostgreSQL aborted it as a deadlock victim.

    Two bulk uploads touching the same prospects in different orders can deadlock; every write here is
    idempotent, so running it again is safe. Inside an outer transaction a retry would be meaningless (the
    outer one is already doomed), so there it just runs once.
    """
    for attempt in range(attempts):
        try:
            return fn()
        except OperationalError as exc:
            code = getattr(exc.__cause__, "pgcode", None)
            if code not in RETRYABLE or connection.in_atomic_block or attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    raise AssertionError("unreachable")
