"""Start a real Celery worker (and optionally beat) as child processes pointed at the test database."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT = 40


def _test_database_url() -> str:
    db = connection.settings_dict
    host = quote(db["HOST"] or "", safe="")
    auth = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{db['NAME']}"


def _child_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "DATABASE_CONN_MAX_AGE": "0",
        **extra,
    }


@contextlib.contextmanager
def _process(args: list[str], ready: str, log: Path, **env: str) -> Iterator[subprocess.Popen[bytes] | None]:
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=_child_env(**env), stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while ready not in log.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.stderr.write(log.read_text(errors="replace"))
                yield None
                return
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Worker:
    def __init__(self, log: Path) -> None:
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_for(check: Callable[[], object], *, timeout: float = 20, interval: float = 0.2) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"gave up after {timeout}s waiting for {check}")


@contextlib.contextmanager
def start_worker(*, with_beat: bool = False, sweep_seconds: int = 2, concurrency: int = 2) -> Iterator[Worker | None]:
    tmp = Path(tempfile.mkdtemp(prefix="pursuit-worker-"))
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    worker_args = [
        *celery,
        "worker",
        "-Q",
        queue,
        "-c",
        str(concurrency),
        "-l",
        "info",
        "--without-gossip",
        "--without-mingle",
        "-n",
        f"test-{queue}@%h",
    ]
    with contextlib.ExitStack() as stack:
        worker = stack.enter_context(_process(worker_args, "ready.", tmp / "worker.log"))
        if worker is None:
            yield None
            return
        if with_beat:
            beat_args = [*celery, "beat", "-l", "info", "-s", str(tmp / "beat-schedule")]
            beat = stack.enter_context(
                _process(beat_args, "beat: Starting", tmp / "beat.log", CADENCE_SWEEP_SECONDS=str(sweep_seconds))
            )
            if beat is None:
                yield None
                return
        yield Worker(tmp / "worker.log")
