"""Run a test's writer `times` times at once, each in its own thread (and its own database connection)."""

from __future__ import annotations

import threading
from collections.abc import Callable


def together(target: Callable[[], object], *, times: int, timeout: float = 60) -> None:
    threads = [threading.Thread(target=target) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
